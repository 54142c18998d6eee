#pragma once

// Includes LibTorch (through core's session header): for .cpp files only, never a ui header.
#include <map>
#include <string>

#include "fovea/core/session/network_setup.h"
#include "model/model_selection.h"

namespace fovea::ui {

// What core::prepareNetwork takes for this selection: the frozen blocks as an explicit list,
// the head options (numClasses is set later, from the data), the input size.
//
// Caveat of core's NetworkChoice: an empty freeze list means "as the weights come", and the
// offline default ("default" on mobilenet_v2_keras or inception_v3_keras) arrives with its
// ImageNet blocks frozen, so "freeze nothing" cannot be expressed for it; every other weight
// source arrives unfrozen.
core::NetworkChoice toNetworkChoice(const ModelSelection& selection);

// TrainingConfig::blockLearningRateMultipliers for this selection (blocks absent train at 1x).
std::map<std::string, double> toBlockLearningRateMultipliers(const ModelSelection& selection);

}  // namespace fovea::ui
