#pragma once

// Backbone embeddings of images (the features a network's head sees, averaged over space,
// L2-normalised), computed once per image and backbone and kept in a cache file, so dataset
// health, near-duplicate search and the embedding map cost a decode only for new or changed
// images. Free of LibTorch.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/models/network_fwd.h"
#include "fovea/core/result.h"
#include "fovea/core/session/inference_settings.h"
#include "fovea/core/session/prediction.h"

namespace fovea::core {

struct ImageEmbeddings {
    // One per file in the caller's order; empty for a file that could not be read.
    std::vector<std::vector<float>> vectors;
    std::vector<PredictionFailure> failures;
    std::int64_t computed = 0;   // run through the network now
    std::int64_t fromCache = 0;  // read from the cache file
};

// The cache file for `network` under `folder`: one per architecture, weights and input size,
// so another backbone never reads these vectors. `weightsIdentity` names the weights (a file
// path with its size and time, "default", a URL).
// `blocks` as for embedImages: another layer is another cache.
std::filesystem::path embeddingCacheFile(const std::filesystem::path& folder,
                                         const NetworkImpl& network,
                                         const std::string& weightsIdentity,
                                         std::size_t blocks = 0);

// How many of the network's first blocks hold general features for `weights`: for the offline
// default weights, the blocks that kept their ImageNet values (those above were fine-tuned for
// another task, and their features separate few classes); 0 (every block before the head)
// for any other weights.
std::size_t generalFeatureBlocks(const NetworkImpl& network, const std::string& weights);

// Embeds `files` with `network` (eval mode, its recorded preprocessing). Files found in
// `cacheFile` with the same size and modification time are not decoded again; the cache is
// rewritten atomically with what was computed (an empty path: no cache). A cache file that
// cannot be read is ignored and replaced. The features are those of the first `blocks` blocks
// (0: every block before the head). Errors: the device, LibTorch, cancel ("cancelled").
Result<ImageEmbeddings> embedImages(NetworkImpl& network,
                                    const std::vector<std::filesystem::path>& files,
                                    const std::filesystem::path& cacheFile,
                                    const InferenceSettings& settings = {},
                                    const PredictionProgress& progress = {},
                                    const std::atomic<bool>* cancel = nullptr,
                                    std::size_t blocks = 0);

}  // namespace fovea::core
