// fovea: the Qt workbench.
#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>
#include <cstdio>

#include "fovea/core/tensor_memory.h"
#include "fovea/core/threads.h"
#include "fovea/core/version.h"
#include "fovea/ui/main_window.h"
#include "fovea/ui/start_arguments.h"

int main(int argc, char** argv) {
    fovea::core::configureIntraOpThreads();
    fovea::core::adviseHugePagesForLargeTensors();

    QApplication app(argc, argv);
    QApplication::setOrganizationName("Fovea");
    QApplication::setApplicationName("Fovea");
    QApplication::setApplicationVersion(fovea::core::kFoveaVersion);
    // Ties the window to fovea's installed .desktop entry and icon (Wayland app id, X11 WM_CLASS).
    QGuiApplication::setDesktopFileName(QStringLiteral(FOVEA_APP_ID));

    QCommandLineParser parser;
    fovea::ui::describeStartArguments(parser);
    parser.process(app);
    const fovea::ui::StartArguments start = fovea::ui::readStartArguments(parser);
    if (!start.warning.isEmpty()) std::fprintf(stderr, "%s\n", qPrintable(start.warning));

    fovea::ui::MainWindow window;
    if (!start.page.isEmpty()) window.showPage(start.page);
    window.show();
    if (!start.error.isEmpty()) {
        QMessageBox::warning(&window, "Fovea", start.error);
        window.openMostRecentProject();
    } else if (!start.project.isEmpty()) {
        QString error;
        if (!window.openProject(start.project, &error))
            QMessageBox::warning(&window, "Fovea", error);
    } else {
        // Where the user left off; the start page (recent projects, New, the demo) otherwise.
        window.openMostRecentProject();
    }
    return app.exec();
}
