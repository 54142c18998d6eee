#pragma once

// The network that embeds a project's images for the dataset check-up and for Refresh, loaded
// as a HealthBackbone says, at its embedding size. Internal to fovea_session.

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "fovea/core/result.h"
#include "fovea/core/session/dataset_checkup.h"
#include "fovea/core/session/image_embeddings.h"
#include "fovea/core/session/trained_model.h"

namespace fovea::core::detail {

// Which of the network's features embed.
enum class EmbeddingDepth {
    BeforeHead,       // what the head sees: near duplicates are tuned on these
    GeneralFeatures,  // generalFeatureBlocks: for the offline weights, their ImageNet blocks
};

struct EmbeddingBackbone {
    TrainedModel model;
    std::string identity;     // what the embedding cache is keyed by
    std::string description;  // for people: "mobilenet_v2_keras (default weights) at 112 px"
    std::size_t blocks = 0;   // embedImages' depth (0: every block before the head)
};

// Errors: a wrong model path or network name (Usage), the file cannot be read, cancel.
Result<EmbeddingBackbone> loadEmbeddingBackbone(const HealthBackbone& backbone,
                                                EmbeddingDepth depth,
                                                const std::atomic<bool>* cancel);

// How many blocks of `backbone` give general features (generalFeatureBlocks): for published
// weights only, 0 for a trained model (its features are its own task's) or weights without such
// a part.
std::size_t generalFeatureDepth(EmbeddingBackbone& loaded, const HealthBackbone& backbone);

// Embeds `files` with `backbone`, cached in `cacheFolder` (the project's cache/).
Result<ImageEmbeddings> embedWithBackbone(EmbeddingBackbone& backbone,
                                          const std::vector<std::filesystem::path>& files,
                                          const std::filesystem::path& cacheFolder,
                                          const PredictionProgress& progress,
                                          const std::atomic<bool>* cancel);

}  // namespace fovea::core::detail
