#include "fovea/ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QUndoGroup>

#include "about_dialog.h"
#include "data/data_page.h"
#include "evaluate/evaluate_page.h"
#include "export/export_page.h"
#include "fovea/core/torch_runtime.h"
#include "model/model_page.h"
#include "predict/predict_page.h"
#include "project/project_controller.h"
#include "project/project_session.h"
#include "train/train_page.h"
#include "widgets/background_job.h"
#include "widgets/job_progress_bar.h"

// Resources compiled into the static fovea_ui library are registered only when asked for by
// name; Q_INIT_RESOURCE must be used outside any namespace.
static void registerFoveaResources() { Q_INIT_RESOURCE(fovea); }

namespace fovea::ui {

namespace {

const char* const kGeometryKey = "mainWindow/geometry";
const char* const kStateKey = "mainWindow/state";
const char* const kPageKey = "mainWindow/page";
const char* const kDataSplitterKey = "mainWindow/dataSplitter";

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), m_undoGroup(new QUndoGroup(this)) {
    registerFoveaResources();
    setObjectName("mainWindow");
    setWindowTitle("Fovea");
    setWindowIcon(QIcon(":/fovea/fovea.svg"));
    resize(1280, 800);
    buildPages();
    m_project = new ProjectController({m_dataPage, m_modelPage, m_trainPage, m_evaluatePage},
                                      m_undoGroup, this);
    buildMenus();
    buildStatusBar();
    connect(m_project, &ProjectController::sessionChanged, this, &MainWindow::onSessionChanged);
    connect(m_project, &ProjectController::importStarted, this,
            [this](const QString& title) { m_jobProgress->track(m_project->importJob(), title); });
    connect(m_project, &ProjectController::statusMessage, statusBar(), &QStatusBar::showMessage);
    m_project->closeProject();
    restoreWindowState();
}

MainWindow::~MainWindow() {
    // The controller stops the workers, then its session goes, before the pages that show it
    // (children, deleted after this).
    delete m_project;
    m_project = nullptr;
}

void MainWindow::buildPages() {
    auto* central = new QWidget(this);
    auto* layout = new QHBoxLayout(central);
    m_pageList = new QListWidget(central);
    m_pageList->setObjectName("pageList");
    m_pageList->setFixedWidth(150);
    m_pageList->setStyleSheet(
        "QListWidget#pageList { font-size: 11pt; }"
        "QListWidget#pageList::item { padding: 9px 8px; }");
    m_pages = new QStackedWidget(central);
    m_pages->setObjectName("pages");

    auto addPage = [this](const QString& name, QWidget* page) {
        m_pageList->addItem(name);
        m_pages->addWidget(page);
    };
    m_dataPage = new DataPage(m_pages);
    addPage("Data", m_dataPage);
    m_modelPage = new ModelPage(m_pages);
    addPage("Model", m_modelPage);
    m_trainPage = new TrainPage(m_pages);
    m_trainPage->setModelSelectionProvider([this] { return m_modelPage->selection(); });
    connect(m_modelPage, &ModelPage::selectionChanged, m_trainPage,
            &TrainPage::onModelSelectionChanged);
    addPage("Train", m_trainPage);
    m_evaluatePage = new EvaluatePage(m_pages);
    addPage("Evaluate", m_evaluatePage);
    // A finished run is evaluated at once, so the Evaluate page is ready when the user looks.
    connect(m_trainPage, &TrainPage::trainingFinished, m_evaluatePage,
            [this](const TrainingOutcomeInfo& outcome) {
                if (outcome.model.isEmpty()) return;
                m_evaluatePage->evaluateRun(outcome.runFolder);
                m_predictPage->setModelSource(outcome.runFolder);
                m_exportPage->setSource(outcome.runFolder);
            });
    m_predictPage = new PredictPage(m_pages);
    addPage("Predict", m_predictPage);
    m_exportPage = new ExportPage(m_pages);
    addPage("Export", m_exportPage);

    connect(m_pageList, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);
    m_pageList->setCurrentRow(0);
    layout->addWidget(m_pageList);
    layout->addWidget(m_pages, 1);
    setCentralWidget(central);
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu("&File");
    QAction* newProject =
        file->addAction("&New Project…", m_project, &ProjectController::chooseNewProject);
    newProject->setObjectName("newProjectAction");
    newProject->setShortcut(QKeySequence::New);
    QAction* openProject =
        file->addAction("&Open Project…", m_project, &ProjectController::chooseProjectToOpen);
    openProject->setObjectName("openProjectAction");
    openProject->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu("Open &Recent");
    m_recentMenu->setObjectName("recentMenu");
    m_project->setRecentMenu(m_recentMenu);
    file->addSeparator();
    QAction* import =
        file->addAction("&Import Images…", m_project, &ProjectController::chooseImagesToImport);
    import->setObjectName("importImagesAction");
    import->setShortcut(QKeySequence("Ctrl+I"));
    QAction* rescan =
        file->addAction("Re&scan Folders", m_project, &ProjectController::rescanFromMenu);
    rescan->setObjectName("rescanAction");
    rescan->setShortcut(QKeySequence::Refresh);
    // The Export page is where formats, destination and the parity figures are chosen and shown.
    QAction* exportModel = file->addAction("&Export Model…", this, [this] { showPage("Export"); });
    exportModel->setObjectName("exportModelAction");
    exportModel->setShortcut(QKeySequence("Ctrl+E"));
    m_projectActions << import << rescan << exportModel;
    file->addSeparator();
    QAction* quit = file->addAction("&Quit", qApp, &QApplication::closeAllWindows);
    quit->setObjectName("quitAction");
    quit->setShortcut(QKeySequence::Quit);

    QMenu* edit = menuBar()->addMenu("&Edit");
    QAction* undo = m_undoGroup->createUndoAction(this, "&Undo");
    undo->setObjectName("undoAction");
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = m_undoGroup->createRedoAction(this, "&Redo");
    redo->setObjectName("redoAction");
    // Ctrl+Shift+Z everywhere (the and most tools' habit), plus the platform's own.
    redo->setShortcuts({QKeySequence("Ctrl+Shift+Z"), QKeySequence::Redo});
    edit->addAction(undo);
    edit->addAction(redo);

    QMenu* help = menuBar()->addMenu("&Help");
    QAction* about = help->addAction("&About Fovea", this, &MainWindow::showAbout);
    about->setObjectName("aboutAction");
}

void MainWindow::buildStatusBar() {
    const auto runtime = core::queryTorchRuntime();
    m_projectLabel = new QLabel("No project open", this);
    m_projectLabel->setObjectName("projectLabel");
    m_jobProgress = new JobProgressBar(this);
    m_deviceLabel =
        new QLabel("Device: " + QString::fromStdString(core::defaultDeviceLabel(runtime)), this);
    m_deviceLabel->setObjectName("deviceLabel");
    m_threadsLabel = new QLabel(QString("Threads: %1").arg(runtime.intraOpThreads), this);
    m_threadsLabel->setObjectName("threadsLabel");
    statusBar()->addWidget(m_projectLabel, 1);
    statusBar()->addPermanentWidget(m_jobProgress);
    statusBar()->addPermanentWidget(m_deviceLabel);
    statusBar()->addPermanentWidget(m_threadsLabel);
}

QStringList MainWindow::pageNames() const {
    QStringList names;
    for (int row = 0; row < m_pageList->count(); ++row) names << m_pageList->item(row)->text();
    return names;
}

QString MainWindow::currentPageName() const {
    const auto* item = m_pageList->currentItem();
    return item ? item->text() : QString();
}

void MainWindow::showPage(const QString& name) {
    const int row = pageNames().indexOf(name);
    if (row >= 0) m_pageList->setCurrentRow(row);
}

QString MainWindow::projectFolder() const { return m_project->projectFolder(); }

ProjectSession* MainWindow::session() const { return m_project->session(); }

BackgroundJob* MainWindow::importJob() const { return m_project->importJob(); }

bool MainWindow::openProject(const QString& folder, QString* error) {
    return m_project->openProject(folder, error);
}

bool MainWindow::createProject(const QString& folder, const QString& imagesFolder, QString* error) {
    return m_project->createProject(folder, imagesFolder, error);
}

bool MainWindow::importImages(const QString& folder, QString* error) {
    return m_project->importImages(folder, error);
}

bool MainWindow::rescanProject(QString* error) { return m_project->rescanProject(error); }

void MainWindow::onSessionChanged(ProjectSession* session) {
    for (QAction* action : m_projectActions) action->setEnabled(session != nullptr);
    if (!session) {
        setWindowTitle("Fovea");
        m_projectLabel->setText("No project open");
        return;
    }
    setWindowTitle(QString("%1 - Fovea").arg(session->name()));
    m_projectLabel->setText("Project: " + session->folder());
    Q_EMIT projectChanged(session->folder());
}

void MainWindow::showAbout() { openAboutDialog(this); }

void MainWindow::restoreWindowState() {
    restoreGeometry(m_settings.value(kGeometryKey).toByteArray());
    restoreState(m_settings.value(kStateKey).toByteArray());
    if (auto* splitter = m_dataPage->findChild<QSplitter*>("dataSplitter")) {
        splitter->restoreState(m_settings.value(kDataSplitterKey).toByteArray());
    }
    const QString page = m_settings.value(kPageKey).toString();
    if (!page.isEmpty()) showPage(page);
}

void MainWindow::saveWindowState() {
    m_settings.setValue(kGeometryKey, saveGeometry());
    m_settings.setValue(kStateKey, saveState());
    m_settings.setValue(kPageKey, currentPageName());
    if (auto* splitter = m_dataPage->findChild<QSplitter*>("dataSplitter")) {
        m_settings.setValue(kDataSplitterKey, splitter->saveState());
    }
}

void MainWindow::closeEvent(QCloseEvent* event) {
    saveWindowState();
    // Labels are already in the database; a running import is cancelled (it changes nothing
    // until its single final transaction).
    m_project->importJob()->cancel();
    // A running training stops after its batch and writes its checkpoint before the window goes.
    m_trainPage->shutdown();
    event->accept();
}

}  // namespace fovea::ui
