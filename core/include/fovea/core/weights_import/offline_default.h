#pragma once

// The offline default: a pretrained backbone that works on a machine with no internet.
// nsfwjs' Keras MobileNetV2 (ImageNet weights through block 10) is converted once, at set-up,
// into a safetensors file in the user's data folder; a new network starts from it with those
// ImageNet blocks frozen and a new head for the user's classes.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "fovea/core/models/network.h"
#include "fovea/core/result.h"
#include "fovea/core/weights_import/offline_weights_paths.h"

namespace fovea::core {

// Converts nsfwjs' MobileNetV2 and InceptionV3 (<npmPrefix>/node_modules/nsfwjs/dist/models/)
// into `folder`/<architecture>-nsfwjs.safetensors (written atomically) with metadata:
// fovea.architecture, fovea.labels (JSON array), fovea.preprocessing (JSON),
// fovea.last_imagenet_block, fovea.source. Returns the files written.
Result<std::vector<std::filesystem::path>> writeOfflineWeights(
    const std::filesystem::path& npmPrefix, const std::filesystem::path& folder);

// The default recipe: the converted network in `weights` (mobilenet_v2_keras unless another
// converted file is given), a new head for `numClasses` classes, and every block from the stem
// through the last ImageNet block (block 10 of MobileNetV2, Mixed_6c of InceptionV3) frozen.
// The error says how to create the file when it is missing.
Result<NetworkPtr> loadOfflineDefaultNetwork(
    int64_t numClasses, const std::filesystem::path& weights = offlineDefaultWeightsPath());

}  // namespace fovea::core
