#pragma once

#include <QList>
#include <QPointer>
#include <QWidget>
#include <vector>

#include "fovea/core/health/dataset_health.h"

class QLabel;
class QPushButton;
class QScrollArea;
class QVBoxLayout;

namespace fovea::ui {

class ProjectSession;
class ThumbnailCache;

// The Health page's duplicate groups: each group's kind (exact or near), a leak across splits
// flagged in colour, its images as thumbnails with their split and whether each is the copy
// kept or an extra, and "Exclude Extras" for the group; "Exclude All Extras" above them. Each
// is one undoable command (SetExcludedCommand) on the project's undo stack; what the tiles
// say is read back from the database, so undo shows at once.
class DuplicatesView : public QWidget {
    Q_OBJECT
  public:
    // At most this many groups get widgets; Exclude All Extras covers every group.
    static constexpr int kMaxGroupsShown = 200;

    DuplicatesView(ThumbnailCache* thumbnails, QWidget* parent = nullptr);

    void setSession(ProjectSession* session);
    // Nothing found yet because nothing was checked yet (not "no duplicates").
    void clear();
    void showFindings(const std::vector<core::DuplicateFinding>& findings);

    int groupCount() const { return static_cast<int>(m_findings.size()); }
    // The group's widget (objectName "duplicateGroup"), for the tests; nullptr past the shown,
    // and until it is built (a few groups per turn of the event loop after showFindings).
    QWidget* groupWidget(int group) const;
    // One undoable command each; false when nothing was left to exclude or it failed.
    bool excludeExtras(int group);
    bool excludeAllExtras();

  Q_SIGNALS:
    // An image's tile was double-clicked: show it on the Data page.
    void imageActivated(qint64 id);

  protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

  private:
    struct Tile {
        qint64 id = 0;
        QLabel* image = nullptr;
        QLabel* caption = nullptr;
    };
    struct Group {
        QWidget* frame = nullptr;
        QPushButton* exclude = nullptr;
        std::vector<Tile> tiles;
    };
    // Builds the shown groups from `first` on, a few now and the rest in later turns.
    void buildGroupsFrom(int first);
    QWidget* buildGroup(const core::DuplicateFinding& finding, Group& group);
    bool excludeImages(const std::vector<core::ImageId>& ids, const QString& text);
    // Which images are excluded now, from the database: the tiles' words and the buttons.
    void refreshStates();
    void onThumbnail(qint64 id);

    QPointer<ProjectSession> m_session;
    ThumbnailCache* m_thumbnails;
    std::vector<core::DuplicateFinding> m_findings;
    std::vector<Group> m_groups;
    QLabel* m_summary;
    QPushButton* m_excludeAll;
    QScrollArea* m_scroll;
    QWidget* m_list = nullptr;
    quint64 m_generation = 0;  // which findings the groups being built belong to
};

}  // namespace fovea::ui
