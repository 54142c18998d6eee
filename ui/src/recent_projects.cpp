#include "fovea/ui/recent_projects.h"

#include <QDir>
#include <QFileInfo>

namespace fovea::ui {
namespace {
const char* const kKey = "recentProjects";
}

RecentProjects::RecentProjects(QSettings& settings) : m_settings(settings) {}

QStringList RecentProjects::list() const {
    QStringList existing;
    for (const QString& folder : m_settings.value(kKey).toStringList()) {
        if (QFileInfo(folder).isDir()) existing.append(folder);
    }
    return existing;
}

void RecentProjects::add(const QString& folder) {
    const QString canonical = QDir(folder).canonicalPath();
    QStringList folders = list();
    folders.removeAll(canonical);
    folders.prepend(canonical);
    while (folders.size() > kMaxEntries) folders.removeLast();
    m_settings.setValue(kKey, folders);
}

void RecentProjects::clear() { m_settings.remove(kKey); }

}  // namespace fovea::ui
