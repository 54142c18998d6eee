#pragma once

#include <QSettings>
#include <QString>
#include <QStringList>

namespace fovea::ui {

// Most-recently-used project folders, newest first, persisted in QSettings. Folders that no
// longer exist are dropped when the list is read, so the menu never offers a dead entry.
class RecentProjects {
  public:
    static constexpr int kMaxEntries = 8;

    explicit RecentProjects(QSettings& settings);

    QStringList list() const;
    void add(const QString& folder);
    void clear();

  private:
    QSettings& m_settings;
};

}  // namespace fovea::ui
