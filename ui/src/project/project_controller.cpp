#include "project/project_controller.h"

#include <QAction>
#include <QDialog>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QUndoGroup>
#include <QWidget>

#include "data/data_page.h"
#include "evaluate/evaluate_page.h"
#include "model/model_page.h"
#include "project/import_work.h"
#include "project/new_project_dialog.h"
#include "project/project_session.h"
#include "train/lr_finder_panel.h"
#include "train/train_page.h"
#include "widgets/background_job.h"
#include "widgets/dialog_folders.h"

namespace fovea::ui {

ProjectController::ProjectController(const Pages& pages, QUndoGroup* undoGroup, QWidget* window)
    : QObject(window),
      m_pages(pages),
      m_undoGroup(undoGroup),
      m_window(window),
      m_recentProjects(m_settings),
      m_importJob(new BackgroundJob(this)) {
    connect(m_importJob, &BackgroundJob::finished, this, &ProjectController::onImportFinished);
    // Training writes splits and decode errors through its own connection to the database; so
    // does the learning-rate range test (it gives every usable image without one the train
    // split), which only says that it finished (issue 21: the Data page kept "Split: none").
    const auto reread = [this] {
        if (m_session) m_session->noteChangedElsewhere();
    };
    connect(m_pages.train, &TrainPage::projectChanged, this, reread);
    connect(m_pages.train->learningRateFinder(), &LearningRateFinderPanel::finished, this, reread);
}

ProjectController::~ProjectController() {
    // Workers open the project on their own; stop them before the session goes.
    delete m_importJob;
    m_importJob = nullptr;
    m_pages.train->shutdown();
}

QString ProjectController::projectFolder() const {
    return m_session ? m_session->folder() : QString();
}

bool ProjectController::openProject(const QString& folder, QString* error) {
    if (m_importJob->isRunning()) {
        if (error) *error = "Wait for the import to finish (or cancel it) first.";
        return false;
    }
    if (!QFileInfo(folder).isDir()) {
        if (error) *error = QString("Cannot open project %1: it is not a folder.").arg(folder);
        return false;
    }
    if (!core::ProjectStore::exists(folder.toStdString())) {
        if (error) {
            *error = QString(
                         "Cannot open %1: it holds no Fovea project (%2). File ▸ New "
                         "Project makes one.")
                         .arg(folder, core::kProjectDatabaseName);
        }
        return false;
    }
    QString message;
    auto session = ProjectSession::open(folder, &message);
    if (!session) {
        if (error) *error = message;
        return false;
    }
    setSession(std::move(session));
    return true;
}

bool ProjectController::createProject(const QString& folder, const QString& imagesFolder,
                                      QString* error) {
    if (m_importJob->isRunning()) {
        if (error) *error = "Wait for the import to finish (or cancel it) first.";
        return false;
    }
    if (!imagesFolder.isEmpty() && !QFileInfo(imagesFolder).isDir()) {
        if (error) *error = QString("Cannot import %1: it is not a folder.").arg(imagesFolder);
        return false;
    }
    QString message;
    auto session = ProjectSession::create(folder, &message);
    if (!session) {
        if (error) *error = message;
        return false;
    }
    setSession(std::move(session));
    if (!imagesFolder.isEmpty()) startImportJob("Importing", imagesFolder);
    return true;
}

bool ProjectController::importImages(const QString& folder, QString* error) {
    if (!m_session) {
        if (error) *error = "Open or create a project first.";
        return false;
    }
    if (m_importJob->isRunning()) {
        if (error) *error = "An import is already running.";
        return false;
    }
    if (!QFileInfo(folder).isDir()) {
        if (error) *error = QString("Cannot import %1: it is not a folder.").arg(folder);
        return false;
    }
    startImportJob("Importing", folder);
    return true;
}

bool ProjectController::rescanProject(QString* error) {
    if (!m_session) {
        if (error) *error = "Open or create a project first.";
        return false;
    }
    if (m_importJob->isRunning()) {
        if (error) *error = "An import is already running.";
        return false;
    }
    startImportJob("Rescanning", {});
    return true;
}

void ProjectController::closeProject() { setSession(nullptr); }

void ProjectController::startImportJob(const QString& title, const QString& folder) {
    // The worker opens its own connection: ProjectStore is not shared between threads.
    const std::filesystem::path project = m_session->folder().toStdString();
    const std::filesystem::path root = folder.toStdString();
    m_importTitle = title;
    Q_EMIT importStarted(title);
    // Where the user keeps images: Import and Predict's file dialogs open beside them.
    if (!folder.isEmpty()) rememberDialogFolder("images", folder);
    m_importJob->start(
        [project, root](BackgroundJob& job) { return runImport(job, project, root); });
}

void ProjectController::onImportFinished(bool ok, const QString& message) {
    if (m_session) {
        Q_EMIT m_session->classesChanged();
        Q_EMIT m_session->imagesChanged();
    }
    if (ok) {
        // Named as what ran: "Rescan: 0 new images; 1 unreadable", not "Import: …".
        const QString what = m_importTitle == "Rescanning" ? "Rescan" : "Import";
        Q_EMIT statusMessage(what + ": " + message, 15000);
    } else if (m_importJob->wasCancelled()) {
        Q_EMIT statusMessage((m_importTitle == "Rescanning" ? "Rescan" : "Import") +
                                 QString(" cancelled; the project is as it was."),
                             15000);
    } else {
        reportError(message);
    }
}

void ProjectController::setSession(std::unique_ptr<ProjectSession> session) {
    if (m_session) m_undoGroup->removeStack(m_session->undoStack());
    // Pages let go of the old project first (a running training is stopped and checkpointed).
    m_pages.train->setSession(nullptr);
    m_pages.evaluate->setSession(nullptr);
    m_pages.model->setSession(nullptr);
    m_pages.data->setSession(nullptr);
    m_session = std::move(session);
    if (!m_session) {
        Q_EMIT sessionChanged(nullptr);
        return;
    }
    connect(m_session.get(), &ProjectSession::failed, this, &ProjectController::reportError);
    m_undoGroup->addStack(m_session->undoStack());
    m_undoGroup->setActiveStack(m_session->undoStack());
    m_pages.data->setSession(m_session.get());
    m_pages.model->setSession(m_session.get());
    m_pages.train->setSession(m_session.get());
    m_pages.evaluate->setSession(m_session.get());
    m_recentProjects.add(m_session->folder());
    rebuildRecentMenu();
    Q_EMIT sessionChanged(m_session.get());
}

void ProjectController::setRecentMenu(QMenu* menu) {
    m_recentMenu = menu;
    rebuildRecentMenu();
}

void ProjectController::rebuildRecentMenu() {
    if (!m_recentMenu) return;
    // Later, not now: choosing an entry opens its project, which rebuilds this menu while the
    // entry's own action is still being triggered (QMenu::clear() would delete it under it).
    for (QAction* action : m_recentMenu->actions()) {
        m_recentMenu->removeAction(action);
        action->deleteLater();
    }
    const QStringList folders = m_recentProjects.list();
    for (const QString& folder : folders) {
        m_recentMenu->addAction(folder, this, [this, folder] {
            QString error;
            if (!openProject(folder, &error)) reportError(error);
        });
    }
    if (folders.isEmpty()) {
        m_recentMenu->addAction("(none)")->setEnabled(false);
    } else {
        m_recentMenu->addSeparator();
        m_recentMenu->addAction("Clear List", this, [this] {
            m_recentProjects.clear();
            rebuildRecentMenu();
        });
    }
}

void ProjectController::chooseNewProject() {
    NewProjectDialog dialog(m_window);
    if (dialog.exec() != QDialog::Accepted) return;
    QString error;
    if (!createProject(dialog.projectFolder(), dialog.imagesFolder(), &error)) {
        reportError(error);
    }
}

void ProjectController::chooseProjectToOpen() {
    const QString folder =
        QFileDialog::getExistingDirectory(m_window, "Open Project", QDir::homePath());
    if (folder.isEmpty()) return;
    QString error;
    if (!openProject(folder, &error)) reportError(error);
}

void ProjectController::chooseImagesToImport() {
    const QString folder = QFileDialog::getExistingDirectory(
        m_window, "Import Images", dialogFolder("images", projectFolder()));
    if (folder.isEmpty()) return;
    QString error;
    if (!importImages(folder, &error)) reportError(error);
}

void ProjectController::rescanFromMenu() {
    QString error;
    if (!rescanProject(&error)) reportError(error);
}

void ProjectController::reportError(const QString& message) {
    // Window-modal but not blocking: the caller (often an undo command) returns at once, and a
    // second error while this one is shown gets its own box.
    auto* box = new QMessageBox(QMessageBox::Warning, "Fovea", message, QMessageBox::Ok, m_window);
    box->setObjectName("errorMessage");
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

}  // namespace fovea::ui
