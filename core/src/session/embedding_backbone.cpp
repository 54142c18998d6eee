#include "embedding_backbone.h"

#include "fovea/core/models/network.h"
#include "fovea/core/session/prediction.h"
#include "fovea/core/session/run_records.h"

namespace fovea::core::detail {
namespace {

Result<EmbeddingBackbone> loadBackboneAsGiven(const HealthBackbone& backbone,
                                              const std::atomic<bool>* cancel) {
    if (!backbone.model.empty()) {
        auto loaded = loadModelSource(backbone.model);
        if (!loaded) return loaded.error();
        std::error_code error;
        const auto size = std::filesystem::file_size(loaded.value().file, error);
        const auto time = std::filesystem::last_write_time(loaded.value().file, error);
        EmbeddingBackbone out{std::move(loaded.value().model), {}, loaded.value().file.string()};
        out.identity = out.description + "|" + std::to_string(size) + "|" +
                       std::to_string(time.time_since_epoch().count());
        return out;
    }
    auto pretrained = loadPretrainedModel(backbone.architecture, backbone.weights, {}, cancel);
    if (!pretrained) return withKind(pretrained.error(), ErrorKind::Usage);
    return EmbeddingBackbone{std::move(pretrained).value(), backbone.weights,
                             backbone.architecture + " (" + backbone.weights + " weights)"};
}

}  // namespace

Result<EmbeddingBackbone> loadEmbeddingBackbone(const HealthBackbone& backbone,
                                                EmbeddingDepth depth,
                                                const std::atomic<bool>* cancel) {
    auto loaded = loadBackboneAsGiven(backbone, cancel);
    if (!loaded) return loaded.error();
    const int size = backbone.imageSize > 0   ? backbone.imageSize
                     : backbone.model.empty() ? kDefaultEmbeddingSize
                                              : 0;
    NetworkImpl& network = *loaded.value().model.network;
    network.setPreprocessing(atImageSize(network.preprocessing(), size));
    loaded.value().description += " at " + std::to_string(network.preprocessing().cropSize) + " px";
    if (depth == EmbeddingDepth::GeneralFeatures) {
        loaded.value().blocks = generalFeatureDepth(loaded.value(), backbone);
        if (loaded.value().blocks > 0) {
            loaded.value().description +=
                ", features of " + network.blocks()[loaded.value().blocks - 1].name;
        }
    }
    return loaded;
}

std::size_t generalFeatureDepth(EmbeddingBackbone& loaded, const HealthBackbone& backbone) {
    // A trained model's own features are its task's; only published weights have a general part.
    if (!backbone.model.empty()) return 0;
    return generalFeatureBlocks(*loaded.model.network, backbone.weights);
}

Result<ImageEmbeddings> embedWithBackbone(EmbeddingBackbone& backbone,
                                          const std::vector<std::filesystem::path>& files,
                                          const std::filesystem::path& cacheFolder,
                                          const PredictionProgress& progress,
                                          const std::atomic<bool>* cancel) {
    NetworkImpl& network = *backbone.model.network;
    const auto cache = embeddingCacheFile(cacheFolder, network, backbone.identity, backbone.blocks);
    return embedImages(network, files, cache, {}, progress, cancel, backbone.blocks);
}

}  // namespace fovea::core::detail
