#pragma once

#include <string>
#include <vector>

#include "fovea/core/models/network.h"
#include "fovea/core/result.h"
#include "fovea/core/state_dict.h"

namespace fovea::core {

// What loading a state dict did. Keys are torchvision-style parameter/buffer names.
struct LoadReport {
    int64_t loadedTensors = 0;
    // Head keys left as initialised: the file's classifier has another class count or layout.
    std::vector<std::string> skippedHeadKeys;
    // BatchNorm num_batches_tracked counters absent from older files; harmless, kept at 0.
    std::vector<std::string> missingCounters;
};

// Copies `weights` into `network`. Head keys (the "head" block) are skipped when their shapes
// or names differ (a new class count); any other missing, unexpected or shape-mismatched key
// is an error listing the keys, and then the network is left unchanged. `source` names the
// file in messages.
Result<LoadReport> loadStateDict(NetworkImpl& network, const StateDict& weights,
                                 const std::string& source);

}  // namespace fovea::core
