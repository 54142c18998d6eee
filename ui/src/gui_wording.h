#pragma once

#include <QString>

namespace fovea::ui {

// Core's messages are written for fovea-cli and name its flags ("use --weights none"); the
// workbench shows them with the controls that do the same instead ("choose Random
// initialisation under Weights on the Model page"). Messages without such advice pass as
// they are.
QString inGuiWords(const QString& coreMessage);

}  // namespace fovea::ui
