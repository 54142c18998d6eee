#include "project/project_session.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

namespace fovea::ui {

namespace {

const char* const kWatchSetKey = "train.watch";

std::filesystem::path toPath(const QString& folder) {
    return std::filesystem::path(QDir(folder).absolutePath().toStdString());
}

}  // namespace

QString ProjectSession::runsFolder() const { return QDir(m_folder).filePath("runs"); }

QString ProjectSession::imagesFolder() const {
    core::ImageFilter some;
    some.limit = 1000;
    const auto images = m_store.images(some);
    if (!images || images.value().empty()) return {};
    std::filesystem::path common = images.value().front().path.parent_path();
    for (const auto& image : images.value()) {
        const std::filesystem::path folder = image.path.parent_path();
        // The longest leading run of folder names the two share.
        std::filesystem::path shared;
        for (auto a = common.begin(), b = folder.begin();
             a != common.end() && b != folder.end() && *a == *b; ++a, ++b) {
            shared /= *a;
        }
        common = shared;
    }
    return QString::fromStdString(common.string());
}

ProjectSession::ProjectSession(QString folder, core::ProjectStore store)
    : m_folder(std::move(folder)), m_store(std::move(store)) {
    // Labeling sessions get long; a bounded stack keeps memory flat (each command holds ids).
    m_undoStack.setUndoLimit(1000);
}

std::unique_ptr<ProjectSession> ProjectSession::open(const QString& folder, QString* error) {
    auto store = core::ProjectStore::open(toPath(folder));
    if (!store) {
        if (error) *error = QString::fromStdString(store.error().message);
        return nullptr;
    }
    const QString canonical = QString::fromStdString(store.value().directory().string());
    return std::unique_ptr<ProjectSession>(new ProjectSession(canonical, std::move(store).value()));
}

std::unique_ptr<ProjectSession> ProjectSession::create(const QString& folder, QString* error) {
    auto store = core::ProjectStore::create(toPath(folder));
    if (!store) {
        if (error) *error = QString::fromStdString(store.error().message);
        return nullptr;
    }
    const QString canonical = QString::fromStdString(store.value().directory().string());
    return std::unique_ptr<ProjectSession>(new ProjectSession(canonical, std::move(store).value()));
}

core::ClassId ProjectSession::currentClassId(core::ClassId original) const {
    core::ClassId id = original;
    // Chains: a class deleted, restored, deleted and restored again.
    for (auto it = m_recreatedClasses.find(id); it != m_recreatedClasses.end();
         it = m_recreatedClasses.find(id)) {
        id = it->second;
    }
    return id;
}

void ProjectSession::recordRecreatedClass(core::ClassId oldId, core::ClassId newId) {
    m_recreatedClasses[oldId] = newId;
}

QHash<core::ClassId, QString> ProjectSession::classNames() {
    QHash<core::ClassId, QString> names;
    auto classes = m_store.classes();
    if (!check(classes)) return names;
    for (const auto& info : classes.value())
        names.insert(info.id, QString::fromStdString(info.name));
    return names;
}

std::optional<core::ClassId> ProjectSession::classIdNamed(const QString& name) {
    auto classes = m_store.classes();
    if (!check(classes)) return std::nullopt;
    const std::string wanted = name.toStdString();
    for (const auto& info : classes.value()) {
        if (info.name == wanted) return info.id;
    }
    return std::nullopt;
}

QList<qint64> ProjectSession::watchedImages() const {
    QList<qint64> ids;
    auto stored = m_store.setting(kWatchSetKey);
    if (!stored || !stored.value()) return ids;
    const QJsonArray array =
        QJsonDocument::fromJson(QByteArray::fromStdString(*stored.value())).array();
    for (const QJsonValue& value : array) {
        const qint64 id = value.toInteger(-1);
        if (id >= 0 && !ids.contains(id) && m_store.image(id)) ids << id;
    }
    return ids;
}

void ProjectSession::setWatched(const QList<qint64>& ids, bool watched) {
    QList<qint64> current = watchedImages();
    bool overLimit = false;
    for (qint64 id : ids) {
        if (!watched) {
            current.removeAll(id);
        } else if (!current.contains(id)) {
            if (current.size() >= kMaxWatchedImages) {
                overLimit = true;
                break;
            }
            current << id;
        }
    }
    QJsonArray array;
    for (qint64 id : current) array.append(id);
    if (!check(m_store.setSetting(
            kWatchSetKey, QJsonDocument(array).toJson(QJsonDocument::Compact).toStdString()))) {
        return;
    }
    Q_EMIT watchSetChanged();
    if (overLimit) {
        Q_EMIT failed(QString("The watch set holds at most %1 images; the rest were not added.")
                          .arg(kMaxWatchedImages));
    }
}

QString ProjectSession::name() const { return QFileInfo(m_folder).fileName(); }

}  // namespace fovea::ui
