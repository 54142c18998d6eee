#pragma once

// The offline default: a pretrained backbone that works on a machine with no internet.
// nsfwjs' Keras MobileNetV2 (ImageNet weights through block 10) is converted once, at set-up,
// into a safetensors file in the user's data folder; a new network starts from it with those
// ImageNet blocks frozen and a new head for the user's classes.
#include <cstdint>
#include <filesystem>
#include <string>

#include "fovea/core/models/network.h"
#include "fovea/core/result.h"

namespace fovea::core {

// dataDirectory()/weights/mobilenet_v2_keras-nsfwjs.safetensors
std::filesystem::path offlineDefaultWeightsPath();

// The npm prefix packaging/setup.sh installs nsfwjs into: dataDirectory()/npm.
std::filesystem::path defaultNsfwjsPrefix();

// Converts <npmPrefix>/node_modules/nsfwjs/dist/models/mobilenet_v2 to `target` (safetensors,
// written atomically) with metadata: fovea.architecture, fovea.labels (JSON array),
// fovea.preprocessing (JSON), fovea.last_imagenet_block, fovea.source.
Result<void> writeOfflineDefaultWeights(const std::filesystem::path& npmPrefix,
                                        const std::filesystem::path& target);

// The default recipe: mobilenet_v2_keras with the converted weights, a new head for
// `numClasses` classes, and every block from the stem through block 10 (the ImageNet part)
// frozen. The error says how to create the file when it is missing.
Result<NetworkPtr> loadOfflineDefaultNetwork(
    int64_t numClasses, const std::filesystem::path& weights = offlineDefaultWeightsPath());

}  // namespace fovea::core
