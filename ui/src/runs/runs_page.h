#pragma once

#include <QMap>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QVector>
#include <QWidget>
#include <optional>

#include "fovea/core/session/run_catalogue.h"
#include "runs/detection_run_info.h"

class QFileSystemWatcher;
class QLabel;
class QPushButton;
class QTableWidget;
class QTimer;

namespace fovea::ui {

class ProjectSession;
class RunComparison;

// The Runs page: every run of the project (its runs/ folder: made here, by fovea-cli or by
// another machine writing to the same folder), newest first, with status, network, weights,
// start, training time and best validation figures, read from the run folders. The list
// follows the folder as runs appear, progress and end. A run can be opened on the Evaluate,
// Predict and Export pages, resumed, used as the starting point of a new run, renamed,
// deleted, and two or more compared.
class RunsPage : public QWidget {
    Q_OBJECT
  public:
    enum Column {
        NameColumn,
        StatusColumn,
        ArchitectureColumn,
        WeightsColumn,
        StartedColumn,
        TimeColumn,
        EpochsColumn,
        AccuracyColumn,
        LossColumn,
        ColumnCount
    };

    explicit RunsPage(QWidget* parent = nullptr);

    void setSession(ProjectSession* session);
    // Reads the run folders again now.
    void refresh();
    // While a run trains in this window, none can be resumed or trained again from here (the
    // Train page runs one at a time).
    void setTrainingActive(bool active);

    const QVector<core::RunListing>& runs() const { return m_runs; }
    QTableWidget* table() const { return m_table; }
    // The newest finished run with a model, if any (what a reopened project shows).
    std::optional<core::RunListing> latestFinishedRun() const;
    void selectRuns(const QStringList& folders);
    QStringList selectedFolders() const;

    // What the buttons do, without their dialogs (the tests and the window call these).
    bool renameRun(const QString& folder, const QString& newName, QString* error = nullptr);
    // To the trash when the system has one, else removed for good.
    bool deleteRun(const QString& folder, QString* error = nullptr);
    RunComparison* compareRuns(const QStringList& folders);

  Q_SIGNALS:
    // Show this run's model on the Evaluate, Predict and Export pages.
    void runOpened(const QString& folder);
    // Continue this run from its checkpoint, with its own settings.
    void resumeRequested(const QString& folder);
    // Watch this run, trained elsewhere, on the Train page as it goes.
    void followRequested(const QString& folder);
    // Prepare a new run with this run's settings (Model and Train pages).
    void startFromRequested(const fovea::core::RunConfig& config);
    // The run's folder moved (renamed: `to` is set) or went (deleted: `to` is empty).
    void runMoved(const QString& from, const QString& to);

  protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

  private:
    // Whether one of `folders` is a detection run, which Compare cannot show yet.
    bool holdsDetectionRuns(const QStringList& folders) const;
    QWidget* buildButtons();
    void fillTable();
    // The figure columns' headers for the project's task (and the loss column, which
    // detection runs do not have).
    void showTaskColumns();
    // A detection run's network, weights, epochs and best mAP / AP50 (issue 24).
    void fillDetectionRow(int row, const DetectionRunInfo& run);
    void updateButtons();
    // Whether Resume can continue `run` (a detection run's as a classification run's).
    bool canResume(const core::RunListing& run) const;
    void showDetails();
    void watchRunsFolder();
    std::optional<core::RunListing> selectedRun() const;
    void askRename();
    void askDelete();

    QPointer<ProjectSession> m_session;
    QString m_runsFolder;
    QVector<core::RunListing> m_runs;
    QMap<QString, DetectionRunInfo> m_detectionRuns;  // by folder, of the runs listed
    std::optional<QString>
        m_shownSignature;  // what the table shows, to skip rebuilding it unchanged
    QTableWidget* m_table;
    QLabel* m_details;
    QLabel* m_emptyNote;
    QFileSystemWatcher* m_watcher;
    QTimer* m_pollTimer;  // running runs change inside their folders, which the watcher misses
    QPushButton* m_open = nullptr;
    QPushButton* m_resume = nullptr;
    QPushButton* m_follow = nullptr;
    QPushButton* m_startFrom = nullptr;
    bool m_trainingActive = false;
    QString m_resumeTip, m_startFromTip, m_compareTip;  // their tooltips when they can be used
    QPushButton* m_compare = nullptr;
    QPushButton* m_rename = nullptr;
    QPushButton* m_delete = nullptr;
    QPushButton* m_showFolder = nullptr;
};

}  // namespace fovea::ui
