#include "fovea/core/session/training_run.h"

#include <torch/torch.h>

#include "fovea/core/distributed/process_group.h"
#include "fovea/core/session/prediction.h"
#include "fovea/core/session/run_images.h"
#include "fovea/core/session/trained_model.h"
#include "fovea/core/session/training_inputs.h"
#include "fovea/core/training/device_choice.h"
#include "fovea/core/training/run_folder.h"
#include "fovea/core/training/run_folder_layout.h"

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

// What config.json records for a new run: the settings and what preparing it found.
RunConfig describeRun(const RunSettings& settings, const TrainingInputs& inputs,
                      const ProcessGroup* group) {
    RunConfig config;
    config.settings = settings;
    // A searched batch size is recorded as the number found, so a resume uses it again.
    config.settings.batchSize = inputs.batchSize;
    if (inputs.batchSizeSearch) config.batchSizeSearch = inputs.batchSizeSearch->explanation;
    config.classes = inputs.set.classNames;
    config.trainImages = static_cast<std::int64_t>(inputs.set.train.size());
    config.validationImages = static_cast<std::int64_t>(inputs.set.validation.size());
    config.processes = group ? group->worldSize() : 1;
    config.stepsPerEpoch = inputs.trainLoader->batchesPerEpoch();
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
TrainingRunResult describeResult(const fs::path& runFolder, const TrainingInputs& inputs) {
    const NetworkImpl& network = *inputs.network.network;
    const TrainingDataSet& set = inputs.set;
    TrainingRunResult result;
    result.runFolder = fs::absolute(runFolder);
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

// hooks.watch's images predicted by `network` as it is now (between epochs the trainer is idle;
// predictImages restores the network's mode and device).
void predictWatchedImages(const TrainingRunHooks& hooks, NetworkImpl& network,
                          const RunSettings& settings, const std::vector<std::string>& classNames,
                          std::int64_t epoch) {
    if (hooks.watch.files.empty() || !hooks.watch.predicted) return;
    PredictionOptions options;
    options.topK = 1;
    options.workers = 1;
    options.device = settings.training.device;
    hooks.watch.predicted(epoch, predictImages(network, hooks.watch.files, classNames, options));
}

// hooks.training, with each image the loader fails on also recorded in the project and in
// `result`, and the watched images predicted after every epoch.
TrainingCallbacks forwardedCallbacks(const TrainingRunHooks& hooks, ProjectStore& store,
                                     TrainingRunResult& result, const NetworkPtr& network,
                                     const RunSettings& settings) {
    TrainingCallbacks forward = hooks.training;
    forward.onEpoch = [&hooks, &result, network, &settings](const EpochReport& report) {
        if (hooks.training.onEpoch) hooks.training.onEpoch(report);
        predictWatchedImages(hooks, *network, settings, result.classNames, report.epoch);
    };
    forward.onSampleFailure = [&hooks, &store, &result](const SampleFailure& sample) {
        // Remembered in the project, so the GUI and later runs show it.
        (void)store.recordImageError(sample.sampleId, sample.message);
        if (hooks.projectChanged) hooks.projectChanged(store.directory());
        result.skipped.push_back({sample.sampleId, {}, sample.message});
        if (hooks.training.onSampleFailure) hooks.training.onSampleFailure(sample);
    };
    forward.onFrozenBlocksChanged = [&hooks, &result](const std::vector<std::string>& frozen) {
        if (auto recorded = recordFrozenBlocks(result.runFolder, frozen);
            !recorded && hooks.training.onLog) {
            hooks.training.onLog("the new frozen blocks could not be recorded in config.json: " +
                                 recorded.error().message);
        }
        if (hooks.training.onFrozenBlocksChanged) hooks.training.onFrozenBlocksChanged(frozen);
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

// The run from its folder on (`run` exists): every error is also written to the run's log and
// failure.json, so the run list and log.txt say why it ended.
Result<TrainingRunResult> trainInFolder(RunFolder& run, const RunSettings& settings, bool resume,
                                        TrainingInputs& inputs, TrainingControl& control,
                                        const TrainingRunHooks& hooks) {
    ProjectStore& store = inputs.data.store;
    const TrainingDataSet& set = inputs.set;
    NetworkPtr network = inputs.network.network;
    const fs::path& runFolder = run.path();
    // Rewritten on resume: the images this run goes on with.
    if (auto recorded = writeRunImages(runFolder, {dataImages(set.train, set.classNames),
                                                   dataImages(set.validation, set.classNames)});
        !recorded) {
        return withKind(recorded.error(), ErrorKind::Io);
    }

    Trainer trainer(
        network, settings.training,
        {inputs.trainLoader.get(), inputs.validationLoader.get(), set.classNames, set.trainCounts});
    trainer.setProcessGroup(hooks.group);
    trainer.setCheckpointFolder(run.checkpointFolder());
    if (resume) {
        auto restored = trainer.resumeFromCheckpoint(run.checkpointFolder() / "last.pt");
        if (!restored) return withKind(restored.error(), ErrorKind::Internal);
    }

    TrainingRunResult result = describeResult(run.path(), inputs);
    const TrainingCallbacks forward = forwardedCallbacks(hooks, store, result, network, settings);
    if (hooks.started) {
        hooks.started({result.runFolder, set.classNames, set.train.size(), set.validation.size()});
    }
    predictWatchedImages(hooks, *network, settings, set.classNames, -1);
    const TrainingCallbacks recorded = run.callbacks(forward);
    if (recorded.onLog && !result.batchSizeExplanation.empty()) {
        recorded.onLog(result.batchSizeExplanation);
    }
    auto summary = trainer.run(control, recorded);
    if (!summary) return withKind(summary.error(), ErrorKind::Internal);
    result.summary = summary.value();
    (void)run.writeSummary(result.summary);

    if (result.summary.outcome != TrainingOutcome::Stopped) {
        auto model = saveRunModel(result.runFolder, trainer.network(), settings, set.classNames);
        if (!model) return model.error();
        result.model = model.value();
    }
    result.recordingError = run.recordingError();
    return result;
}

Result<TrainingRunResult> failed(RunFolder& run, Error error) {
    (void)run.recordFailure(error.message);
    return error;
}

// This rank's part of each epoch in a distributed run (everything without one);
// prepareTrainingInputs pads the training shard and not the validation one.
DataShard rankShard(const ProcessGroup* group) {
    if (!group) return {};
    return {group->rank(), group->worldSize()};
}

// A rank other than 0 of a distributed run: trains its shard in step with rank 0, which writes
// the run folder (config, metrics, checkpoints, model); this rank appends its log to
// log-rank<N>.txt there. The barriers match rank 0's in runTraining.
Result<TrainingRunResult> trainAsOtherRank(RunSettings settings, const fs::path& runFolder,
                                           bool resume, TrainingControl& control,
                                           const TrainingRunHooks& hooks) {
    ProcessGroup& group = *hooks.group;
    if (resume) {
        auto recorded = readRunConfig(runFolder);
        if (!recorded) return withKind(recorded.error(), ErrorKind::Usage);
        settings = recorded.value().resumeSettings();
    }
    group.barrier();  // rank 0 has given the project's images their splits
    auto prepared =
        prepareTrainingInputs(settings, runFolder / "project", hooks.download, rankShard(&group));
    if (!prepared) return prepared.error();
    TrainingInputs& inputs = prepared.value();
    group.barrier();  // rank 0 has made the run folder
    // The log is best effort: a full disk on a shared folder should not stop the rank's training.
    const auto write = [&runFolder, rank = group.rank()](const std::string& line) {
        (void)appendRankLog(runFolder, rank, line);
    };

    const TrainingDataSet& set = inputs.set;
    Trainer trainer(
        inputs.network.network, settings.training,
        {inputs.trainLoader.get(), inputs.validationLoader.get(), set.classNames, set.trainCounts});
    trainer.setProcessGroup(&group);
    if (resume) {
        auto restored =
            trainer.resumeFromCheckpoint(runFolder / run_layout::kCheckpointFolder / "last.pt");
        if (!restored) return withKind(restored.error(), ErrorKind::Internal);
    }
    TrainingCallbacks callbacks = hooks.training;
    callbacks.onLog = [&](const std::string& line) {
        write(line);
        if (hooks.training.onLog) hooks.training.onLog(line);
    };
    callbacks.onEpoch = [&](const EpochReport& report) {
        write(epochLogMessage(report));
        if (hooks.training.onEpoch) hooks.training.onEpoch(report);
    };
    auto summary = trainer.run(control, callbacks);
    if (!summary) {
        write("failed: " + summary.error().message);
        return withKind(summary.error(), ErrorKind::Internal);
    }
    TrainingRunResult result = describeResult(runFolder, inputs);
    result.summary = summary.value();
    write(std::string("ended: ") + trainingOutcomeName(result.summary.outcome));
    return result;
}

}  // namespace

Result<TrainingRunResult> runTraining(const RunSettings& requested, const fs::path& runFolder,
                                      bool resume, TrainingControl& control,
                                      const TrainingRunHooks& hooks) {
    if (hooks.group && hooks.group->rank() != 0) {
        try {
            return trainAsOtherRank(requested, runFolder, resume, control, hooks);
        } catch (const std::exception& exception) {
            return Error{std::string("training failed: ") + exception.what(), ErrorKind::Internal};
        }
    }
    RunSettings settings = requested;
    std::optional<RunFolder> run;
    if (resume) {
        auto resumed = reopenRun(runFolder);
        if (!resumed) return resumed.error();
        settings = std::move(resumed.value().settings);
        run = std::move(resumed.value().folder);
    }

    const fs::path runProject = runFolder / "project";
    auto prepared =
        prepareTrainingInputs(settings, runProject, hooks.download, rankShard(hooks.group));
    if (!prepared) return run ? failed(*run, prepared.error()) : prepared.error();
    TrainingInputs& inputs = prepared.value();
    // Splits were assigned to images that had none.
    if (hooks.projectChanged) hooks.projectChanged(inputs.data.store.directory());

    try {
        // The other ranks read the project once its splits are written, and write their logs
        // once the run folder exists.
        if (hooks.group) hooks.group->barrier();
        if (!run) {
            auto created =
                RunFolder::create(runFolder, toJson(describeRun(settings, inputs, hooks.group)));
            if (!created) return withKind(created.error(), ErrorKind::Usage);
            run = std::move(created).value();
        }
        if (hooks.group) hooks.group->barrier();
    } catch (const std::exception& exception) {
        return Error{exception.what(), ErrorKind::Internal};
    }
    // LibTorch reports some failures as exceptions (c10::Error is a std::exception); they end
    // the run like any other error, recorded in its folder.
    try {
        auto trained = trainInFolder(*run, settings, resume, inputs, control, hooks);
        if (!trained) return failed(*run, trained.error());
        return trained;
    } catch (const c10::Error& exception) {
        return failed(*run,
                      Error{std::string("training failed: ") + exception.what_without_backtrace(),
                            ErrorKind::Internal});
    } catch (const std::exception& exception) {
        return failed(
            *run, Error{std::string("training failed: ") + exception.what(), ErrorKind::Internal});
    }
}

}  // namespace fovea::core
