#pragma once

#include <filesystem>

namespace fovea::cli {

// `fovea-cli prepare-offline-weights`: converts the nsfwjs npm package (installed by
// packaging/setup.sh) into the offline weights files (MobileNetV2, the default, and
// InceptionV3). Does nothing when the default file is already there and readable, unless
// `force`.
struct PrepareWeightsOptions {
    std::filesystem::path npmPrefix;
    std::filesystem::path outputFolder;
    bool force = false;
    bool json = false;
};

int runPrepareOfflineWeights(const PrepareWeightsOptions& options);

}  // namespace fovea::cli
