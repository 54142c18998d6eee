#include "fovea/core/session/training_inputs.h"

#include <torch/torch.h>

#include "fovea/core/project/folder_import.h"
#include "fovea/core/training/device_choice.h"

namespace fovea::core {

namespace fs = std::filesystem;

Result<OpenedTrainingData> openTrainingData(const fs::path& data, const fs::path& projectFolder) {
    std::error_code error;
    if (!fs::is_directory(data, error)) {
        return Error{data.string() + ": not a folder (expected an image folder or a project)"};
    }
    if (ProjectStore::exists(data)) {
        auto store = ProjectStore::open(data);
        if (!store) return store.error();
        return OpenedTrainingData{std::move(store).value(), std::nullopt};
    }
    auto store = ProjectStore::exists(projectFolder) ? ProjectStore::open(projectFolder)
                                                     : ProjectStore::create(projectFolder);
    if (!store) return store.error();
    auto report = importFolder(store.value(), data);
    if (!report) return report.error();
    return OpenedTrainingData{std::move(store).value(), std::move(report).value()};
}

Result<TrainingInputs> prepareTrainingInputs(const RunSettings& s, const fs::path& projectFolder,
                                             const DownloadProgressCallback& download,
                                             const DataShard& shard) {
    // Settings this machine cannot run are usage errors, found before anything is written.
    auto device = resolveDevice(s.training.device);
    if (!device) return withKind(device.error(), ErrorKind::Usage);
    if (auto supported = checkPrecisionFor(device.value(), s.training.precision); !supported) {
        return withKind(supported.error(), ErrorKind::Usage);
    }
    if (s.batchSize < 0) {
        return Error{
            "the batch size must be positive (or auto), not " + std::to_string(s.batchSize),
            ErrorKind::Usage};
    }
    auto data = openTrainingData(s.data, projectFolder);
    if (!data) return withKind(data.error(), ErrorKind::BadData);
    // Messages name the folder the user gave, not the project made from it.
    auto set = collectTrainingData(data.value().store, s.validationFraction, s.training.seed,
                                   fs::absolute(s.data).string());
    if (!set) return withKind(set.error(), ErrorKind::BadData);
    torch::manual_seed(s.training.seed);  // the new head's initial weights
    auto network = prepareNetwork(
        s.network, static_cast<std::int64_t>(set.value().classNames.size()), download);
    if (!network) return withKind(network.error(), ErrorKind::BadData);
    const AugmentationOptions augmentation = augmentationPreset(s.augment);
    TrainingInputs inputs{std::move(data).value(),
                          std::move(set).value(),
                          std::move(network).value(),
                          {},
                          nullptr,
                          nullptr,
                          s.batchSize,
                          std::nullopt};
    inputs.spec = inputs.network.network->preprocessing();
    if (s.batchSize == kAutoBatchSize) {
        // Tried on the network itself, before the loaders exist (their batches have this size).
        const auto maxBatch =
            std::min<std::int64_t>(4096, static_cast<std::int64_t>(inputs.set.train.size()));
        auto search =
            findLargestBatchSize(*inputs.network.network, s.training,
                                 inputs.network.network->preprocessing().cropSize, maxBatch);
        if (!search) return withKind(search.error(), ErrorKind::Internal);
        if (search.value().batchSize == 0) {
            return Error{"--batch-size auto: " + search.value().explanation +
                             "; try a smaller --image-size or a smaller network",
                         ErrorKind::Usage};
        }
        inputs.batchSize = search.value().batchSize;
        inputs.batchSizeSearch = std::move(search).value();
    }
    LoaderOptions trainLoading;
    trainLoading.batchSize = static_cast<int>(inputs.batchSize);
    trainLoading.seed = s.training.seed;
    trainLoading.workers = s.workers;
    trainLoading.cacheBytes = std::size_t{512} << 20;
    // As the trainer will want them (channels-last unless the run opts out; a network without
    // convolutions has its batches reordered back).
    trainLoading.channelsLast = s.training.channelsLast.value_or(true);
    // With a frozen prefix, a few fixed augmentation variants per image let the feature cache
    // serve later epochs; without one every epoch gets fresh augmentations, as in torchvision.
    const NetworkImpl& built = *inputs.network.network;
    const bool frozenPrefix = built.frozenBlocks().count(built.blocks().front().name) != 0;
    trainLoading.augmentationVariants =
        augmentation.any() && s.training.featureCache && frozenPrefix ? 4 : 0;
    trainLoading.shard = {shard.index, shard.count, /*padToEqual=*/true};
    LoaderOptions validationLoading = trainLoading;
    validationLoading.shuffle = false;
    validationLoading.shard.padToEqual = false;
    validationLoading.augmentationVariants = 0;
    inputs.trainLoader = std::make_unique<ImageBatchLoader>(inputs.set.train, inputs.spec,
                                                            augmentation, trainLoading);
    if (!inputs.set.validation.empty()) {
        inputs.validationLoader = std::make_unique<ImageBatchLoader>(
            inputs.set.validation, inputs.spec, AugmentationOptions{}, validationLoading);
    }
    return inputs;
}

}  // namespace fovea::core
