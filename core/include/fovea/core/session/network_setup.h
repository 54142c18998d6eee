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

namespace fovea::core {

// What the user chose for the network: fovea-cli train's --arch, --weights, --freeze-up-to /
// --freeze and --image-size, or the GUI's Model page.
struct NetworkChoice {
    std::string architecture;
    // "default": the offline weights when this architecture has them (mobilenet_v2_keras,
    // inception_v3_keras), else the first pretrained source of the catalogue (downloaded once,
    // checked, cached). "none": random initialisation. Otherwise a .pth/.safetensors path or
    // an http(s) URL.
    std::string weights = "default";
    std::optional<std::string> freezeUpTo;  // freeze every block up to and including this one
    // Or exactly these blocks; an empty list trains every block. Unset (and no freezeUpTo): as
    // the weights come -- the offline default arrives with its ImageNet blocks frozen, every
    // other source unfrozen.
    std::optional<std::vector<std::string>> freeze;
    int imageSize = 0;  // network input side in pixels; 0: the weights' own
    HeadOptions head;   // numClasses is set from the data
};

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
