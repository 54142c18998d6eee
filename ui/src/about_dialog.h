#pragma once

class QWidget;

namespace fovea::ui {

// Opens the window-modal About box (versions, device, threads, BLAS) and returns at once.
void openAboutDialog(QWidget* parent);

}  // namespace fovea::ui
