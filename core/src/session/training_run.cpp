#include "fovea/core/session/training_run.h"

#include <torch/torch.h>

#include "fovea/core/project/folder_import.h"
#include "fovea/core/session/run_images.h"
#include "fovea/core/session/trained_model.h"
#include "fovea/core/training/device_choice.h"
#include "fovea/core/training/run_folder.h"

namespace fovea::core {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> frozenBlocksInOrder(const NetworkImpl& network) {
    std::vector<std::string> frozen;
    for (const auto& block : network.blocks()) {
        if (network.frozenBlocks().count(block.name)) frozen.push_back(block.name);
    }
    return frozen;
}

}  // namespace

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
                                             const DownloadProgressCallback& download) {
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

namespace {

// What config.json records for a new run: the settings and what preparing it found.
RunConfig describeRun(const RunSettings& settings, const TrainingInputs& inputs) {
    RunConfig config;
    config.settings = settings;
    // A searched batch size is recorded as the number found, so a resume uses it again.
    config.settings.batchSize = inputs.batchSize;
    if (inputs.batchSizeSearch) config.batchSizeSearch = inputs.batchSizeSearch->explanation;
    config.classes = inputs.set.classNames;
    config.trainImages = static_cast<std::int64_t>(inputs.set.train.size());
    config.validationImages = static_cast<std::int64_t>(inputs.set.validation.size());
    config.weightsSource = inputs.network.weightsDescription;
    config.frozenBlocks = frozenBlocksInOrder(*inputs.network.network);
    config.preprocessing = inputs.network.network->preprocessing();
    return config;
}

std::vector<DataImage> dataImages(const std::vector<LabeledImage>& images,
                                  const std::vector<std::string>& classNames) {
    std::vector<DataImage> out;
    out.reserve(images.size());
    for (const LabeledImage& image : images) {
        out.push_back({image.id, image.path, classNames[static_cast<std::size_t>(image.target)]});
    }
    return out;
}

// A run folder reopened to resume, and the settings its run was started with.
struct ResumedRun {
    RunFolder folder;
    RunSettings settings;
};

Result<ResumedRun> reopenRun(const fs::path& runFolder) {
    auto recorded = readRunConfig(runFolder);
    if (!recorded) {
        // A folder that is not a run is the user's mistake; a damaged config.json is not.
        return recorded.error().kind == ErrorKind::Usage
                   ? Error{runFolder.string() + " holds no training run to resume (no " +
                               kRunConfigFile + ")",
                           ErrorKind::Usage}
                   : withKind(recorded.error(), ErrorKind::Internal);
    }
    auto opened = RunFolder::open(runFolder);
    if (!opened) return withKind(opened.error(), ErrorKind::Usage);
    return ResumedRun{std::move(opened).value(), recorded.value().resumeSettings()};
}

// What the result tells before training: the run, its network and its data. Read after a resume
// restored the checkpoint's frozen blocks.
TrainingRunResult describeResult(const RunFolder& run, const TrainingInputs& inputs) {
    const NetworkImpl& network = *inputs.network.network;
    const TrainingDataSet& set = inputs.set;
    TrainingRunResult result;
    result.runFolder = fs::absolute(run.path());
    result.architecture = network.architecture();
    result.weightsDescription = inputs.network.weightsDescription;
    result.frozenBlocks = frozenBlocksInOrder(network);
    result.parameters = countParameters(network);
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
    return result;
}

// hooks.training, with each image the loader fails on also recorded in the project and in
// `result`.
TrainingCallbacks forwardedCallbacks(const TrainingRunHooks& hooks, ProjectStore& store,
                                     TrainingRunResult& result) {
    TrainingCallbacks forward = hooks.training;
    forward.onSampleFailure = [&hooks, &store, &result](const SampleFailure& sample) {
        // Remembered in the project, so the GUI and later runs show it.
        (void)store.recordImageError(sample.sampleId, sample.message);
        if (hooks.projectChanged) hooks.projectChanged(store.directory());
        result.skipped.push_back({sample.sampleId, {}, sample.message});
        if (hooks.training.onSampleFailure) hooks.training.onSampleFailure(sample);
    };
    return forward;
}

// model.safetensors in the run folder, with the head settings a later load rebuilds it from.
Result<fs::path> saveRunModel(const fs::path& runFolder, const NetworkImpl& network,
                              const RunSettings& settings,
                              const std::vector<std::string>& classNames) {
    const nlohmann::json head = {{"dropout", settings.network.head.dropout},
                                 {"hidden_units", settings.network.head.hiddenUnits}};
    const fs::path modelFile = runFolder / "model.safetensors";
    auto saved = saveTrainedModel(modelFile, network, classNames, {{"fovea.head", head.dump()}});
    if (!saved) return withKind(saved.error(), ErrorKind::Io);
    return modelFile;
}

}  // namespace

Result<TrainingRunResult> runTraining(const RunSettings& requested, const fs::path& runFolder,
                                      bool resume, TrainingControl& control,
                                      const TrainingRunHooks& hooks) {
    RunSettings settings = requested;
    std::optional<RunFolder> run;
    if (resume) {
        auto resumed = reopenRun(runFolder);
        if (!resumed) return resumed.error();
        settings = std::move(resumed.value().settings);
        run = std::move(resumed.value().folder);
    }

    const fs::path runProject = runFolder / "project";
    auto prepared = prepareTrainingInputs(settings, runProject, hooks.download);
    if (!prepared) return prepared.error();
    TrainingInputs& inputs = prepared.value();
    ProjectStore& store = inputs.data.store;
    const TrainingDataSet& set = inputs.set;
    NetworkPtr network = inputs.network.network;
    // Splits were assigned to images that had none.
    if (hooks.projectChanged) hooks.projectChanged(store.directory());

    if (!run) {
        auto created = RunFolder::create(runFolder, toJson(describeRun(settings, inputs)));
        if (!created) return withKind(created.error(), ErrorKind::Usage);
        run = std::move(created).value();
    }
    // Rewritten on resume: the images this run goes on with.
    if (auto recorded = writeRunImages(runFolder, {dataImages(set.train, set.classNames),
                                                   dataImages(set.validation, set.classNames)});
        !recorded) {
        return withKind(recorded.error(), ErrorKind::Io);
    }

    Trainer trainer(
        network, settings.training,
        {inputs.trainLoader.get(), inputs.validationLoader.get(), set.classNames, set.trainCounts});
    trainer.setCheckpointFolder(run->checkpointFolder());
    if (resume) {
        auto restored = trainer.resumeFromCheckpoint(run->checkpointFolder() / "last.pt");
        if (!restored) return withKind(restored.error(), ErrorKind::Internal);
    }

    TrainingRunResult result = describeResult(*run, inputs);
    const TrainingCallbacks forward = forwardedCallbacks(hooks, store, result);
    if (hooks.started) hooks.started(inputs, result.runFolder);
    const TrainingCallbacks recorded = run->callbacks(forward);
    if (recorded.onLog && !result.batchSizeExplanation.empty()) {
        recorded.onLog(result.batchSizeExplanation);
    }
    auto summary = trainer.run(control, recorded);
    if (!summary) return withKind(summary.error(), ErrorKind::Internal);
    result.summary = summary.value();
    (void)run->writeSummary(result.summary);

    if (result.summary.outcome != TrainingOutcome::Stopped) {
        auto model = saveRunModel(result.runFolder, trainer.network(), settings, set.classNames);
        if (!model) return model.error();
        result.model = model.value();
    }
    result.recordingError = run->recordingError();
    return result;
}

}  // namespace fovea::core
