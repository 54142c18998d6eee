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
class ElidedLabel;
class EvaluatePage;
class ExportPage;
class HealthPage;
class JobProgressBar;
class ModelPage;
class PredictPage;
class RunsPage;
class StartPage;
class ProjectController;
class ProjectSession;
class TrainPage;

// The workbench window: a page list on the left (Data, Health, Model, Train, Runs, Evaluate,
// Predict, Export), the current page on the right, and a status bar with running work, the
// device and threads. Its ProjectController owns the open project (ProjectSession) and hands it
// to the pages.
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
    HealthPage* healthPage() const { return m_healthPage; }
    ModelPage* modelPage() const { return m_modelPage; }
    TrainPage* trainPage() const { return m_trainPage; }
    RunsPage* runsPage() const { return m_runsPage; }
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
    // Opens the most recently used project, if there is one and it opens; else the start page
    // stays, saying why.
    bool openMostRecentProject();
    // Opens the demo project in `folder` (default: "Fovea Demo" in the user's documents),
    // making it first when missing: Fashion-MNIST garments from Debian's dataset-fashion-mnist,
    // imported in the background, with the demo's network at 96 px.
    bool openDemoProject(const QString& folder = {}, QString* error = nullptr);
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
    void buildStartPage();
    void buildMenus();
    void buildStatusBar();
    void onSessionChanged(ProjectSession* session);
    void connectRunsPage();
    void connectRunChoices();
    // Shows the image on the Data page (from the Health page), clearing a filter that hides it.
    void showImageOnDataPage(qint64 id);
    // Evaluate, Predict and Export show the model of this run.
    void openRun(const QString& runFolder);
    // Evaluate, Predict and Export let go of the model of `runFolder` (empty: of any run).
    void closeRun(const QString& runFolder = {});
    void showAbout();
    // Quitting while a run trains: the window stays, saying so, until its checkpoint is written.
    bool closeAfterTraining();
    void restoreWindowState();
    void saveWindowState();

    QSettings m_settings;
    QUndoGroup* m_undoGroup = nullptr;
    ProjectController* m_project = nullptr;
    QStackedWidget* m_root = nullptr;  // the start page, or the workbench with a project
    StartPage* m_startPage = nullptr;
    QWidget* m_workbench = nullptr;
    QListWidget* m_pageList = nullptr;
    QStackedWidget* m_pages = nullptr;
    DataPage* m_dataPage = nullptr;
    HealthPage* m_healthPage = nullptr;
    ModelPage* m_modelPage = nullptr;
    TrainPage* m_trainPage = nullptr;
    RunsPage* m_runsPage = nullptr;
    EvaluatePage* m_evaluatePage = nullptr;
    PredictPage* m_predictPage = nullptr;
    ExportPage* m_exportPage = nullptr;
    QMenu* m_recentMenu = nullptr;
    QList<QAction*> m_projectActions;  // enabled only with a project open
    JobProgressBar* m_jobProgress = nullptr;
    ElidedLabel* m_projectLabel = nullptr;
    // The status bar's message (QStatusBar::showMessage), elided to fit, in the project
    // label's place while there is one.
    ElidedLabel* m_messageLabel = nullptr;
    QLabel* m_deviceLabel = nullptr;
    QLabel* m_threadsLabel = nullptr;
    bool m_closeWhenTrainingEnds = false;
};

}  // namespace fovea::ui
