#include "fovea/ui/start_arguments.h"

#include <QCommandLineParser>

namespace fovea::ui {

namespace {
const char* const kProjectOption = "project";
const char* const kPageOption = "page";
}  // namespace

void describeStartArguments(QCommandLineParser& parser) {
    parser.setApplicationDescription("Fovea: transfer learning workbench");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOption({kProjectOption, "Open the project in <folder>.", "folder"});
    parser.addOption({kPageOption,
                      "Start on <page>: Data, Health, Model, Train, Runs, Evaluate, Predict or "
                      "Export.",
                      "page"});
    parser.addPositionalArgument("folder", "The project to open (as --project).", "[folder]");
}

StartArguments readStartArguments(const QCommandLineParser& parser) {
    StartArguments start;
    start.page = parser.value(kPageOption);
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
