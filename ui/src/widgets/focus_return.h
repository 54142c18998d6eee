#pragma once

class QWidget;

namespace fovea::ui {

// Gives `window` the focus back when one of its dialogs closes and no other window took it.
// A window manager does this; without one (a bare X server, a kiosk session) the focus went
// nowhere, and the window's shortcuts (Ctrl+Z right after Accept All) did nothing. A dialog
// left for another application, still open, keeps nothing from it: only a closed dialog of
// this window hands the focus back.
void returnFocusAfterDialogs(QWidget* window);

}  // namespace fovea::ui
