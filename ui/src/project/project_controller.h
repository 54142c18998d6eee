#pragma once

#include <QObject>
#include <QSettings>
#include <QString>
#include <memory>

#include "fovea/ui/recent_projects.h"

class QMenu;
class QUndoGroup;
class QWidget;

namespace fovea::ui {

class BackgroundJob;
class DataPage;
class EvaluatePage;
class ModelPage;
class ProjectSession;
class TrainPage;

// The open project and what goes with it: opening, creating and closing it, the recent
// projects, the import job, and handing the session to the pages (which let go of the old one
// first). Owned by the main window; its dialogs and error boxes open over `window`.
class ProjectController : public QObject {
    Q_OBJECT
  public:
    // The pages that work on the open project (not owned).
    struct Pages {
        DataPage* data = nullptr;
        ModelPage* model = nullptr;
        TrainPage* train = nullptr;
        EvaluatePage* evaluate = nullptr;
    };

    // The session's undo stack joins `undoGroup` (the Edit menu's) while it is open.
    ProjectController(const Pages& pages, QUndoGroup* undoGroup, QWidget* window);
    ~ProjectController() override;

    ProjectSession* session() const { return m_session.get(); }
    // The open project folder; empty when none is open.
    QString projectFolder() const;
    // Imports and rescans of the open project run here (one at a time).
    BackgroundJob* importJob() const { return m_importJob; }

    // As MainWindow's functions of the same names.
    bool openProject(const QString& folder, QString* error = nullptr);
    bool createProject(const QString& folder, const QString& imagesFolder = {},
                       QString* error = nullptr);
    bool importImages(const QString& folder, QString* error = nullptr);
    bool rescanProject(QString* error = nullptr);
    // Lets go of the open project, if any (also the state before the first one opens).
    void closeProject();

    // Lists the recent projects in `menu` (File ▸ Open Recent), now and whenever they change.
    void setRecentMenu(QMenu* menu);

    // The File menu's commands: they ask with a dialog and show what failed in a box.
    void chooseNewProject();
    void chooseProjectToOpen();
    void chooseImagesToImport();
    void rescanFromMenu();
    void reportError(const QString& message);

  Q_SIGNALS:
    // A project was opened, or closed (`session` nullptr); the pages have it already.
    void sessionChanged(fovea::ui::ProjectSession* session);
    // The import job started; `title` names the work ("Importing", "Rescanning").
    void importStarted(const QString& title);
    // A line for the status bar, shown for `timeoutMs`.
    void statusMessage(const QString& text, int timeoutMs);

  private:
    void setSession(std::unique_ptr<ProjectSession> session);
    void startImportJob(const QString& title, const QString& folder);
    void onImportFinished(bool ok, const QString& message);
    void rebuildRecentMenu();

    Pages m_pages;
    QUndoGroup* m_undoGroup;
    QWidget* m_window;
    QSettings m_settings;
    RecentProjects m_recentProjects;
    std::unique_ptr<ProjectSession> m_session;
    BackgroundJob* m_importJob;
    QMenu* m_recentMenu = nullptr;
    QString m_importTitle;  // what the import job does: "Importing" or "Rescanning"
};

}  // namespace fovea::ui
