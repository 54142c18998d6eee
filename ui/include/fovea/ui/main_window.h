#pragma once

#include <QMainWindow>
#include <QSettings>
#include <QString>
#include <QStringList>

class QLabel;
class QListWidget;
class QMenu;
class QStackedWidget;
class QUndoGroup;

namespace fovea::ui {

class BackgroundJob;
class DataPage;
class EvaluatePage;
class ExportPage;
class JobProgressBar;
class ModelPage;
class PredictPage;
class ProjectController;
class ProjectSession;
class TrainPage;

// The workbench window: a page list on the left (Data, Model, Train, Evaluate, Predict,
// Export), the current page on the right, and a status bar with running work, the device and
// threads. Its ProjectController owns the open project (ProjectSession) and hands it to the
// pages.
class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    QStringList pageNames() const;
    QString currentPageName() const;
    void showPage(const QString& name);

    // The open project folder; empty when none is open.
    QString projectFolder() const;
    ProjectSession* session() const;
    DataPage* dataPage() const { return m_dataPage; }
    ModelPage* modelPage() const { return m_modelPage; }
    TrainPage* trainPage() const { return m_trainPage; }
    EvaluatePage* evaluatePage() const { return m_evaluatePage; }
    PredictPage* predictPage() const { return m_predictPage; }
    ExportPage* exportPage() const { return m_exportPage; }
    // Imports and rescans of the open project run here (one at a time).
    BackgroundJob* importJob() const;

    // Opens the project in `folder`. On failure the current project stays and `error` says
    // why, naming the folder.
    bool openProject(const QString& folder, QString* error = nullptr);
    // Creates a project in `folder` (made when missing) and opens it; with `imagesFolder`, its
    // images are imported in the background (sub-folders give labels: ImageFolder layout).
    bool createProject(const QString& folder, const QString& imagesFolder = {},
                       QString* error = nullptr);
    // Adds the images below `folder` to the open project, in the background.
    bool importImages(const QString& folder, QString* error = nullptr);
    // Looks at every imported folder again: new files added, changed ones re-read.
    bool rescanProject(QString* error = nullptr);

  Q_SIGNALS:
    void projectChanged(const QString& folder);

  protected:
    void closeEvent(QCloseEvent* event) override;

  private:
    void buildPages();
    void buildMenus();
    void buildStatusBar();
    void onSessionChanged(ProjectSession* session);
    void showAbout();
    void restoreWindowState();
    void saveWindowState();

    QSettings m_settings;
    QUndoGroup* m_undoGroup = nullptr;
    ProjectController* m_project = nullptr;
    QListWidget* m_pageList = nullptr;
    QStackedWidget* m_pages = nullptr;
    DataPage* m_dataPage = nullptr;
    ModelPage* m_modelPage = nullptr;
    TrainPage* m_trainPage = nullptr;
    EvaluatePage* m_evaluatePage = nullptr;
    PredictPage* m_predictPage = nullptr;
    ExportPage* m_exportPage = nullptr;
    QMenu* m_recentMenu = nullptr;
    QList<QAction*> m_projectActions;  // enabled only with a project open
    JobProgressBar* m_jobProgress = nullptr;
    QLabel* m_projectLabel = nullptr;
    QLabel* m_deviceLabel = nullptr;
    QLabel* m_threadsLabel = nullptr;
};

}  // namespace fovea::ui
