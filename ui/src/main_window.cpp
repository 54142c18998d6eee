#include "fovea/ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QStackedWidget>
#include <QStatusBar>

#include "about_dialog.h"
#include "fovea/core/torch_runtime.h"
#include "page_header.h"
#include "train_page.h"

// Resources compiled into the static fovea_ui library are registered only when asked for by
// name; Q_INIT_RESOURCE must be used outside any namespace.
static void registerFoveaResources() { Q_INIT_RESOURCE(fovea); }

namespace fovea::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), m_recentProjects(m_settings) {
    registerFoveaResources();
    setObjectName("mainWindow");
    setWindowTitle("Fovea");
    setWindowIcon(QIcon(":/fovea/fovea.svg"));
    resize(1200, 760);
    buildPages();
    buildMenus();
    buildStatusBar();
}

void MainWindow::buildPages() {
    auto* central = new QWidget(this);
    auto* layout = new QHBoxLayout(central);
    m_pageList = new QListWidget(central);
    m_pageList->setObjectName("pageList");
    m_pageList->setFixedWidth(150);
    m_pageList->setStyleSheet("QListWidget#pageList { font-size: 11pt; }"
                              "QListWidget#pageList::item { padding: 9px 8px; }");
    m_pages = new QStackedWidget(central);
    m_pages->setObjectName("pages");

    auto addPage = [this](const QString& name, QWidget* page) {
        m_pageList->addItem(name);
        m_pages->addWidget(page);
    };
    addPage("Data", makePlaceholderPage(
                        "Data",
                        "Browse image folders, label images one by one or in bulk, and split them "
                        "into train, validation and test sets.",
                        m_pages));
    addPage("Model",
            makePlaceholderPage(
                "Model", "Pick a pretrained network and choose which of its blocks stay frozen.",
                m_pages));
    addPage("Train", new TrainPage(m_pages));
    addPage("Evaluate",
            makePlaceholderPage("Evaluate",
                                "See where the model is wrong: confusion matrix, per-class "
                                "scores, the images it gets most wrong and why.",
                                m_pages));
    addPage("Predict",
            makePlaceholderPage(
                "Predict", "Run the model on new images and inspect its predictions.", m_pages));
    addPage("Export", makePlaceholderPage("Export",
                                          "Save the trained model as TorchScript, ONNX or "
                                          "safetensors, checked against the in-app model.",
                                          m_pages));

    connect(m_pageList, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);
    m_pageList->setCurrentRow(0);
    layout->addWidget(m_pageList);
    layout->addWidget(m_pages, 1);
    setCentralWidget(central);
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu("&File");
    QAction* newProject = file->addAction("&New Project...", this, &MainWindow::chooseNewProject);
    newProject->setObjectName("newProjectAction");
    newProject->setShortcut(QKeySequence::New);
    QAction* openProject =
        file->addAction("&Open Project...", this, &MainWindow::chooseProjectToOpen);
    openProject->setObjectName("openProjectAction");
    openProject->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu("Open &Recent");
    m_recentMenu->setObjectName("recentMenu");
    rebuildRecentMenu();
    file->addSeparator();
    QAction* quit = file->addAction("&Quit", qApp, &QApplication::closeAllWindows);
    quit->setObjectName("quitAction");
    quit->setShortcut(QKeySequence::Quit);

    QMenu* help = menuBar()->addMenu("&Help");
    QAction* about = help->addAction("&About Fovea", this, &MainWindow::showAbout);
    about->setObjectName("aboutAction");
}

void MainWindow::buildStatusBar() {
    const auto runtime = core::queryTorchRuntime();
    m_projectLabel = new QLabel("No project open", this);
    m_projectLabel->setObjectName("projectLabel");
    m_deviceLabel =
        new QLabel("Device: " + QString::fromStdString(core::defaultDeviceLabel(runtime)), this);
    m_deviceLabel->setObjectName("deviceLabel");
    m_threadsLabel = new QLabel(QString("Threads: %1").arg(runtime.intraOpThreads), this);
    m_threadsLabel->setObjectName("threadsLabel");
    statusBar()->addWidget(m_projectLabel, 1);
    statusBar()->addPermanentWidget(m_deviceLabel);
    statusBar()->addPermanentWidget(m_threadsLabel);
}

void MainWindow::rebuildRecentMenu() {
    m_recentMenu->clear();
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

bool MainWindow::openProject(const QString& folder, QString* error) {
    if (!QFileInfo(folder).isDir()) {
        if (error) *error = QString("Cannot open project %1: it is not a folder.").arg(folder);
        return false;
    }
    if (!QFileInfo(folder).isReadable()) {
        if (error) *error = QString("Cannot open project %1: permission denied.").arg(folder);
        return false;
    }
    setProject(folder);
    return true;
}

bool MainWindow::createProject(const QString& folder, QString* error) {
    if (!QDir().mkpath(folder)) {
        if (error) *error = QString("Cannot create project folder %1.").arg(folder);
        return false;
    }
    return openProject(folder, error);
}

void MainWindow::setProject(const QString& folder) {
    m_projectFolder = QDir(folder).canonicalPath();
    m_recentProjects.add(m_projectFolder);
    rebuildRecentMenu();
    setWindowTitle(QString("%1 - Fovea").arg(QFileInfo(m_projectFolder).fileName()));
    m_projectLabel->setText("Project: " + m_projectFolder);
    Q_EMIT projectChanged(m_projectFolder);
}

void MainWindow::chooseNewProject() {
    const QString folder =
        QFileDialog::getSaveFileName(this, "New Project Folder", QDir::homePath(), QString(),
                                     nullptr, QFileDialog::ShowDirsOnly);
    if (folder.isEmpty()) return;
    QString error;
    if (!createProject(folder, &error)) reportProjectError(error);
}

void MainWindow::chooseProjectToOpen() {
    const QString folder =
        QFileDialog::getExistingDirectory(this, "Open Project", QDir::homePath());
    if (folder.isEmpty()) return;
    QString error;
    if (!openProject(folder, &error)) reportProjectError(error);
}

void MainWindow::showAbout() { openAboutDialog(this); }

void MainWindow::reportProjectError(const QString& message) {
    QMessageBox::warning(this, "Fovea", message);
}

}  // namespace fovea::ui
