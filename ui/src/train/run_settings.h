#pragma once

// Includes LibTorch (through core's session header): for .cpp files only, never a ui header.
#include "fovea/core/session/training_run.h"
#include "train/training_request.h"

namespace fovea::ui {

// The core run settings the Train page's request stands for (training and the LR finder).
// Names the page does not offer keep core's defaults.
core::RunSettings toRunSettings(const TrainingRequest& request);

}  // namespace fovea::ui
