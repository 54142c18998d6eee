#include "fovea/ui/start_arguments.h"

#include <QCommandLineParser>

namespace fovea::ui {

namespace {
const char* const kProjectOption = "project";
const char* const kPageOption = "page";
// The window's pages, as its page list names them.
const QStringList kPages = {"Data", "Health",   "Model",   "Train",
                            "Runs", "Evaluate", "Predict", "Export"};
}  // namespace

void describeStartArguments(QCommandLineParser& parser) {
    parser.setApplicationDescription("Fovea: transfer learning workbench");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({kProjectOption, "Open the project in <folder>.", "folder"});
    parser.addOption(
        {kPageOption, "Start on <page>: " + kPages.join(", ") + " (any case).", "page"});
    parser.addPositionalArgument("folder", "The project to open (as --project).", "[folder]");
}

StartArguments readStartArguments(const QCommandLineParser& parser) {
    StartArguments start;
    const QString page = parser.value(kPageOption);
    for (const QString& known : kPages) {
        if (known.compare(page, Qt::CaseInsensitive) == 0) start.page = known;
    }
    if (!page.isEmpty() && start.page.isEmpty()) {
        start.warning =
            QString("fovea: no page named \"%1\"; the pages are %2").arg(page, kPages.join(", "));
    }
    QStringList projects = parser.positionalArguments();
    if (parser.isSet(kProjectOption)) projects.prepend(parser.value(kProjectOption));
    if (projects.size() > 1) {
        start.error = QString("fovea opens one project at a time; it was given %1: %2")
                          .arg(projects.size())
                          .arg(projects.join(", "));
    } else if (projects.size() == 1) {
        start.project = projects.front();
    }
    return start;
}

}  // namespace fovea::ui
