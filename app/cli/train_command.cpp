#include "train_command.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli_output.h"
#include "common_options.h"
#include "detection_commands.h"
#include "exit_codes.h"
#include "fovea/core/count_text.h"
#include "fovea/core/distributed/launch_environment.h"
#include "fovea/core/distributed/process_group.h"
#include "fovea/core/image/augmentation.h"
#include "fovea/core/loader/image_batch_loader.h"
#include "fovea/core/models/preprocessing_json.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/session/run_records.h"
#include "fovea/core/session/run_settings.h"
#include "fovea/core/session/trained_model.h"
#include "fovea/core/session/training_data.h"
#include "fovea/core/training/device_choice.h"
#include "fovea/core/training/report_json.h"
#include "fovea/core/training/run_folder.h"
#include "fovea/core/training/trainer.h"

namespace fovea::cli {
namespace {

// Set by SIGINT/SIGTERM; a watcher thread turns it into a stop request (TrainingControl is not
// async-signal-safe, an atomic flag is).
std::atomic<bool> g_interrupted{false};

extern "C" void onInterrupt(int) { g_interrupted.store(true); }

// Installs the handlers for the lifetime of a training run and forwards the flag.
class InterruptWatcher {
  public:
    explicit InterruptWatcher(core::TrainingControl& control) {
        g_interrupted.store(false);
        m_previousInt = std::signal(SIGINT, onInterrupt);
        m_previousTerm = std::signal(SIGTERM, onInterrupt);
        m_thread = std::thread([this, &control] {
            while (!m_done.load()) {
                if (g_interrupted.load()) {
                    control.requestStop();
                    return;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        });
    }
    ~InterruptWatcher() {
        m_done.store(true);
        m_thread.join();
        std::signal(SIGINT, m_previousInt);
        std::signal(SIGTERM, m_previousTerm);
    }
    bool interrupted() const { return g_interrupted.load(); }

  private:
    std::atomic<bool> m_done{false};
    std::thread m_thread;
    void (*m_previousInt)(int) = SIG_DFL;
    void (*m_previousTerm)(int) = SIG_DFL;
};

std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> items;
    std::stringstream stream(text);
    for (std::string item; std::getline(stream, item, ',');) {
        if (!item.empty()) items.push_back(item);
    }
    return items;
}

std::string epochLine(const core::EpochReport& r, std::int64_t epochs) {
    char text[256];
    std::snprintf(text, sizeof text, "epoch %lld/%lld: train loss %.4f acc %.3f",
                  static_cast<long long>(r.epoch + 1), static_cast<long long>(epochs), r.trainLoss,
                  r.trainAccuracy);
    std::string line = text;
    if (r.hasValidation) {
        std::snprintf(text, sizeof text, ", val loss %.4f acc %.3f", r.validationLoss,
                      r.validationAccuracy);
        line += text;
    }
    std::snprintf(text, sizeof text, " (%.1f img/s, %s)%s", r.imagesPerSecond,
                  formatDuration(r.seconds).c_str(), r.improved ? " *" : "");
    return line + text;
}

}  // namespace

void addFreezeOptions(CLI::App* command, TrainOptions& o) {
    auto* upTo = command->add_option("--freeze-up-to", o.network.freezeUpTo,
                                     "freeze every block up to and including BLOCK");
    command
        ->add_option("--freeze", o.freezeList,
                     "freeze exactly these blocks (A,B,...; none: train every block)")
        ->excludes(upTo);
}

core::Result<std::optional<std::vector<std::string>>> parseFreezeList(const std::string& text) {
    if (text.empty()) return std::optional<std::vector<std::string>>{};
    if (text == "none") return std::optional<std::vector<std::string>>{std::vector<std::string>{}};
    std::vector<std::string> blocks = splitList(text);
    if (blocks.empty()) {
        return core::Error{"--freeze '" + text + "' names no block (A,B,... or none)"};
    }
    return std::optional<std::vector<std::string>>{std::move(blocks)};
}

core::Result<std::int64_t> parseBatchSize(const std::string& text) {
    if (text == "auto") return core::kAutoBatchSize;
    try {
        std::size_t used = 0;
        const long long value = std::stoll(text, &used);
        if (used == text.size() && value > 0) return static_cast<std::int64_t>(value);
    } catch (const std::exception&) {
    }
    return core::Error{"--batch-size '" + text + "': expected a positive number or auto"};
}

void addBatchSizeOption(CLI::App* command, TrainOptions& o) {
    command
        ->add_option("--batch-size", o.batchSizeText,
                     "images per batch, or auto: the largest power of two that fits the GPU")
        ->capture_default_str();
}

core::Result<void> applyCommonTrainingOptions(TrainOptions& o) {
    auto batchSize = parseBatchSize(o.batchSizeText);
    if (!batchSize) return batchSize.error();
    o.batchSize = batchSize.value();
    if (o.channelsLast && o.defaultLayout) {
        return core::Error{"--channels-last and --no-channels-last exclude each other"};
    }
    if (o.channelsLast) o.training.channelsLast = true;
    if (o.defaultLayout) o.training.channelsLast = false;
    return {};
}

CLI::App* addTrainCommand(CLI::App& app, TrainOptions& o) {
    auto* command =
        app.add_subcommand("train", "Fine-tune a network on an image folder or project");
    command->add_option("--data", o.data,
                        "ImageFolder (DIR/class/*.jpg, DIR/train|val/class/...), a Fovea project "
                        "folder, or images with COCO, YOLO or Pascal VOC box files (a detector "
                        "then trains; the boxes are imported into OUT/project)");
    command->add_option("--out", o.runFolder, "run folder to create (or, with --resume, reopen)")
        ->required();
    command->add_option("--arch", o.network.architecture, "architecture, see `fovea-cli models`");
    command->add_option("--weights", o.network.weights, "default | none | PATH | URL")
        ->capture_default_str();
    command->add_option("--epochs", o.training.epochs, "epochs")->capture_default_str();
    addBatchSizeOption(command, o);
    command->add_option("--image-size", o.network.imageSize,
                        "network input size in pixels (default: the weights' own)");
    command->add_option("--lr", o.training.learningRate, "learning rate (onecycle: the maximum)")
        ->capture_default_str();
    command->add_option("--optimizer", o.optimizer, "sgd | adamw")
        ->check(CLI::IsMember({"sgd", "adamw"}))
        ->capture_default_str();
    command->add_option("--schedule", o.schedule, "constant | step | cosine | onecycle")
        ->check(CLI::IsMember({"constant", "step", "cosine", "onecycle"}))
        ->capture_default_str();
    command->add_option("--warmup-epochs", o.training.warmupEpochs, "linear warmup");
    command->add_option("--weight-decay", o.training.weightDecay, "not on biases and norms")
        ->capture_default_str();
    addFreezeOptions(command, o);
    command
        ->add_option("--val-fraction", o.validationFraction,
                     "share of each class held out for validation when the data has no "
                     "val folder")
        ->check(CLI::Range(0.0, 0.9))
        ->capture_default_str();
    command->add_option("--seed", o.training.seed, "random seed")->capture_default_str();
    addDeviceOption(command, o.device);
    addPrecisionOption(command, o.precision, "")->capture_default_str();
    command->add_flag("--channels-last", o.channelsLast,
                      "channels-last memory layout (the default for convolutional networks)");
    command->add_flag("--no-channels-last", o.defaultLayout, "the default memory layout");
    command->add_option("--augment", o.augmentText, "none | light | strong")
        ->check(CLI::IsMember({"none", "light", "strong"}))
        ->capture_default_str();
    command->add_option("--early-stop", o.training.earlyStopPatience,
                        "stop after N epochs without a better validation loss (0: never)");
    command->add_option("--label-smoothing", o.training.labelSmoothing, "0 to 0.9")
        ->check(CLI::Range(0.0, 0.9));
    command->add_flag("--class-weights", o.training.classWeightedLoss,
                      "weight the loss by inverse class frequency");
    command->add_flag("--sync-batchnorm", o.training.syncBatchNorm,
                      "distributed runs: BatchNorm layers that train normalise with the whole "
                      "global batch's statistics (PyTorch's SyncBatchNorm), not each process's");
    command->add_option("--workers", o.workers, "image decoding threads (0: one per core)");
    command->add_flag("--resume", o.resume, "continue the run in --out from its last checkpoint");
    command->add_option("--min-size", o.minSize,
                        "detection projects: the shorter image side the detector sees (default: "
                        "the architecture's, 320 or 800)");
    command->add_option("--max-size", o.maxSize,
                        "detection projects: the longer side's limit (default: scaled as the "
                        "architecture's)");
    command->add_option("--trainable-backbone-layers", o.trainableBackboneLayers,
                        "detection projects: backbone stages that train, counted from the last "
                        "(default: 3 from weights, all without); --freeze fpn,rpn,box_head,"
                        "box_predictor freezes the other parts");
    o.command = command;
    command->add_option("--settings", o.settingsFile,
                        "take every training setting from FILE (a run's settings as JSON, which "
                        "the workbench's Cluster Command writes); --data, if given, still "
                        "applies");
    addJsonFlag(command, o.json);
    return command;
}

core::DownloadProgressCallback downloadProgress(ProgressDisplay& progress) {
    return [&progress](const core::DownloadProgress& p) {
        if (p.totalBytes > 0) {
            progress.update(double(p.receivedBytes) / double(p.totalBytes), "downloading weights",
                            std::to_string(p.receivedBytes >> 20) + " MiB", 0);
        }
    };
}

namespace {

// --settings FILE: the run's settings as the workbench has them, heads and per-block learning
// rates included, which no flags express; --data on the command line wins over the file's.
core::Result<void> applySettingsFile(TrainOptions& o) {
    std::ifstream file(o.settingsFile);
    if (!file) return core::Error{"--settings " + o.settingsFile.string() + ": cannot read it"};
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(file);
    } catch (const std::exception& e) {
        return core::Error{"--settings " + o.settingsFile.string() + ": not JSON (" + e.what() +
                           ")"};
    }
    auto settings = core::runSettingsFromJson(json);
    if (!settings) {
        return core::Error{"--settings " + o.settingsFile.string() + ": " +
                           settings.error().message};
    }
    const std::filesystem::path data = o.data;
    static_cast<core::RunSettings&>(o) = std::move(settings).value();
    if (!data.empty()) o.data = data;
    return {};
}

// The options a new run needs, parsed into the settings (a resumed run reads its own).
core::Result<void> parseNewRunOptions(TrainOptions& o) {
    if (!o.settingsFile.empty()) {
        if (auto applied = applySettingsFile(o); !applied) return applied;
        if (o.data.empty()) return core::Error{"train needs --data DIR (or data in --settings)"};
        return {};
    }
    if (o.data.empty()) return core::Error{"train needs --data DIR"};
    if (o.network.architecture.empty()) return core::Error{"train needs --arch NAME"};
    if (!core::findArchitecture(o.network.architecture)) {
        return core::Error{"unknown architecture '" + o.network.architecture +
                           "' (see fovea-cli models)"};
    }
    auto freeze = parseFreezeList(o.freezeList);
    if (!freeze) return freeze.error();
    o.network.freeze = freeze.value();
    o.training.optimizer = core::parseOptimizerKind(o.optimizer).value();
    o.training.schedule.kind = core::parseScheduleKind(o.schedule).value();
    o.training.device = core::parseDevicePreference(o.device).value();
    o.training.precision = core::parsePrecision(o.precision).value();
    o.augment = core::parseAugmentationLevel(o.augmentText).value();
    return applyCommonTrainingOptions(o);
}

// The epochs the progress bar counts: a resumed run's own, else the option's.
std::int64_t progressEpochs(const TrainOptions& o) {
    if (o.resume) {
        if (auto recorded = core::readRunConfig(o.runFolder)) {
            return recorded.value().settings.training.epochs;
        }
    }
    return o.training.epochs;
}

// Downloads, batches, epochs and log lines drawn on `progress`.
core::TrainingRunHooks progressHooks(ProgressDisplay& progress, std::int64_t epochs) {
    core::TrainingRunHooks hooks;
    hooks.download = downloadProgress(progress);
    hooks.started = [&progress](const core::TrainingStart&) { progress.finishLine(); };
    hooks.training.onBatch = [&progress, epochs](const core::BatchProgress& p) {
        const double done = (double(p.epoch) + double(p.batch + 1) / p.batchesInEpoch) /
                            static_cast<double>(epochs);
        char detail[96];
        std::snprintf(detail, sizeof detail, "loss %.4f, %.1f img/s", p.loss, p.imagesPerSecond);
        progress.update(done, "epoch " + std::to_string(p.epoch + 1) + "/" + std::to_string(epochs),
                        detail, p.etaSeconds);
    };
    hooks.training.onEpoch = [&progress, epochs](const core::EpochReport& r) {
        progress.line(epochLine(r, epochs));
    };
    hooks.training.onLog = [&progress](const std::string& line) { progress.line(line); };
    return hooks;
}

nlohmann::json skippedJson(const std::vector<core::SkippedImage>& skippedImages) {
    nlohmann::json skipped = nlohmann::json::array();
    for (const auto& image : skippedImages) {
        nlohmann::json entry = {{"error", image.message}};
        if (image.imageId) entry["image_id"] = *image.imageId;
        if (!image.path.empty()) entry["path"] = image.path.string();
        skipped.push_back(entry);
    }
    return skipped;
}

nlohmann::json resultJson(const core::TrainingRunResult& run) {
    const core::TrainingSummary& s = run.summary;
    nlohmann::json result = {
        {"run_folder", run.runFolder.string()},
        {"outcome", core::trainingOutcomeName(s.outcome)},
        {"message", s.message},
        {"device", s.device},
        {"architecture", run.architecture},
        {"weights", run.weightsDescription},
        {"frozen_blocks", run.frozenBlocks},
        {"parameters", {{"total", run.parameters.total}, {"trainable", run.parameters.trainable}}},
        {"classes", run.classNames},
        {"images",
         {{"train", run.trainImages},
          {"validation", run.validationImages},
          {"unusable", run.unusableImages}}},
        {"skipped", skippedJson(run.skipped)},
        {"batch_size", run.batchSize},
        {"channels_last", s.channelsLast},
        {"precision", core::precisionName(s.precision)},
        {"epochs_completed", s.epochsCompleted},
        {"feature_cache_hits", s.featureCacheHits}};
    if (!s.history.empty()) {
        const auto& last = s.history.back();
        result["train_loss"] = last.trainLoss;
        result["train_accuracy"] = last.trainAccuracy;
        if (last.hasValidation) {
            result["val_loss"] = last.validationLoss;
            result["val_accuracy"] = last.validationAccuracy;
        }
    }
    if (s.bestEpoch) {
        result["best_epoch"] = *s.bestEpoch + 1;
        result["best_val_loss"] = s.bestMetric;
        const auto& best = s.history[static_cast<std::size_t>(*s.bestEpoch)];
        result["val_accuracy"] = best.validationAccuracy;  // the weights kept
        result["val_loss"] = best.validationLoss;
    }
    if (!run.batchSizeExplanation.empty()) result["batch_size_search"] = run.batchSizeExplanation;
    if (s.lossScale > 0) {
        result["loss_scale"] = {{"final", s.lossScale},
                                {"overflow_skipped_steps", s.overflowSkippedSteps}};
    }
    if (run.model) result["model"] = run.model->string();
    if (run.recordingError) result["recording_error"] = run.recordingError->message;
    return result;
}

// The result for people; the validation accuracy is the one `result` reports.
std::string resultText(const core::TrainingRunResult& run, const nlohmann::json& result) {
    const core::TrainingSummary& s = run.summary;
    std::ostringstream lines;
    lines << "Run " << core::trainingOutcomeName(s.outcome) << " after "
          << core::countText(s.epochsCompleted, "epoch") << " on " << s.device << ": "
          << run.runFolder.string() << "\n";
    if (!run.batchSizeExplanation.empty()) lines << "Auto " << run.batchSizeExplanation << "\n";
    lines << "Trained " << run.parameters.trainable << " of " << run.parameters.total
          << " parameters";
    if (!run.frozenBlocks.empty()) {
        lines << " (frozen:";
        for (std::size_t i = 0; i < run.frozenBlocks.size(); ++i)
            lines << (i == 0 ? " " : ", ") << run.frozenBlocks[i];
        lines << ")";
    }
    lines << "\n";
    if (result.contains("val_accuracy")) {
        lines << "Validation accuracy " << result.at("val_accuracy").get<double>() << "\n";
    }
    if (!run.skipped.empty()) lines << run.skipped.size() << " unreadable images skipped\n";
    if (s.outcome == core::TrainingOutcome::Stopped) {
        lines << "Stopped; continue with: fovea-cli train --out " << run.runFolder.string()
              << " --resume\n";
    }
    return lines.str();
}

// FNV-1a: the same on every machine and build, unlike std::hash.
std::uint64_t stableHash(const std::string& text) {
    std::uint64_t hash = 14695981039346656037ull;
    for (const unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
    return hash;
}

// Joins the process group a launcher (torchrun, a PyTorchJob, a Slurm script) describes in the
// environment; null without one. Every rank takes rank 0's run folder, and new runs check
// that every rank was given the same settings.
core::Result<std::unique_ptr<core::ProcessGroup>> joinLaunchedGroup(TrainOptions& o) {
    auto launch = core::readLaunchEnvironment();
    if (!launch) return launch.error();
    if (!launch.value()) return std::unique_ptr<core::ProcessGroup>();
    // How long to wait for the other ranks: to join, and at every step (default 120 s).
    std::chrono::milliseconds timeout = core::kDefaultDistributedTimeout;
    if (const auto seconds = core::processEnvironment("FOVEA_DISTRIBUTED_TIMEOUT")) {
        try {
            timeout = std::chrono::milliseconds(std::llround(std::stod(*seconds) * 1000));
        } catch (const std::exception&) {
            return core::Error{
                "FOVEA_DISTRIBUTED_TIMEOUT=" + *seconds + " is not a number of seconds",
                core::ErrorKind::Usage};
        }
    }
    core::useCudaDevice(launch.value()->localRank);
    auto group = core::ProcessGroup::join(*launch.value(), timeout);
    if (!group) return group.error();
    core::ProcessGroup& joined = *group.value();
    try {
        o.runFolder = joined.shareText("run_folder", o.runFolder.string());
        const std::string settings =
            o.resume ? std::string("resume") : core::toJson(core::RunSettings(o)).dump();
        if (!joined.allEqual(stableHash(settings))) {
            return core::Error{"rank " + std::to_string(joined.rank()) +
                                   ": the ranks were started with different training settings; "
                                   "start every rank with the same command line",
                               core::ErrorKind::Usage};
        }
    } catch (const std::exception& e) {
        return core::Error{e.what(), core::ErrorKind::Io};
    }
    return group;
}

int exitCodeForOutcome(core::TrainingOutcome outcome) {
    if (outcome == core::TrainingOutcome::Diverged) return kExitFailure;
    if (outcome == core::TrainingOutcome::Stopped) return kExitInterrupted;
    return kExitSuccess;
}

}  // namespace

int trainRun(TrainOptions o, nlohmann::json& result, std::string& text) {
    const bool json = o.json;
    // A detection project (or run) trains a detector: the task decides, not a flag.
    if (isDetectionTraining(o)) return runDetectionTrain(o);
    if (!o.resume) {
        if (auto parsed = parseNewRunOptions(o); !parsed) {
            return reportError(json, kExitUsage, parsed.error().message);
        }
    }
    auto group = joinLaunchedGroup(o);
    if (!group) return reportError(json, exitCodeFor(group.error().kind), group.error().message);

    ProgressDisplay progress;
    core::TrainingRunHooks hooks = progressHooks(progress, progressEpochs(o));
    hooks.group = group.value().get();
    // Progress on the terminal is rank 0's (torchrun shows every rank's output); the other
    // ranks' go to their log-rank<N>.txt.
    if (hooks.group && hooks.group->rank() != 0) hooks.training = {};
    core::TrainingControl control;
    core::Result<core::TrainingRunResult> ran = core::Error{""};
    {
        InterruptWatcher watcher(control);
        ran = core::runTraining(o, o.runFolder, o.resume, control, hooks);
    }
    progress.finishLine();
    if (!ran) return reportError(json, exitCodeFor(ran.error().kind), ran.error().message);
    const core::TrainingRunResult& run = ran.value();
    result = resultJson(run);
    text = resultText(run, result);
    return exitCodeForOutcome(run.summary.outcome);
}

int runTrain(TrainOptions o) {
    const bool json = o.json;
    nlohmann::json result;
    std::string text;
    const int code = trainRun(std::move(o), result, text);
    if (!result.is_null()) printResult(json, result, text);
    return code;
}

}  // namespace fovea::cli
