#include "training_inputs.h"

#include <torch/torch.h>

#include "exit_codes.h"
#include "fovea/core/loader/network_transform.h"

namespace fovea::cli {

core::Result<TrainingInputs> prepareTrainingInputs(const TrainOptions& o,
                                                   const std::filesystem::path& projectFolder,
                                                   ProgressDisplay& progress, int& exitCode) {
    exitCode = kExitBadData;
    auto data = openData(o.data, projectFolder);
    if (!data) return data.error();
    // Messages name the folder the user gave, not the project made from it.
    auto set = core::collectTrainingData(data.value().store, o.validationFraction, o.training.seed,
                                         std::filesystem::absolute(o.data).string());
    if (!set) return set.error();

    torch::manual_seed(o.training.seed);  // the new head's initial weights
    auto network = core::prepareNetwork(
        o.network, static_cast<std::int64_t>(set.value().classNames.size()),
        [&](const core::DownloadProgress& p) {
            if (p.totalBytes > 0) {
                progress.update(double(p.receivedBytes) / double(p.totalBytes),
                                "downloading weights",
                                std::to_string(p.receivedBytes >> 20) + " MiB", 0);
            }
        });
    progress.finishLine();
    if (!network) return network.error();

    auto level = core::parseAugmentationLevel(o.augment);
    if (!level) {
        exitCode = kExitUsage;
        return level.error();
    }
    const core::AugmentationOptions augmentation = core::augmentationPreset(level.value());
    TrainingInputs inputs{std::move(data).value(),
                          std::move(set).value(),
                          std::move(network).value(),
                          {},
                          nullptr,
                          nullptr};
    inputs.spec = core::transformSpecFor(inputs.network.network->preprocessing());
    core::LoaderOptions trainLoading;
    trainLoading.batchSize = static_cast<int>(o.batchSize);
    trainLoading.seed = o.training.seed;
    trainLoading.workers = o.workers;
    trainLoading.cacheBytes = std::size_t{512} << 20;
    // With a frozen prefix, a few fixed augmentation variants per image let the feature cache
    // serve later epochs; without one every epoch gets fresh augmentations, as in torchvision.
    const core::NetworkImpl& built = *inputs.network.network;
    const bool frozenPrefix = built.frozenBlocks().count(built.blocks().front().name) != 0;
    trainLoading.augmentationVariants =
        augmentation.any() && o.training.featureCache && frozenPrefix ? 4 : 0;
    core::LoaderOptions validationLoading = trainLoading;
    validationLoading.shuffle = false;
    validationLoading.augmentationVariants = 0;
    inputs.trainLoader = std::make_unique<core::ImageBatchLoader>(inputs.set.train, inputs.spec,
                                                                  augmentation, trainLoading);
    if (!inputs.set.validation.empty()) {
        inputs.validationLoader = std::make_unique<core::ImageBatchLoader>(
            inputs.set.validation, inputs.spec, core::AugmentationOptions{}, validationLoading);
    }
    return inputs;
}

}  // namespace fovea::cli
