#pragma once

#include <QString>

namespace fovea::ui {

// Core's messages are written for fovea-cli and name its flags ("use --weights none"); the
// workbench shows them with the controls that do the same instead ("choose Random
// initialisation under Weights on the Model page"). Messages without such advice pass as
// they are.
QString inGuiWords(const QString& coreMessage);

// How a user prepares the offline default weights (what core says as set-up commands).
inline constexpr const char* kPrepareOfflineWeights =
    "run fovea-prepare-offline-weights once (it fetches the nsfwjs npm package and converts it; "
    "no internet needed afterwards), or choose other weights on the Model page";

}  // namespace fovea::ui
