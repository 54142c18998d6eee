#pragma once

#include <QAbstractListModel>
#include <QColor>
#include <QHash>
#include <QList>
#include <QSet>
#include <optional>
#include <unordered_set>
#include <vector>

#include "data/image_view_filter.h"
#include "fovea/core/project/project_types.h"

namespace fovea::ui {

class ProjectSession;
class ThumbnailCache;

// The images of the open project that pass the Data page's filter, one row each, in import
// order (or the "Label next" order). Rows hold the database records (a few hundred bytes each:
// 50,000 images stay small); thumbnails come from the ThumbnailCache as the view asks for them.
// Label changes update the affected rows in place and drop those that leave the filter, so labeling
// never re-queries the whole project.
class ImageListModel : public QAbstractListModel {
    Q_OBJECT
  public:
    enum Role {
        ImageIdRole = Qt::UserRole + 1,  // qint64
        ClassNameRole,                   // QString, empty when unlabeled
        ClassColourRole,                 // QColor, invalid when unlabeled
        SplitRole,                       // QString: "train", "val", "test" or empty
        ErrorRole,                       // QString: why the image cannot be used, or empty
        LoadingRole,                     // bool: the thumbnail is still being decoded
        WatchedRole,                     // bool: in the watch set (the Train page follows it)
        // A model's suggestion for an unlabeled image (never for a labeled one: the label
        // wins): the class's name (empty without one), its colour (invalid without one) and the
        // model's confidence, 0..1 (invalid QVariant without one).
        SuggestedClassNameRole,
        SuggestedClassColourRole,
        SuggestionConfidenceRole,
        // The split the thumbnail's badge names: a labeled image's (an unlabeled one is not
        // trained on, whatever split it will go to once labeled), else empty.
        SplitBadgeRole,
        ExcludedRole,  // bool: kept in the project but left out of training and export
        // Detection projects: the grid's badge, "3 ▢" for an image with boxes, "background"
        // for one annotated without any, an empty string for one nobody has annotated yet.
        // An invalid QVariant in classification projects.
        BoxBadgeRole,
    };
    // The drag format of a selection: the image ids as text, one per line.
    static constexpr const char* kImageIdsMimeType = "application/x-fovea-image-ids";

    ImageListModel(ThumbnailCache* thumbnails, QObject* parent = nullptr);

    void setSession(ProjectSession* session);  // nullptr: empty
    void setFilter(const ImageViewFilter& filter);
    const ImageViewFilter& filter() const { return m_filter; }
    // Reads the rows for the filter again (after an import, or a class change).
    void reload();
    // Re-reads these images (empty: every image); rows that no longer pass the filter leave
    // the view and images that now pass it join, while the other rows stay where they are, so
    // the view keeps its selection, current image and scroll position.
    void refreshImages(const QList<qint64>& ids);

    const core::ImageRecord& record(int row) const { return m_rows[static_cast<size_t>(row)]; }
    int rowOf(core::ImageId id) const { return m_rowOfId.value(id, -1); }
    QString className(std::optional<core::ClassId> id) const;
    // Whether the project is a detection project: "Unlabeled" then means not annotated, and a
    // class filter means images with a box of the class.
    bool isDetection() const { return m_detection; }
    // The badge text of BoxBadgeRole for `record` (detection projects).
    static QString boxBadge(const core::ImageRecord& record);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QStringList mimeTypes() const override;
    QMimeData* mimeData(const QModelIndexList& indexes) const override;
    Qt::DropActions supportedDragActions() const override { return Qt::CopyAction; }

    // Reads ids back from a drag made by mimeData().
    static QList<qint64> imageIdsFrom(const QMimeData* mime);

  private:
    void readWatchSet();
    struct ClassLook {
        QString name;
        QColor colour;
    };
    void readClasses();
    // The images that pass the filter, as the database has them now (nullopt: failed, reported).
    std::optional<std::vector<core::ImageRecord>> queryRows() const;
    // m_filter as a database query, and whether `record` passes it, in the project's terms.
    core::ImageFilter imageFilter() const;
    bool matchesFilter(const core::ImageRecord& record) const;
    // Replaces the rows with `fresh` through row removals, insertions and dataChanged rather
    // than a reset.
    void mergeRows(std::vector<core::ImageRecord> fresh);
    // Removes the rows of these (shown) images.
    void dropRows(const std::unordered_set<qint64>& ids);
    void rebuildRowIndex();
    void onThumbnailDone(qint64 id);

    ThumbnailCache* m_thumbnails;
    ProjectSession* m_session = nullptr;
    ImageViewFilter m_filter;
    bool m_detection = false;
    std::vector<core::ImageRecord> m_rows;
    QHash<qint64, int> m_rowOfId;
    QHash<qint64, ClassLook> m_classes;
    QSet<qint64> m_watched;
};

}  // namespace fovea::ui
