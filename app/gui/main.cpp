// fovea: the Qt workbench.
#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>

#include "fovea/core/threads.h"
#include "fovea/core/version.h"
#include "fovea/ui/main_window.h"

int main(int argc, char** argv) {
    fovea::core::configureIntraOpThreads();

    QApplication app(argc, argv);
    QApplication::setOrganizationName("Fovea");
    QApplication::setApplicationName("Fovea");
    QApplication::setApplicationVersion(fovea::core::kFoveaVersion);
    // Ties the window to fovea's installed .desktop entry and icon (Wayland app id, X11 WM_CLASS).
    QGuiApplication::setDesktopFileName(QStringLiteral(FOVEA_APP_ID));

    QCommandLineParser parser;
    parser.setApplicationDescription("Fovea: transfer learning workbench");
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption projectOption("project", "Open the project in <folder>.", "folder");
    parser.addOption(projectOption);
    const QCommandLineOption pageOption(
        "page", "Start on <page>: Data, Model, Train, Runs, Evaluate, Predict or Export.", "page");
    parser.addOption(pageOption);
    parser.process(app);

    fovea::ui::MainWindow window;
    if (parser.isSet(pageOption)) window.showPage(parser.value(pageOption));
    window.show();
    if (parser.isSet(projectOption)) {
        QString error;
        if (!window.openProject(parser.value(projectOption), &error)) {
            QMessageBox::warning(&window, "Fovea", error);
        }
    } else {
        // Where the user left off; the start page (recent projects, New, the demo) otherwise.
        window.openMostRecentProject();
    }
    return app.exec();
}
