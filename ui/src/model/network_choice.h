#pragma once

#include <map>
#include <string>

#include "fovea/core/session/run_settings.h"
#include "model/model_selection.h"

namespace fovea::ui {

// What core::prepareNetwork takes for this selection: the frozen blocks as an explicit list
// (empty: train every block), the head options (numClasses is set later, from the data), the
// input size.
core::NetworkChoice toNetworkChoice(const ModelSelection& selection);

// TrainingConfig::blockLearningRateMultipliers for this selection (blocks absent train at 1x).
std::map<std::string, double> toBlockLearningRateMultipliers(const ModelSelection& selection);

// The selection a run was trained with (to train again from it): its network, the blocks it
// froze as it began, its head, input size and block learning rates.
ModelSelection selectionFromRun(const core::RunConfig& config);

}  // namespace fovea::ui
