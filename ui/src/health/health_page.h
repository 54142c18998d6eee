#pragma once

#include <QPointer>
#include <QWidget>
#include <functional>
#include <optional>

#include "health/health_checkup.h"

class QLabel;
class QPushButton;
class QTabWidget;

namespace fovea::ui {

class BackgroundJob;
class ClassBalanceView;
class DuplicatesView;
class EmbeddingMapView;
class MapProjectionBar;
class JobProgressBar;
class LabelIssuesView;
class ProjectSession;
class ThumbnailCache;
class UnreadableView;

// The Health page (issue 22): "Check Dataset" checks the open project on a background job
// (every file decoded, duplicates and leaks, the network's embeddings, suspected label errors,
// class balance, the embedding map) and shows the findings in tabs, with the fixes as undoable
// commands on the project's undo stack. Nothing is changed until the user asks.
class HealthPage : public QWidget {
    Q_OBJECT
  public:
    enum Tab { DuplicatesTab, LabelIssuesTab, ClassesTab, UnreadableTab, MapTab };

    explicit HealthPage(QWidget* parent = nullptr);
    ~HealthPage() override;

    void setSession(ProjectSession* session);
    // Starts the check-up of the open project; false without one or while one runs.
    bool checkDataset();

    BackgroundJob* job() const { return m_job; }
    QTabWidget* tabs() const { return m_tabs; }
    DuplicatesView* duplicates() const { return m_duplicates; }
    LabelIssuesView* labelIssues() const { return m_labelIssues; }
    ClassBalanceView* classes() const { return m_classes; }
    UnreadableView* unreadable() const { return m_unreadable; }
    EmbeddingMapView* map() const { return m_map; }
    MapProjectionBar* projection() const { return m_projection; }
    // The last finished check-up, if any.
    const std::optional<HealthCheckup>& checkup() const { return m_checkup; }

  Q_SIGNALS:
    // A check-up finished and shows (ok), or failed with `message`.
    void checked(bool ok, const QString& message);
    // Show this image on the Data page (a double-click in a list, or on the map).
    void imageActivated(qint64 id);

  private:
    void onJobFinished(bool ok, const QString& message);
    // The findings that are quick to show; the rest follow with inNextTurn.
    void showCheckup();
    // Runs `step` in a later turn of the event loop, unless another project was opened since.
    void inNextTurn(std::function<void()> step);
    void clearFindings();

    QPointer<ProjectSession> m_session;
    BackgroundJob* m_job;
    ThumbnailCache* m_thumbnails;
    quint64 m_generation = 0;  // which project a running check-up belongs to
    quint64 m_jobGeneration = 0;
    std::optional<HealthCheckup> m_pending;  // written by the job, taken when it finishes
    std::optional<HealthCheckup> m_checkup;
    QPushButton* m_check;
    JobProgressBar* m_progress;
    QLabel* m_note;
    QTabWidget* m_tabs;
    DuplicatesView* m_duplicates;
    LabelIssuesView* m_labelIssues;
    ClassBalanceView* m_classes;
    UnreadableView* m_unreadable;
    EmbeddingMapView* m_map;
    MapProjectionBar* m_projection;
};

}  // namespace fovea::ui
