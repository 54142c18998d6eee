#pragma once

#include <QString>
#include <QUrl>
#include <functional>

class QWidget;

namespace fovea::ui {

// Shows `folder` in the desktop's file manager. Where none can be started (no desktop
// launcher, as on a bare X server), says so in a message box naming the folder and copies its
// path to the clipboard, instead of doing nothing. `open` is how a URL is opened (tests give
// their own). False when it could not be shown.
bool showFolder(const QString& folder, QWidget* parent,
                const std::function<bool(const QUrl&)>& open = {});

}  // namespace fovea::ui
