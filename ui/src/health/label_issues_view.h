#pragma once

#include <QPointer>
#include <QWidget>
#include <vector>

#include "fovea/core/health/dataset_health.h"

class QLabel;
class QPushButton;
class QTreeWidget;

namespace fovea::ui {

class ProjectSession;
class ThumbnailCache;

// The Health page's suspected label errors, most suspect first: thumbnail, file, "labeled Coat,
// looks like Pullover" and the score. Enter or R (or the button) relabels the selected image to
// the suggested class, one undoable command (SetLabelCommand), and moves to the next open one;
// each row says what the image is labeled now, read back from the database, so undo shows.
class LabelIssuesView : public QWidget {
    Q_OBJECT
  public:
    enum Column { ImageColumn, ProblemColumn, ScoreColumn, ColumnCount };

    LabelIssuesView(ThumbnailCache* thumbnails, QWidget* parent = nullptr);

    void setSession(ProjectSession* session);
    // `checked` labels were held out, `agreement` of them predicted as given (the summary says
    // what that makes the suspects worth).
    void showIssues(const std::vector<core::LabelIssue>& issues, std::int64_t checked = 0,
                    double agreement = 0);

    QTreeWidget* list() const { return m_list; }
    // Gives the selected image its suggested class and selects the next issue still open;
    // false when none is selected, it has that class already, or the change failed.
    bool relabelSelected();

  Q_SIGNALS:
    // A row was double-clicked: show the image on the Data page.
    void imageActivated(qint64 id);

  protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

  private:
    // Each row's words from the image's label now: open, relabeled, or labeled otherwise.
    void refreshRows();
    bool isOpen(int row) const;
    void updateButton();
    void onThumbnail(qint64 id);

    QPointer<ProjectSession> m_session;
    ThumbnailCache* m_thumbnails;
    std::vector<core::LabelIssue> m_issues;
    QLabel* m_summary;
    QPushButton* m_relabel;
    QTreeWidget* m_list;
};

}  // namespace fovea::ui
