#pragma once

#include <QMainWindow>
#include <QSettings>
#include <QString>
#include <QStringList>

#include "fovea/ui/recent_projects.h"

class QLabel;
class QListWidget;
class QMenu;
class QStackedWidget;

namespace fovea::ui {

// The workbench window: a page list on the left (Data, Model, Train, Evaluate, Predict,
// Export), the current page on the right, and a status bar with the device and threads.
class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    explicit MainWindow(QWidget* parent = nullptr);

    QStringList pageNames() const;
    QString currentPageName() const;
    void showPage(const QString& name);

    // The open project folder; empty when none is open.
    QString projectFolder() const { return m_projectFolder; }

    // Open an existing project folder. On failure the current project stays and `error` says
    // why, naming the folder.
    bool openProject(const QString& folder, QString* error = nullptr);
    // Create the folder (and parents) when needed and open it as a new, empty project.
    bool createProject(const QString& folder, QString* error = nullptr);

  Q_SIGNALS:
    void projectChanged(const QString& folder);

  private:
    void buildPages();
    void buildMenus();
    void buildStatusBar();
    void rebuildRecentMenu();
    void setProject(const QString& folder);
    void chooseNewProject();
    void chooseProjectToOpen();
    void showAbout();
    void reportProjectError(const QString& message);

    QSettings m_settings;
    RecentProjects m_recentProjects;
    QString m_projectFolder;
    QListWidget* m_pageList = nullptr;
    QStackedWidget* m_pages = nullptr;
    QMenu* m_recentMenu = nullptr;
    QLabel* m_projectLabel = nullptr;
    QLabel* m_deviceLabel = nullptr;
    QLabel* m_threadsLabel = nullptr;
};

}  // namespace fovea::ui
