#include "fovea/core/session/training_run.h"

#include <torch/torch.h>

#include "fovea/core/loader/network_transform.h"
#include "fovea/core/models/preprocessing_json.h"
#include "fovea/core/project/folder_import.h"
#include "fovea/core/session/trained_model.h"
#include "fovea/core/training/device_choice.h"
#include "fovea/core/training/report_json.h"
#include "fovea/core/training/run_folder.h"

namespace fovea::core {

namespace fs = std::filesystem;

nlohmann::json describeRunSettings(const RunSettings& s) {
    nlohmann::json network = {{"architecture", s.network.architecture},
                              {"weights", s.network.weights},
                              {"freeze", nullptr},
                              {"image_size", s.network.imageSize},
                              {"head_dropout", s.network.head.dropout},
                              {"head_hidden_units", s.network.head.hiddenUnits}};
    if (s.network.freeze) network["freeze"] = *s.network.freeze;  // null: as the weights come
    if (s.network.freezeUpTo) network["freeze_up_to"] = *s.network.freezeUpTo;
    return {{"data", fs::absolute(s.data).string()},
            {"network", network},
            {"training", toJson(s.training)},
            {"batch_size", s.batchSize},
            {"augment", s.augment},
            {"val_fraction", s.validationFraction},
            {"workers", s.workers}};
}

namespace {

std::vector<std::string> frozenBlocksInOrder(const NetworkImpl& network) {
    std::vector<std::string> frozen;
    for (const auto& block : network.blocks()) {
        if (network.frozenBlocks().count(block.name)) frozen.push_back(block.name);
    }
    return frozen;
}

}  // namespace

Result<RunSettings> runSettingsFromConfig(const nlohmann::json& config) {
    try {
        RunSettings s;
        s.data = config.at("data").get<std::string>();
        const auto& network = config.at("network");
        s.network.architecture = network.at("architecture");
        s.network.weights = network.at("weights");
        if (network.contains("frozen_blocks")) {
            // What the run froze as it began: a resumed run trains exactly that.
            s.network.freeze = network.at("frozen_blocks").get<std::vector<std::string>>();
        } else if (network.contains("freeze_up_to")) {
            s.network.freezeUpTo = network.at("freeze_up_to");
        } else if (network.at("freeze").is_array() && !network.at("freeze").empty()) {
            // Written before "frozen_blocks", where [] meant "as the weights come".
            s.network.freeze = network.at("freeze").get<std::vector<std::string>>();
        }
        s.network.imageSize = network.at("image_size");
        s.network.head.dropout = network.at("head_dropout");
        s.network.head.hiddenUnits = network.at("head_hidden_units");
        auto training = trainingConfigFromJson(config.at("training"));
        if (!training) return training.error();
        s.training = training.value();
        s.batchSize = config.at("batch_size");
        s.augment = config.at("augment");
        s.validationFraction = config.at("val_fraction");
        s.workers = config.at("workers");
        return s;
    } catch (const nlohmann::json::exception& e) {
        return Error{"the run's config.json cannot be resumed from: " + std::string(e.what())};
    }
}

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
                                             RunFailure& failure) {
    // Settings this machine cannot run are usage errors, found before anything is written.
    failure = RunFailure::Usage;
    auto device = resolveDevice(s.training.device);
    if (!device) return device.error();
    if (auto supported = checkPrecisionFor(device.value(), s.training.precision); !supported) {
        return supported.error();
    }
    failure = RunFailure::BadData;
    auto data = openTrainingData(s.data, projectFolder);
    if (!data) return data.error();
    // Messages name the folder the user gave, not the project made from it.
    auto set = collectTrainingData(data.value().store, s.validationFraction, s.training.seed,
                                   fs::absolute(s.data).string());
    if (!set) return set.error();
    torch::manual_seed(s.training.seed);  // the new head's initial weights
    auto network = prepareNetwork(
        s.network, static_cast<std::int64_t>(set.value().classNames.size()), download);
    if (!network) return network.error();
    auto level = parseAugmentationLevel(s.augment);
    if (!level) {
        failure = RunFailure::Usage;
        return level.error();
    }
    const AugmentationOptions augmentation = augmentationPreset(level.value());
    if (s.batchSize < 0) {
        failure = RunFailure::Usage;
        return Error{"the batch size must be positive (or auto), not " +
                     std::to_string(s.batchSize)};
    }
    TrainingInputs inputs{std::move(data).value(),
                          std::move(set).value(),
                          std::move(network).value(),
                          {},
                          nullptr,
                          nullptr,
                          s.batchSize,
                          std::nullopt};
    inputs.spec = transformSpecFor(inputs.network.network->preprocessing());
    if (s.batchSize == kAutoBatchSize) {
        // Tried on the network itself, before the loaders exist (their batches have this size).
        const auto maxBatch =
            std::min<std::int64_t>(4096, static_cast<std::int64_t>(inputs.set.train.size()));
        auto search =
            findLargestBatchSize(*inputs.network.network, s.training,
                                 inputs.network.network->preprocessing().cropSize, maxBatch);
        if (!search) {
            failure = RunFailure::Failure;
            return search.error();
        }
        if (search.value().batchSize == 0) {
            failure = RunFailure::Usage;
            return Error{"--batch-size auto: " + search.value().explanation +
                         "; try a smaller --image-size or a smaller network"};
        }
        inputs.batchSize = search.value().batchSize;
        inputs.batchSizeSearch = std::move(search).value();
    }
    LoaderOptions trainLoading;
    trainLoading.batchSize = static_cast<int>(inputs.batchSize);
    trainLoading.seed = s.training.seed;
    trainLoading.workers = s.workers;
    trainLoading.cacheBytes = std::size_t{512} << 20;
    // With a frozen prefix, a few fixed augmentation variants per image let the feature cache
    // serve later epochs; without one every epoch gets fresh augmentations, as in torchvision.
    const NetworkImpl& built = *inputs.network.network;
    const bool frozenPrefix = built.frozenBlocks().count(built.blocks().front().name) != 0;
    trainLoading.augmentationVariants =
        augmentation.any() && s.training.featureCache && frozenPrefix ? 4 : 0;
    LoaderOptions validationLoading = trainLoading;
    validationLoading.shuffle = false;
    validationLoading.augmentationVariants = 0;
    inputs.trainLoader = std::make_unique<ImageBatchLoader>(inputs.set.train, inputs.spec,
                                                            augmentation, trainLoading);
    if (!inputs.set.validation.empty()) {
        inputs.validationLoader = std::make_unique<ImageBatchLoader>(
            inputs.set.validation, inputs.spec, AugmentationOptions{}, validationLoading);
    }
    return inputs;
}

Result<TrainingRunResult> runTraining(const RunSettings& requested, const fs::path& runFolder,
                                      bool resume, TrainingControl& control,
                                      const TrainingRunHooks& hooks, RunFailure& failure) {
    RunSettings settings = requested;
    std::optional<RunFolder> run;
    if (resume) {
        auto opened = RunFolder::open(runFolder);
        if (!opened) {
            failure = RunFailure::Usage;
            return opened.error();
        }
        auto recorded = runSettingsFromConfig(opened.value().config());
        if (!recorded) {
            failure = RunFailure::Failure;
            return recorded.error();
        }
        settings = recorded.value();
        run = std::move(opened).value();
    }

    auto prepared = prepareTrainingInputs(settings, runFolder / "project", hooks.download, failure);
    if (!prepared) return prepared.error();
    TrainingInputs& inputs = prepared.value();
    ProjectStore& store = inputs.data.store;
    const TrainingDataSet& set = inputs.set;
    NetworkPtr network = inputs.network.network;

    if (!run) {
        // A searched batch size is recorded as the number found, so a resume uses it again.
        settings.batchSize = inputs.batchSize;
        nlohmann::json description = describeRunSettings(settings);
        if (inputs.batchSizeSearch) {
            description["batch_size_search"] = inputs.batchSizeSearch->explanation;
        }
        description["classes"] = set.classNames;
        description["images"] = {{"train", set.train.size()},
                                 {"validation", set.validation.size()}};
        description["weights_source"] = inputs.network.weightsDescription;
        description["network"]["frozen_blocks"] = frozenBlocksInOrder(*network);
        description["preprocessing"] = toJson(network->preprocessing());
        auto created = RunFolder::create(runFolder, description);
        if (!created) {
            failure = RunFailure::Usage;
            return created.error();
        }
        run = std::move(created).value();
    }

    failure = RunFailure::Failure;
    Trainer trainer(
        network, settings.training,
        {inputs.trainLoader.get(), inputs.validationLoader.get(), set.classNames, set.trainCounts});
    trainer.setCheckpointFolder(run->checkpointFolder());
    if (resume) {
        auto restored = trainer.resumeFromCheckpoint(run->checkpointFolder() / "last.pt");
        if (!restored) return restored.error();
    }

    TrainingRunResult result;
    result.runFolder = fs::absolute(run->path());
    result.architecture = network->architecture();
    result.weightsDescription = inputs.network.weightsDescription;
    result.frozenBlocks = frozenBlocksInOrder(*network);
    result.parameters = countParameters(*network);
    result.classNames = set.classNames;
    result.batchSize = inputs.batchSize;
    if (inputs.batchSizeSearch) result.batchSizeExplanation = inputs.batchSizeSearch->explanation;
    result.trainImages = set.train.size();
    result.validationImages = set.validation.size();
    result.unusableImages = set.unusable;
    if (inputs.data.import) {
        for (const auto& problem : inputs.data.import->unreadable) {
            result.skipped.push_back({std::nullopt, problem.path, problem.message});
        }
    }

    TrainingCallbacks forward = hooks.training;
    forward.onSampleFailure = [&](const SampleFailure& sample) {
        // Remembered in the project, so the GUI and later runs show it.
        (void)store.recordImageError(sample.sampleId, sample.message);
        result.skipped.push_back({sample.sampleId, {}, sample.message});
        if (hooks.training.onSampleFailure) hooks.training.onSampleFailure(sample);
    };
    if (hooks.started) hooks.started(inputs, result.runFolder);
    const TrainingCallbacks recorded = run->callbacks(forward);
    if (recorded.onLog && !result.batchSizeExplanation.empty()) {
        recorded.onLog(result.batchSizeExplanation);
    }
    auto summary = trainer.run(control, recorded);
    if (!summary) return summary.error();
    result.summary = summary.value();
    (void)run->writeSummary(result.summary);

    if (result.summary.outcome != TrainingOutcome::Stopped) {
        const nlohmann::json head = {{"dropout", settings.network.head.dropout},
                                     {"hidden_units", settings.network.head.hiddenUnits}};
        const fs::path modelFile = result.runFolder / "model.safetensors";
        auto saved = saveTrainedModel(modelFile, trainer.network(), set.classNames,
                                      {{"fovea.head", head.dump()}});
        if (!saved) return saved.error();
        result.model = modelFile;
    }
    result.recordingError = run->recordingError();
    return result;
}

}  // namespace fovea::core
