#include "project/project_session.h"

#include <QDir>
#include <QFileInfo>

namespace fovea::ui {

namespace {

std::filesystem::path toPath(const QString& folder) {
    return std::filesystem::path(QDir(folder).absolutePath().toStdString());
}

}  // namespace

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

QString ProjectSession::name() const { return QFileInfo(m_folder).fileName(); }

}  // namespace fovea::ui
