#include "data/image_list_model.h"

#include <QFileInfo>
#include <QMimeData>
#include <algorithm>
#include <unordered_set>

#include "data/thumbnail_cache.h"
#include "project/project_session.h"

namespace fovea::ui {

namespace {

// Above this many changed images, one new query is cheaper than a query per image.
constexpr int kRefreshOneByOneLimit = 300;

}  // namespace

ImageListModel::ImageListModel(ThumbnailCache* thumbnails, QObject* parent)
    : QAbstractListModel(parent), m_thumbnails(thumbnails) {
    connect(m_thumbnails, &ThumbnailCache::thumbnailReady, this, &ImageListModel::onThumbnailDone);
    connect(m_thumbnails, &ThumbnailCache::thumbnailFailed, this,
            [this](qint64 id) { onThumbnailDone(id); });
}

void ImageListModel::setSession(ProjectSession* session) {
    if (m_session) disconnect(m_session, nullptr, this, nullptr);
    m_session = session;
    m_filter = {};
    m_detection = m_session && m_session->store().projectTask() == core::ProjectTask::Detection;
    if (m_session) {
        connect(m_session, &ProjectSession::watchSetChanged, this, &ImageListModel::readWatchSet);
    }
    readWatchSet();
    reload();
}

void ImageListModel::readWatchSet() {
    const QList<qint64> watched = m_session ? m_session->watchedImages() : QList<qint64>();
    m_watched = QSet<qint64>(watched.begin(), watched.end());
    if (rowCount() > 0) Q_EMIT dataChanged(index(0), index(rowCount() - 1), {WatchedRole});
}

void ImageListModel::setFilter(const ImageViewFilter& filter) {
    if (filter == m_filter) return;
    m_filter = filter;
    reload();
}

void ImageListModel::readClasses() {
    m_classes.clear();
    if (!m_session) return;
    auto classes = m_session->store().classes();
    if (!m_session->check(classes)) return;
    for (const auto& info : classes.value()) {
        m_classes.insert(info.id, {QString::fromStdString(info.name),
                                   QColor(QString::fromStdString(info.colour))});
    }
}

std::optional<std::vector<core::ImageRecord>> ImageListModel::queryRows() const {
    if (!m_session) return std::vector<core::ImageRecord>();
    auto images = m_session->store().images(imageFilter());
    if (!m_session->check(images)) return std::nullopt;
    std::vector<core::ImageRecord> rows = std::move(images).value();
    if (m_filter.kind == ImageViewFilter::Kind::Unreadable) {
        rows.erase(std::remove_if(rows.begin(), rows.end(),
                                  [](const core::ImageRecord& record) {
                                      return !ImageViewFilter::isUnusable(record);
                                  }),
                   rows.end());
    }
    return rows;
}

core::ImageFilter ImageListModel::imageFilter() const {
    core::ImageFilter filter = m_filter.toImageFilter();
    if (!m_detection) return filter;
    // A detection project's images carry boxes, not labels: "unlabeled" is "not annotated",
    // a class is the images with a box of it.
    if (filter.labeled == core::Require::No) {
        filter.labeled = core::Require::Any;
        filter.annotated = core::Require::No;
    }
    if (filter.classId) {
        filter.boxClassId = filter.classId;
        filter.classId.reset();
    }
    return filter;
}

bool ImageListModel::matchesFilter(const core::ImageRecord& record) const {
    if (!m_detection) return m_filter.matches(record);
    switch (m_filter.kind) {
        case ImageViewFilter::Kind::Unlabeled:
        case ImageViewFilter::Kind::LabelNext:
            return !record.annotated &&
                   (m_filter.pathContains.isEmpty() ||
                    QString::fromStdString(record.path.string()).contains(m_filter.pathContains));
        default:
            return m_filter.matches(record);
    }
}

QString ImageListModel::boxBadge(const core::ImageRecord& record) {
    if (!record.annotated) return {};
    if (record.boxCount == 0) return "background";
    return QString("%1 ▢").arg(record.boxCount);
}

void ImageListModel::reload() {
    beginResetModel();
    readClasses();
    auto rows = queryRows();
    m_rows = rows ? std::move(*rows) : std::vector<core::ImageRecord>();
    rebuildRowIndex();
    endResetModel();
}

void ImageListModel::rebuildRowIndex() {
    m_rowOfId.clear();
    m_rowOfId.reserve(static_cast<qsizetype>(m_rows.size()));
    for (size_t row = 0; row < m_rows.size(); ++row) {
        m_rowOfId.insert(m_rows[row].id, static_cast<int>(row));
    }
}

void ImageListModel::refreshImages(const QList<qint64>& ids) {
    if (!m_session) return;
    // A detection project's class filter depends on boxes a record does not list: ask again.
    const bool recordDecides = !(m_detection && m_filter.kind == ImageViewFilter::Kind::Class);
    if (ids.isEmpty() || ids.size() > kRefreshOneByOneLimit || !recordDecides) {
        // A change of possibly every image (e.g. a training run assigned splits through its own
        // connection): one query, merged into the rows. A reset would lose the view's
        // selection, current image and scroll position (issue 21).
        readClasses();
        if (auto fresh = queryRows()) mergeRows(std::move(*fresh));
        return;
    }
    // Images that were not shown may now pass the filter (e.g. an undo in "Unlabeled"): they
    // need a place in id order, so a new query; otherwise update in place.
    std::vector<core::ImageRecord> updated;
    for (qint64 id : ids) {
        auto record = m_session->store().image(id);
        if (!record) continue;  // removed meanwhile
        const bool shown = m_rowOfId.contains(id);
        const bool belongs = matchesFilter(record.value());
        if (!shown && belongs) {
            if (auto fresh = queryRows()) mergeRows(std::move(*fresh));
            return;
        }
        if (shown) updated.push_back(std::move(record).value());
    }
    std::unordered_set<qint64> leaving;
    for (auto& record : updated) {
        const int row = m_rowOfId.value(record.id);
        if (!matchesFilter(record)) leaving.insert(record.id);
        m_rows[static_cast<size_t>(row)] = std::move(record);
        const QModelIndex index = this->index(row);
        Q_EMIT dataChanged(index, index);
    }
    dropRows(leaving);
}

void ImageListModel::dropRows(const std::unordered_set<qint64>& ids) {
    if (ids.empty()) return;
    // Remove from the bottom up so earlier row numbers stay valid; contiguous runs at once.
    std::vector<int> rows;
    for (qint64 id : ids) rows.push_back(m_rowOfId.value(id));
    std::sort(rows.begin(), rows.end(), std::greater<>());
    size_t i = 0;
    while (i < rows.size()) {
        size_t j = i;
        while (j + 1 < rows.size() && rows[j + 1] == rows[j] - 1) ++j;
        const int first = rows[j];
        const int last = rows[i];
        beginRemoveRows({}, first, last);
        m_rows.erase(m_rows.begin() + first, m_rows.begin() + last + 1);
        endRemoveRows();
        i = j + 1;
    }
    rebuildRowIndex();
}

void ImageListModel::mergeRows(std::vector<core::ImageRecord> fresh) {
    // Rows that left the filter (or the project) go first, in runs.
    std::unordered_set<qint64> freshIds;
    for (const auto& record : fresh) freshIds.insert(record.id);
    std::unordered_set<qint64> leaving;
    for (const auto& record : m_rows) {
        if (!freshIds.count(record.id)) leaving.insert(record.id);
    }
    dropRows(leaving);
    // Both lists are in the filter's order (id order, or "Label next", which a label change
    // does not reorder), so the remaining rows are a subsequence of `fresh`: walk
    // both, inserting runs of newcomers where they belong and updating the rest in place.
    size_t row = 0;
    size_t next = 0;
    while (next < fresh.size()) {
        if (row < m_rows.size() && m_rows[row].id == fresh[next].id) {
            m_rows[row++] = std::move(fresh[next++]);
            continue;
        }
        size_t end = next;
        while (end < fresh.size() && !m_rowOfId.contains(fresh[end].id)) ++end;
        if (end == next) {
            // Not in the same order (new suggestions reordered "Label next"): start over.
            beginResetModel();
            m_rows.erase(m_rows.begin() + static_cast<std::ptrdiff_t>(row), m_rows.end());
            m_rows.insert(m_rows.end(), std::make_move_iterator(fresh.begin() + next),
                          std::make_move_iterator(fresh.end()));
            rebuildRowIndex();
            endResetModel();
            return;
        }
        const auto count = static_cast<std::ptrdiff_t>(end - next);
        beginInsertRows({}, static_cast<int>(row), static_cast<int>(row + end - next - 1));
        m_rows.insert(m_rows.begin() + static_cast<std::ptrdiff_t>(row),
                      std::make_move_iterator(fresh.begin() + next),
                      std::make_move_iterator(fresh.begin() + next + count));
        endInsertRows();
        row += end - next;
        next = end;
    }
    rebuildRowIndex();
    if (!m_rows.empty()) Q_EMIT dataChanged(index(0), index(rowCount() - 1));
}

QString ImageListModel::className(std::optional<core::ClassId> id) const {
    if (!id) return {};
    return m_classes.value(*id).name;
}

int ImageListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

QVariant ImageListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const core::ImageRecord& image = m_rows[static_cast<size_t>(index.row())];
    const QString path = QString::fromStdString(image.path.string());
    switch (role) {
        case Qt::DisplayRole:
            return QFileInfo(path).fileName();
        case Qt::DecorationRole:
            if (image.error || image.missing) return {};
            return m_thumbnails->request(image.id, path);
        case Qt::ToolTipRole: {
            QStringList lines{path};
            if (image.width > 0) lines << QString("%1 x %2 px").arg(image.width).arg(image.height);
            if (m_detection) {
                lines << (image.boxCount > 0 ? QString("Boxes: %1").arg(image.boxCount)
                                             : (image.annotated ? QString("Background: no objects")
                                                                : QString("Not annotated yet")));
            } else {
                lines << "Class: " + (image.classId ? className(image.classId) : "(unlabeled)");
            }
            if (image.suggestion) {
                lines << QString("Suggested: %1 (%2 %)")
                             .arg(className(image.suggestion->classId))
                             .arg(qRound(image.suggestion->confidence * 100));
            }
            const QString split = image.split ? QString(core::splitName(*image.split)) : "(none)";
            const bool labeled = image.classId || image.annotated;
            lines << "Split: " + (labeled || !image.split ? split : split + " once labeled");
            if (image.excluded) lines << "Excluded from training and export";
            if (image.missing) lines << "Missing: the file is no longer on disk.";
            if (image.error) lines << "Unreadable: " + QString::fromStdString(*image.error);
            return lines.join('\n');
        }
        case ImageIdRole:
            return QVariant::fromValue<qint64>(image.id);
        case WatchedRole:
            return m_watched.contains(image.id);
        case ClassNameRole:
            return className(image.classId);
        case ClassColourRole:
            return image.classId ? m_classes.value(*image.classId).colour : QColor();
        case SuggestedClassNameRole:
            return image.suggestion ? className(image.suggestion->classId) : QString();
        case SuggestedClassColourRole:
            return image.suggestion ? m_classes.value(image.suggestion->classId).colour : QColor();
        case SuggestionConfidenceRole:
            return image.suggestion ? QVariant(image.suggestion->confidence) : QVariant();
        case ExcludedRole:
            return image.excluded;
        case SplitRole:
            return image.split ? QString(core::splitName(*image.split)) : QString();
        case SplitBadgeRole:
            // (A detection project's image is labeled once annotated.)
            return image.split && (image.classId || image.annotated)
                       ? QString(core::splitName(*image.split))
                       : QString();
        case BoxBadgeRole:
            return m_detection ? QVariant(boxBadge(image)) : QVariant();
        case ErrorRole:
            if (image.missing) return QString("The file is no longer on disk.");
            if (image.error) return QString::fromStdString(*image.error);
            if (auto failure = m_thumbnails->failure(image.id)) return *failure;
            return QString();
        case LoadingRole:
            return !image.error && !image.missing && !m_thumbnails->failure(image.id) &&
                   m_thumbnails->request(image.id, path).isNull();
        default:
            return {};
    }
}

Qt::ItemFlags ImageListModel::flags(const QModelIndex& index) const {
    if (!index.isValid()) return Qt::NoItemFlags;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled;
}

QStringList ImageListModel::mimeTypes() const { return {kImageIdsMimeType}; }

QMimeData* ImageListModel::mimeData(const QModelIndexList& indexes) const {
    QStringList ids;
    for (const QModelIndex& index : indexes) {
        if (index.isValid()) ids << QString::number(record(index.row()).id);
    }
    auto* mime = new QMimeData;
    mime->setData(kImageIdsMimeType, ids.join('\n').toUtf8());
    return mime;
}

QList<qint64> ImageListModel::imageIdsFrom(const QMimeData* mime) {
    QList<qint64> ids;
    if (!mime || !mime->hasFormat(kImageIdsMimeType)) return ids;
    const QStringList lines = QString::fromUtf8(mime->data(kImageIdsMimeType)).split('\n');
    for (const QString& line : lines) {
        bool ok = false;
        const qint64 id = line.toLongLong(&ok);
        if (ok) ids << id;
    }
    return ids;
}

void ImageListModel::onThumbnailDone(qint64 id) {
    const int row = m_rowOfId.value(id, -1);
    if (row < 0) return;
    const QModelIndex index = this->index(row);
    Q_EMIT dataChanged(index, index, {Qt::DecorationRole, ErrorRole, LoadingRole});
}

}  // namespace fovea::ui
