#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fovea/core/download/downloader.h"
#include "fovea/core/models/network.h"
#include "fovea/core/result.h"
#include "fovea/core/session/run_settings.h"

namespace fovea::core {

struct PreparedNetwork {
    NetworkPtr network;
    std::string weightsDescription;  // e.g. "offline default (nsfwjs MobileNetV2)" or a path
};

// Builds the network for `numClasses` classes with the chosen weights, freezing and input size.
// Errors name the architecture, block or weight file and the problem.
Result<PreparedNetwork> prepareNetwork(const NetworkChoice& choice, std::int64_t numClasses,
                                       const DownloadProgressCallback& progress = {},
                                       const std::atomic<bool>* cancel = nullptr);

}  // namespace fovea::core
