#include "fovea/ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QUndoGroup>

#include "about_dialog.h"
#include "data/data_page.h"
#include "evaluate/evaluate_page.h"
#include "export/export_page.h"
#include "fovea/core/project/folder_import.h"
#include "fovea/core/torch_runtime.h"
#include "model/model_page.h"
#include "predict/predict_page.h"
#include "project/new_project_dialog.h"
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

QString importSummary(const core::ImportReport& report) {
    QStringList parts;
    parts << QString("%1 new image%2").arg(report.added).arg(report.added == 1 ? "" : "s");
    if (report.updated > 0) parts << QString("%1 changed on disk").arg(report.updated);
    if (report.markedMissing > 0) parts << QString("%1 missing").arg(report.markedMissing);
    if (!report.classesCreated.empty()) {
        parts << QString("%1 new classes").arg(report.classesCreated.size());
    }
    QString text = parts.join(", ");
    if (!report.unreadable.empty()) {
        text += QString("; %1 unreadable (filter \"Unreadable or missing\")")
                    .arg(report.unreadable.size());
    }
    if (!report.problems.empty()) {
        text += QString("; %1 problem%2, first: %3")
                    .arg(report.problems.size())
                    .arg(report.problems.size() == 1 ? "" : "s")
                    .arg(QString::fromStdString(report.problems.front().message));
    }
    return text;
}

QString progressText(const core::ImportProgress& progress) {
    switch (progress.phase) {
        case core::ImportProgress::Phase::Listing:
            return QString("listing files (%1)").arg(progress.done);
        case core::ImportProgress::Phase::Probing:
            return QString("reading %1 of %2").arg(progress.done).arg(progress.total);
        case core::ImportProgress::Phase::Saving:
            return "saving";
    }
    return {};
}

}  // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      m_recentProjects(m_settings),
      m_undoGroup(new QUndoGroup(this)),
      m_importJob(new BackgroundJob(this)) {
    registerFoveaResources();
    setObjectName("mainWindow");
    setWindowTitle("Fovea");
    setWindowIcon(QIcon(":/fovea/fovea.svg"));
    resize(1280, 800);
    buildPages();
    buildMenus();
    buildStatusBar();
    connect(m_importJob, &BackgroundJob::finished, this, &MainWindow::onImportFinished);
    setSession(nullptr);
    restoreWindowState();
}

MainWindow::~MainWindow() {
    // Workers open the project on their own; stop them before the session goes.
    delete m_importJob;
    m_importJob = nullptr;
    m_trainPage->shutdown();
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
    // Training writes splits and decode errors through its own connection to the database.
    connect(m_trainPage, &TrainPage::projectChanged, this, [this] {
        if (m_session) m_session->noteChangedElsewhere();
    });
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
    QAction* newProject = file->addAction("&New Project…", this, &MainWindow::chooseNewProject);
    newProject->setObjectName("newProjectAction");
    newProject->setShortcut(QKeySequence::New);
    QAction* openProject =
        file->addAction("&Open Project…", this, &MainWindow::chooseProjectToOpen);
    openProject->setObjectName("openProjectAction");
    openProject->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu("Open &Recent");
    m_recentMenu->setObjectName("recentMenu");
    rebuildRecentMenu();
    file->addSeparator();
    QAction* import = file->addAction("&Import Images…", this, &MainWindow::chooseImagesToImport);
    import->setObjectName("importImagesAction");
    import->setShortcut(QKeySequence("Ctrl+I"));
    QAction* rescan = file->addAction("Re&scan Folders", this, [this] {
        QString error;
        if (!rescanProject(&error)) reportProjectError(error);
    });
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

void MainWindow::rebuildRecentMenu() {
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
            if (!openProject(folder, &error)) reportProjectError(error);
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

QString MainWindow::projectFolder() const { return m_session ? m_session->folder() : QString(); }

bool MainWindow::openProject(const QString& folder, QString* error) {
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

bool MainWindow::createProject(const QString& folder, const QString& imagesFolder, QString* error) {
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

bool MainWindow::importImages(const QString& folder, QString* error) {
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

bool MainWindow::rescanProject(QString* error) {
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

void MainWindow::startImportJob(const QString& title, const QString& folder) {
    // The worker opens its own connection: ProjectStore is not shared between threads.
    const std::filesystem::path project = m_session->folder().toStdString();
    const std::filesystem::path root = folder.toStdString();
    m_jobProgress->track(m_importJob, title);
    m_importJob->start([project, root](BackgroundJob& job) -> BackgroundJob::Outcome {
        auto store = core::ProjectStore::open(project);
        if (!store) return {false, QString::fromStdString(store.error().message)};
        auto progress = [&job](const core::ImportProgress& p) {
            job.reportProgress(static_cast<qint64>(p.done), static_cast<qint64>(p.total),
                               progressText(p));
        };
        core::Result<core::ImportReport> report = core::Error{};
        if (root.empty()) {
            core::RescanOptions options;
            options.progress = progress;
            options.cancel = job.cancelFlag();
            report = core::rescanProject(store.value(), options);
        } else {
            core::FolderImportOptions options;
            options.progress = progress;
            options.cancel = job.cancelFlag();
            report = core::importFolder(store.value(), root, options);
        }
        if (!report) return {false, QString::fromStdString(report.error().message)};
        return {true, importSummary(report.value())};
    });
}

void MainWindow::onImportFinished(bool ok, const QString& message) {
    if (m_session) {
        Q_EMIT m_session->classesChanged();
        Q_EMIT m_session->imagesChanged();
    }
    if (ok) {
        statusBar()->showMessage("Import: " + message, 15000);
    } else if (m_importJob->wasCancelled()) {
        statusBar()->showMessage("Import cancelled; the project is as it was.", 15000);
    } else {
        reportProjectError(message);
    }
}

void MainWindow::setSession(std::unique_ptr<ProjectSession> session) {
    if (m_session) m_undoGroup->removeStack(m_session->undoStack());
    // Pages let go of the old project first (a running training is stopped and checkpointed).
    m_trainPage->setSession(nullptr);
    m_evaluatePage->setSession(nullptr);
    m_modelPage->setSession(nullptr);
    m_dataPage->setSession(nullptr);
    m_session = std::move(session);
    for (QAction* action : m_projectActions) action->setEnabled(m_session != nullptr);
    if (!m_session) {
        setWindowTitle("Fovea");
        m_projectLabel->setText("No project open");
        return;
    }
    connect(m_session.get(), &ProjectSession::failed, this, &MainWindow::reportProjectError);
    m_undoGroup->addStack(m_session->undoStack());
    m_undoGroup->setActiveStack(m_session->undoStack());
    m_dataPage->setSession(m_session.get());
    m_modelPage->setSession(m_session.get());
    m_trainPage->setSession(m_session.get());
    m_evaluatePage->setSession(m_session.get());
    m_recentProjects.add(m_session->folder());
    rebuildRecentMenu();
    setWindowTitle(QString("%1 - Fovea").arg(m_session->name()));
    m_projectLabel->setText("Project: " + m_session->folder());
    Q_EMIT projectChanged(m_session->folder());
}

void MainWindow::chooseNewProject() {
    NewProjectDialog dialog(this);
    if (dialog.exec() != QDialog::Accepted) return;
    QString error;
    if (!createProject(dialog.projectFolder(), dialog.imagesFolder(), &error)) {
        reportProjectError(error);
    }
}

void MainWindow::chooseProjectToOpen() {
    const QString folder =
        QFileDialog::getExistingDirectory(this, "Open Project", QDir::homePath());
    if (folder.isEmpty()) return;
    QString error;
    if (!openProject(folder, &error)) reportProjectError(error);
}

void MainWindow::chooseImagesToImport() {
    const QString folder =
        QFileDialog::getExistingDirectory(this, "Import Images", projectFolder());
    if (folder.isEmpty()) return;
    QString error;
    if (!importImages(folder, &error)) reportProjectError(error);
}

void MainWindow::showAbout() { openAboutDialog(this); }

void MainWindow::reportProjectError(const QString& message) {
    // Window-modal but not blocking: the caller (often an undo command) returns at once, and a
    // second error while this one is shown gets its own box.
    auto* box = new QMessageBox(QMessageBox::Warning, "Fovea", message, QMessageBox::Ok, this);
    box->setObjectName("errorMessage");
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

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
    m_importJob->cancel();
    // A running training stops after its batch and writes its checkpoint before the window goes.
    m_trainPage->shutdown();
    event->accept();
}

}  // namespace fovea::ui
