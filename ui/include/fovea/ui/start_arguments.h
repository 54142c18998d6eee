#pragma once

#include <QString>

class QCommandLineParser;

namespace fovea::ui {

// What `fovea` was started with: `fovea [--page PAGE] [--project] [FOLDER]`.
struct StartArguments {
    QString project;  // empty: the most recent project, or the start page
    QString page;     // as the page list names it; empty: the page the window opens on
    QString error;    // the command line asks for something impossible (two projects)
    QString warning;  // said on stderr, the window opens anyway (an unknown page)
};

// Adds fovea's options and its optional project folder argument to `parser`.
void describeStartArguments(QCommandLineParser& parser);
// Reads a parsed command line: the project named by --project or as the argument (file
// managers and desktop launchers pass a folder that way), and the start page.
StartArguments readStartArguments(const QCommandLineParser& parser);

}  // namespace fovea::ui
