#include "fovea/ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QPainter>
#include <QProgressDialog>
#include <QScreen>
#include <QSizeGrip>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyleOption>
#include <QUndoGroup>

#include "about_dialog.h"
#include "data/data_page.h"
#include "evaluate/evaluate_page.h"
#include "evaluate/run_evaluation.h"
#include "export/export_page.h"
#include "fovea/core/project/fashion_mnist.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/session/run_catalogue.h"
#include "fovea/core/torch_runtime.h"
#include "fovea/core/training/run_folder_layout.h"
#include "fovea/ui/recent_projects.h"
#include "health/health_page.h"
#include "model/model_page.h"
#include "model/network_choice.h"
#include "predict/detection_predict_view.h"
#include "predict/model_predictor.h"
#include "predict/predict_page.h"
#include "project/project_controller.h"
#include "project/project_session.h"
#include "runs/runs_page.h"
#include "start_page.h"
#include "train/train_page.h"
#include "widgets/background_job.h"
#include "widgets/elided_label.h"
#include "widgets/focus_return.h"
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

// QStatusBar draws its message itself, cut off where the permanent widgets begin. Here a label
// shows it instead (elided, whole in its tooltip; MainWindow::buildStatusBar), so the bar only
// draws its background and the frames of the widgets it shows.
class StatusBar : public QStatusBar {
  public:
    using QStatusBar::QStatusBar;

  protected:
    void paintEvent(QPaintEvent* event) override {
        if (currentMessage().isEmpty()) {
            QStatusBar::paintEvent(event);
            return;
        }
        QPainter painter(this);
        QStyleOption panel;
        panel.initFrom(this);
        style()->drawPrimitive(QStyle::PE_PanelStatusBar, &panel, &painter, this);
        for (QWidget* item : findChildren<QWidget*>(Qt::FindDirectChildrenOnly)) {
            if (!item->isVisible() || qobject_cast<QSizeGrip*>(item)) continue;
            QStyleOption frame;
            frame.rect = item->geometry().adjusted(-2, -1, 2, 1);  // as QStatusBar's own
            frame.palette = palette();
            frame.state = QStyle::State_None;
            if (event->rect().intersects(frame.rect)) {
                style()->drawPrimitive(QStyle::PE_FrameStatusBarItem, &frame, &painter, item);
            }
        }
    }
};

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), m_undoGroup(new QUndoGroup(this)) {
    registerFoveaResources();
    setObjectName("mainWindow");
    setWindowTitle("Fovea");
    setWindowIcon(QIcon(":/fovea/fovea.svg"));
    resize(1280, 800);
    buildPages();
    // Predict's file dialogs open where the project's images are when nothing better is known.
    m_predictPage->setImagesFolderSource(
        [this] { return session() ? session()->imagesFolder() : QString(); });
    m_project = new ProjectController({m_dataPage, m_modelPage, m_trainPage, m_evaluatePage},
                                      m_undoGroup, this);
    buildStartPage();
    buildMenus();
    buildStatusBar();
    connect(m_project, &ProjectController::sessionChanged, this, &MainWindow::onSessionChanged);
    connect(m_project, &ProjectController::importStarted, this,
            [this](const QString& title) { m_jobProgress->track(m_project->importJob(), title); });
    connect(m_project, &ProjectController::statusMessage, statusBar(), &QStatusBar::showMessage);
    m_project->closeProject();
    restoreWindowState();
    returnFocusAfterDialogs(this);
}

MainWindow::~MainWindow() {
    // The controller stops the workers, then its session goes, before the pages that show it
    // (children, deleted after this).
    delete m_project;
    m_project = nullptr;
}

void MainWindow::buildPages() {
    m_root = new QStackedWidget(this);
    m_root->setObjectName("rootStack");
    auto* central = new QWidget(m_root);
    central->setObjectName("mainWorkbench");
    m_workbench = central;
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
    m_healthPage = new HealthPage(m_pages);
    connect(m_healthPage, &HealthPage::imageActivated, this, &MainWindow::showImageOnDataPage);
    addPage("Health", m_healthPage);
    m_modelPage = new ModelPage(m_pages);
    addPage("Model", m_modelPage);
    m_trainPage = new TrainPage(m_pages);
    m_trainPage->setModelSelectionProvider([this] { return m_modelPage->selection(); });
    connect(m_modelPage, &ModelPage::selectionChanged, m_trainPage,
            &TrainPage::onModelSelectionChanged);
    connect(m_trainPage, &TrainPage::imageSizeChosen, m_modelPage, &ModelPage::setImageSize);
    addPage("Train", m_trainPage);
    m_runsPage = new RunsPage(m_pages);
    addPage("Runs", m_runsPage);
    m_evaluatePage = new EvaluatePage(m_pages);
    addPage("Evaluate", m_evaluatePage);
    // What cannot change mid-run is locked while a run trains.
    connect(m_trainPage, &TrainPage::trainingStarted, this, [this] {
        m_modelPage->setTrainingLocked(true);
        m_runsPage->setTrainingActive(true);
        m_runsPage->refresh();
    });
    connect(m_trainPage, &TrainPage::pausedChanged, m_modelPage, &ModelPage::setTrainingPaused);
    // A finished run is evaluated at once, so the Evaluate page is ready when the user looks.
    connect(m_trainPage, &TrainPage::trainingFinished, this,
            [this](const TrainingOutcomeInfo& outcome) {
                m_modelPage->setTrainingLocked(false);
                m_runsPage->setTrainingActive(false);
                m_runsPage->refresh();
                if (!outcome.model.isEmpty()) openRun(outcome.runFolder);
                if (m_closeWhenTrainingEnds) close();
            });
    connectRunsPage();
    m_predictPage = new PredictPage(m_pages);
    addPage("Predict", m_predictPage);
    m_exportPage = new ExportPage(m_pages);
    addPage("Export", m_exportPage);
    connectRunChoices();

    connect(m_pageList, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);
    m_pageList->setCurrentRow(0);
    layout->addWidget(m_pageList);
    layout->addWidget(m_pages, 1);
    m_root->addWidget(central);
    setCentralWidget(m_root);
}

void MainWindow::buildStartPage() {
    m_startPage = new StartPage(m_root);
    m_root->insertWidget(0, m_startPage);
    connect(m_startPage, &StartPage::newProjectRequested, m_project,
            &ProjectController::chooseNewProject);
    connect(m_startPage, &StartPage::openProjectRequested, m_project,
            &ProjectController::chooseProjectToOpen);
    connect(m_startPage, &StartPage::recentProjectChosen, this, [this](const QString& folder) {
        QString error;
        if (!openProject(folder, &error)) m_startPage->showMessage(error);
    });
    connect(m_startPage, &StartPage::demoRequested, this, [this] {
        QString error;
        if (!openDemoProject({}, &error)) m_startPage->showMessage(error);
    });
}

bool MainWindow::openMostRecentProject() {
    const QStringList recent = RecentProjects(m_settings).list();
    if (recent.isEmpty()) return false;
    QString error;
    if (openProject(recent.front(), &error)) return true;
    m_startPage->showMessage(error);
    return false;
}

bool MainWindow::openDemoProject(const QString& given, QString* error) {
    const QString folder =
        given.isEmpty() ? QDir(QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation))
                              .filePath("Fovea Demo")
                        : given;
    // The folder's name is the project's name in the window title.
    const QString project = QDir(folder).filePath("Fashion-MNIST demo");
    if (QFileInfo::exists(QDir(project).filePath(core::kProjectDatabaseName))) {
        return openProject(project, error);
    }
    // The CLI demo's data: 50 garments of each class, 50 more without labels to label.
    core::FashionMnistFolderOptions data;
    data.imagesPerClass = 50;
    data.unlabeledImages = 50;
    data.seed = 1;
    const QString images = QDir(folder).filePath("images");
    if (auto written = core::writeFashionMnistFolder(images.toStdString(), data); !written) {
        if (error) {
            *error = QString::fromStdString(written.error().message) +
                     " (the demo needs Debian's dataset-fashion-mnist package)";
        }
        return false;
    }
    if (!createProject(project, images, error)) return false;
    // 28 px garments need no more than 96 px: a first run takes a minute or two on the CPU.
    ModelSelection selection = defaultModelSelection();
    selection.imageSize = 96;
    m_modelPage->applySelection(selection);
    return true;
}

void MainWindow::connectRunsPage() {
    connect(m_runsPage, &RunsPage::runOpened, this, [this](const QString& folder) {
        openRun(folder);
        showPage("Evaluate");
    });
    connect(m_runsPage, &RunsPage::followRequested, this, [this](const QString& folder) {
        showPage("Train");
        QString error;
        if (!m_trainPage->followRun(folder, &error)) {
            statusBar()->showMessage("Cannot follow: " + error, 10000);
        }
    });
    connect(m_runsPage, &RunsPage::resumeRequested, this, [this](const QString& folder) {
        const auto listing = core::readRunListing(folder.toStdString());
        // The Model page shows the run's network, so that freezing changed while paused means
        // this network's blocks.
        if (listing && listing.value().config) {
            m_modelPage->applySelection(selectionFromRun(*listing.value().config));
        }
        showPage("Train");
        QString error;
        if (!m_trainPage->resumeRun(folder, &error)) {
            statusBar()->showMessage("Cannot resume: " + error, 10000);
        }
    });
    connect(m_runsPage, &RunsPage::startFromRequested, this, [this](const core::RunConfig& config) {
        m_modelPage->applySelection(selectionFromRun(config));
        m_trainPage->setSettings(config.settings);
        showPage("Train");
        statusBar()->showMessage(
            "The run's network and settings are on the Model and Train pages; press Start "
            "for a new run.",
            10000);
    });
    // A renamed run stays open where it was: Export reads the folder when it runs, and the
    // Evaluate and Predict pages name it (and reload from it for Grad-CAM and re-evaluation).
    // A deleted one is closed on every page that showed it.
    connect(m_runsPage, &RunsPage::runMoved, this, [this](const QString& from, const QString& to) {
        if (to.isEmpty()) {
            closeRun(from);
            return;
        }
        const auto same = [&from](const QString& folder) {
            return !folder.isEmpty() && QDir::cleanPath(folder) == QDir::cleanPath(from);
        };
        if (same(m_exportPage->source())) m_exportPage->setSource(to);
        const bool predicting =
            (m_predictPage->predictor() && same(m_predictPage->predictor()->source())) ||
            (m_predictPage->detectionView()->hasModel() &&
             same(m_predictPage->detectionView()->source()));
        if (predicting) m_predictPage->setModelSource(to);
        // runFolder() names a detection run's folder too (evaluation() is classification's).
        if (same(m_evaluatePage->runFolder())) m_evaluatePage->evaluateRun(to);
    });
}

void MainWindow::showImageOnDataPage(qint64 id) {
    m_dataPage->selectImages({id});
    if (!m_dataPage->selectedImageIds().contains(id)) {
        m_dataPage->setFilter({});
        m_dataPage->selectImages({id});
    }
    showPage("Data");
}

void MainWindow::connectRunChoices() {
    // One run on Evaluate, Predict and Export: a run chosen on one of them is shown on the
    // others (they pointed at different runs). A bundle or model file chosen on Predict stays
    // there: the others need a run's validation images.
    const auto follow = [this](QWidget* from, const QString& folder) {
        if (!QFileInfo(QDir(folder).filePath(core::run_layout::kConfigFile)).isFile()) return;
        if (from != m_evaluatePage) m_evaluatePage->evaluateRun(folder);
        if (from != m_predictPage) m_predictPage->setModelSource(folder);
        if (from != m_exportPage) m_exportPage->setSource(folder);
        statusBar()->showMessage(
            QString("Evaluate, Predict and Export show run %1.").arg(QFileInfo(folder).fileName()),
            8000);
    };
    connect(m_evaluatePage, &EvaluatePage::runChosen, this,
            [this, follow](const QString& folder) { follow(m_evaluatePage, folder); });
    connect(m_predictPage, &PredictPage::runChosen, this,
            [this, follow](const QString& folder) { follow(m_predictPage, folder); });
    connect(m_exportPage, &ExportPage::runChosen, this,
            [this, follow](const QString& folder) { follow(m_exportPage, folder); });
}

void MainWindow::openRun(const QString& runFolder) {
    m_evaluatePage->evaluateRun(runFolder);
    m_predictPage->setModelSource(runFolder);
    m_exportPage->setSource(runFolder);
}

void MainWindow::closeRun(const QString& runFolder) {
    const auto shows = [&runFolder](const QString& folder) {
        return runFolder.isEmpty() ||
               (!folder.isEmpty() && QDir::cleanPath(folder) == QDir::cleanPath(runFolder));
    };
    if (shows(m_evaluatePage->runFolder())) m_evaluatePage->closeRun();
    if (!m_predictPage->predictor() || shows(m_predictPage->predictor()->source())) {
        m_predictPage->clearModel();
    }
    if (shows(m_exportPage->source())) m_exportPage->clearSource();
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
    // Each key once: where the platform's Redo is Ctrl+Shift+Z already, listing it twice makes
    // the shortcut ambiguous and it does nothing.
    QList<QKeySequence> redoKeys{QKeySequence("Ctrl+Shift+Z")};
    for (const QKeySequence& key : QKeySequence::keyBindings(QKeySequence::Redo)) {
        if (!redoKeys.contains(key)) redoKeys << key;
    }
    redo->setShortcuts(redoKeys);
    edit->addAction(undo);
    edit->addAction(redo);

    QMenu* help = menuBar()->addMenu("&Help");
    QAction* about = help->addAction("&About Fovea", this, &MainWindow::showAbout);
    about->setObjectName("aboutAction");
}

void MainWindow::buildStatusBar() {
    const auto runtime = core::queryTorchRuntime();
    setStatusBar(new StatusBar(this));
    // Long project folders and messages are elided (in the middle: a path keeps its project
    // name) with the whole text in the tooltip, never cut at the window's edge.
    m_projectLabel = new ElidedLabel("No project open", this);
    m_projectLabel->setObjectName("projectLabel");
    m_messageLabel = new ElidedLabel({}, this);
    m_messageLabel->setObjectName("statusMessageLabel");
    m_messageLabel->hide();
    m_jobProgress = new JobProgressBar(this);
    m_deviceLabel =
        new QLabel("Device: " + QString::fromStdString(core::defaultDeviceLabel(runtime)), this);
    m_deviceLabel->setObjectName("deviceLabel");
    m_threadsLabel = new QLabel(QString("Threads: %1").arg(runtime.intraOpThreads), this);
    m_threadsLabel->setObjectName("threadsLabel");
    statusBar()->addWidget(m_projectLabel, 1);
    // Permanent, since QStatusBar hides the others while it has a message; first, to take the
    // project label's room.
    statusBar()->addPermanentWidget(m_messageLabel, 1);
    connect(statusBar(), &QStatusBar::messageChanged, this, [this](const QString& message) {
        m_messageLabel->setText(message);
        m_messageLabel->setVisible(!message.isEmpty());
    });
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
    if (!m_project->createProject(folder, imagesFolder, error)) return false;
    // A new project starts where its images come in, not on the page the last one was left at.
    showPage("Data");
    return true;
}

bool MainWindow::importImages(const QString& folder, QString* error) {
    return m_project->importImages(folder, error);
}

bool MainWindow::rescanProject(QString* error) { return m_project->rescanProject(error); }

void MainWindow::onSessionChanged(ProjectSession* session) {
    for (QAction* action : m_projectActions) action->setEnabled(session != nullptr);
    m_runsPage->setSession(session);
    m_healthPage->setSession(session);
    const QString runsFolder = session ? session->runsFolder() : QString();
    m_exportPage->setRunsFolder(runsFolder);
    m_predictPage->setRunsFolder(runsFolder);
    // Predict draws a detector's boxes in the project's class colours, as the Data page does.
    const auto sendClassColours = [this, session] {
        QHash<QString, QColor> colours;
        if (session) {
            if (auto classes = session->store().classes()) {
                for (const auto& info : classes.value()) {
                    colours.insert(QString::fromStdString(info.name),
                                   QColor(QString::fromStdString(info.colour)));
                }
            }
        }
        m_predictPage->detectionView()->setClassColours(colours);
    };
    sendClassColours();
    if (session) {
        connect(session, &ProjectSession::classesChanged, m_predictPage, sendClassColours);
    }
    m_root->setCurrentWidget(session ? m_workbench : static_cast<QWidget*>(m_startPage));
    if (!session) {
        m_startPage->setRecentProjects(RecentProjects(m_settings).list());
        setWindowTitle("Fovea");
        m_projectLabel->setText("No project open");
        return;
    }
    setWindowTitle(QString("%1 - Fovea").arg(session->name()));
    m_projectLabel->setText("Project: " + session->folder());
    m_startPage->showMessage({});
    // A reopened project shows its last trained model again; without one, the pages show
    // nothing of the project open before.
    if (const auto run = m_runsPage->latestFinishedRun()) {
        openRun(QString::fromStdString(run->folder.string()));
    } else {
        closeRun();
    }
    Q_EMIT projectChanged(session->folder());
}

void MainWindow::showAbout() { openAboutDialog(this); }

void MainWindow::restoreWindowState() {
    restoreGeometry(m_settings.value(kGeometryKey).toByteArray());
    // A window saved larger than this screen (a bigger monitor, or a page that once pushed it
    // wider) comes back at the default size, centred, instead of cut off at the right.
    if (const QScreen* screen = this->screen()) {
        const QRect available = screen->availableGeometry();
        const QSize frame = frameGeometry().size() - size();  // empty until first shown
        if (!available.contains(QRect(pos(), size() + frame))) {
            resize(QSize(1280, 800).boundedTo(available.size() - frame));
            move(available.topLeft() +
                 QPoint((available.width() - width() - frame.width()) / 2,
                        (available.height() - height() - frame.height()) / 2));
        }
    }
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

bool MainWindow::closeAfterTraining() {
    if (!m_trainPage->isTraining()) return false;
    if (m_closeWhenTrainingEnds) return true;  // already stopping
    m_closeWhenTrainingEnds = true;
    m_trainPage->stopTraining();
    auto* waiting = new QProgressDialog(
        "Stopping the training after this batch and writing its checkpoint, so that it can be "
        "resumed. Fovea closes when it is written.",
        QString(), 0, 0, this);
    waiting->setObjectName("quitWhileTrainingDialog");
    waiting->setWindowTitle("Closing Fovea");
    waiting->setCancelButton(nullptr);
    waiting->setMinimumDuration(0);
    waiting->setWindowModality(Qt::WindowModal);
    waiting->setAutoClose(false);
    waiting->show();
    return true;
}

void MainWindow::closeEvent(QCloseEvent* event) {
    // The checkpoint takes seconds to write; the window says so instead of freezing.
    if (closeAfterTraining()) {
        event->ignore();
        return;
    }
    saveWindowState();
    // Labels are already in the database; a running import is cancelled (it changes nothing
    // until its single final transaction).
    m_project->importJob()->cancel();
    // A running training stops after its batch and writes its checkpoint before the window goes.
    m_trainPage->shutdown();
    event->accept();
}

}  // namespace fovea::ui
