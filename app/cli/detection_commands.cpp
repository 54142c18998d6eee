#include "detection_commands.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "cli_output.h"
#include "detection_folder.h"
#include "exit_codes.h"
#include "fovea/core/atomic_file.h"
#include "fovea/core/project/detection_import.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/session/detection_demo.h"
#include "fovea/core/session/detection_freezing.h"
#include "fovea/core/session/detection_model.h"
#include "fovea/core/session/detection_training.h"
#include "fovea/core/session/prediction.h"

namespace fovea::cli {
namespace fs = std::filesystem;

namespace {

constexpr const char* kEvaluationFile = "evaluation.json";

// SIGINT/SIGTERM -> a stop request, as train's watcher does for classification runs.
std::atomic<bool> g_stop{false};
extern "C" void onDetectionInterrupt(int) { g_stop.store(true); }

class StopOnSignal {
  public:
    explicit StopOnSignal(core::TrainingControl& control) {
        g_stop.store(false);
        m_previousInt = std::signal(SIGINT, onDetectionInterrupt);
        m_previousTerm = std::signal(SIGTERM, onDetectionInterrupt);
        m_thread = std::thread([this, &control] {
            while (!m_done.load()) {
                if (g_stop.load()) {
                    control.requestStop();
                    return;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        });
    }
    ~StopOnSignal() {
        m_done.store(true);
        m_thread.join();
        std::signal(SIGINT, m_previousInt);
        std::signal(SIGTERM, m_previousTerm);
    }

  private:
    std::atomic<bool> m_done{false};
    std::thread m_thread;
    void (*m_previousInt)(int) = SIG_DFL;
    void (*m_previousTerm)(int) = SIG_DFL;
};

bool given(const TrainOptions& o, const char* flag) {
    return o.command != nullptr && o.command->count(flag) > 0;
}

std::string figureText(const std::optional<double>& value) {
    if (!value) return "-";
    char text[32];
    std::snprintf(text, sizeof text, "%.4f", *value);
    return text;
}

std::string metricsText(const core::detection::CocoMetrics& m,
                        const std::vector<std::string>& classNames) {
    std::ostringstream text;
    text << "mAP@[.5:.95] " << figureText(m.map) << "  AP50 " << figureText(m.ap50) << "  AP75 "
         << figureText(m.ap75) << "  AR@100 " << figureText(m.ar) << "\n";
    for (const auto& c : m.perClass) {
        text << "  " << classNames[static_cast<std::size_t>(c.classIndex)] << ": AP "
             << figureText(c.ap) << ", AP50 " << figureText(c.ap50) << " (" << c.truthBoxes
             << " boxes, " << c.detections << " detections)\n";
    }
    return text.str();
}

// Trains with a progress bar on stderr, Ctrl-C (SIGINT) or SIGTERM stopping the run with a
// checkpoint. `s.epochs`: the run's epochs, for the bar.
core::Result<core::DetectionTrainingResult> trainWithProgress(
    const core::DetectionTrainingSettings& s, const fs::path& runFolder, bool resume) {
    ProgressDisplay progress;
    core::DetectionTrainingHooks hooks;
    const std::int64_t epochs = s.epochs;
    hooks.started = [&](const core::DetectionTrainingStart&) { progress.finishLine(); };
    hooks.onBatch = [&](const core::DetectionBatchProgress& p) {
        const double done =
            (double(p.epoch) + double(p.batch + 1) / double(p.batchesInEpoch)) / double(epochs);
        char detail[96];
        std::snprintf(detail, sizeof detail, "loss %.4f, %.1f img/s", p.loss, p.imagesPerSecond);
        progress.update(done, "epoch " + std::to_string(p.epoch + 1) + "/" + std::to_string(epochs),
                        detail, p.etaSeconds);
    };
    hooks.onLog = [&](const std::string& line) { progress.line(line); };
    hooks.onDownload = downloadProgress(progress);
    core::TrainingControl control;
    core::Result<core::DetectionTrainingResult> ran = core::Error{""};
    {
        StopOnSignal watcher(control);
        ran = core::runDetectionTraining(s, runFolder, resume, control, hooks);
    }
    progress.finishLine();
    return ran;
}

std::string trainingText(const core::DetectionTrainingResult& run) {
    std::ostringstream text;
    text << "Run " << core::trainingOutcomeName(run.outcome) << " after " << run.epochsCompleted
         << " epochs on " << run.device << ": " << run.runFolder.string() << "\n";
    text << "Trained " << run.trainableParameters << " of " << run.totalParameters
         << " parameters of " << run.architecture << " (" << run.weightsDescription << ")\n";
    if (run.bestEpoch) {
        const auto& best = run.history[static_cast<std::size_t>(*run.bestEpoch)];
        text << "Best validation (epoch " << *run.bestEpoch + 1
             << "): " << metricsText(best.validation, run.classNames);
    }
    if (!run.skipped.empty()) text << run.skipped.size() << " unreadable images skipped\n";
    if (run.outcome == core::TrainingOutcome::Stopped) {
        text << "Stopped; continue with: fovea-cli train --out " << run.runFolder.string()
             << " --resume\n";
    }
    if (!run.message.empty()) text << run.message << "\n";
    return text.str();
}

// --freeze for a detector: short part names (fpn, rpn, box_head, box_predictor), comma
// separated, or none.
core::Result<std::vector<std::string>> parseFrozenParts(const std::string& text) {
    std::vector<std::string> parts;
    if (text.empty() || text == "none") return parts;
    std::stringstream list(text);
    std::string name;
    while (std::getline(list, name, ',')) {
        const auto part = core::detectorPartFromShortName(name);
        if (!part) {
            return core::Error{"--freeze '" + text + "': '" + name +
                               "' is not a detector part (fpn, rpn, box_head, box_predictor or "
                               "none; backbone stages: --trainable-backbone-layers)"};
        }
        parts.push_back(*part);
    }
    if (auto checked = core::checkFrozenParts(parts); !checked) {
        return core::Error{"--freeze '" + text + "': " + checked.error().message};
    }
    return parts;
}

}  // namespace

bool isDetectionTraining(const TrainOptions& o) {
    if (o.resume) return core::isDetectionRun(o.runFolder);
    if (isBoxFolder(o.data)) return true;
    if (o.data.empty() || !core::ProjectStore::exists(o.data)) return false;
    auto store = core::ProjectStore::open(o.data);
    return store && store.value().projectTask() == core::ProjectTask::Detection;
}

int runDetectionTrain(const TrainOptions& o) {
    const bool json = o.json;
    core::DetectionTrainingSettings s;
    if (!o.resume) {
        s.project = o.data;
        // Images with box files: a project inside the run folder holds them (imported once; a
        // folder that already holds a run is refused by the training below, untouched).
        if (isBoxFolder(o.data)) {
            s.project = o.runFolder / kImportedProjectFolder;
            if (!fs::exists(o.runFolder / "config.json")) {
                auto imported = importBoxFolder(o.data, s.project, json);
                if (!imported) {
                    return reportError(json, exitCodeFor(imported.error().kind),
                                       imported.error().message);
                }
            }
        }
        // Nothing chosen: fasterrcnn_mobilenet_v2_fpn from the offline weights (no network).
        if (!o.network.architecture.empty()) s.architecture = o.network.architecture;
        // default (the backbone's classification weights), none, a file or a URL.
        s.weights = o.network.weights.empty() ? "default" : o.network.weights;
        s.trainableBackboneLayers = o.trainableBackboneLayers;
        if (given(o, "--freeze-up-to")) {
            return reportError(json, kExitUsage,
                               "--freeze-up-to names classification blocks; a detector takes "
                               "--trainable-backbone-layers N and --freeze fpn,rpn,box_head,"
                               "box_predictor");
        }
        auto frozen = parseFrozenParts(o.freezeList);
        if (!frozen) return reportError(json, kExitUsage, frozen.error().message);
        s.frozenParts = frozen.value();
        s.minSize = o.minSize;
        s.maxSize = o.maxSize;
        s.epochs = o.training.epochs;
        if (given(o, "--batch-size")) {
            auto batchSize = parseBatchSize(o.batchSizeText);
            if (!batchSize || batchSize.value() == core::kAutoBatchSize) {
                return reportError(
                    json, kExitUsage,
                    "--batch-size " + o.batchSizeText + ": detection runs take a positive number");
            }
            s.batchSize = batchSize.value();
        }
        if (given(o, "--optimizer")) s.optimizer = core::parseOptimizerKind(o.optimizer).value();
        if (given(o, "--lr")) {
            s.learningRate = o.training.learningRate;
        } else if (s.optimizer == core::OptimizerKind::AdamW) {
            s.learningRate = 1e-4;
        }
        if (given(o, "--weight-decay")) s.weightDecay = o.training.weightDecay;
        if (given(o, "--schedule")) s.schedule.kind = core::parseScheduleKind(o.schedule).value();
        s.warmupEpochs = o.training.warmupEpochs;
        s.validationFraction = o.validationFraction;
        s.seed = o.training.seed;
        s.device = core::parseDevicePreference(o.device).value();
        if (o.augmentText == "none") {
            s.augmentation = {false, 1.0, 0.0};
        } else if (o.augmentText == "strong") {
            s.augmentation = {true, 0.75, 0.5};
        }
    }
    if (o.resume) {
        // The progress bar counts the run's own epochs.
        if (auto config = core::files::readWholeFile(o.runFolder / "config.json")) {
            const auto parsed = nlohmann::json::parse(config.value(), nullptr, false);
            if (parsed.is_object() && parsed.contains("settings")) {
                s.epochs = parsed["settings"].value("epochs", s.epochs);
            }
        }
    }
    auto ran = trainWithProgress(s, o.runFolder, o.resume);
    if (!ran) return reportError(json, exitCodeFor(ran.error().kind), ran.error().message);
    const core::DetectionTrainingResult& run = ran.value();
    const nlohmann::json result = core::toJson(run);
    const std::string text = trainingText(run);
    printResult(json, result, text);
    if (run.outcome == core::TrainingOutcome::Diverged) return kExitFailure;
    if (run.outcome == core::TrainingOutcome::Stopped) return kExitInterrupted;
    return kExitSuccess;
}

int runDetectionEval(const EvalOptions& o) {
    const bool json = o.json;
    core::DetectionEvaluationOptions options;
    options.project = o.data;
    // Images with box files: evaluated through a temporary project holding their boxes.
    std::optional<TemporaryProjectFolder> temporary;
    if (isBoxFolder(o.data)) {
        temporary.emplace();
        if (temporary->path().empty()) {
            return reportError(json, kExitFailure,
                               "no temporary folder to import " + o.data.string() + " into");
        }
        options.project = temporary->path() / kImportedProjectFolder;
        auto imported = importBoxFolder(o.data, options.project, json);
        if (!imported) {
            return reportError(json, exitCodeFor(imported.error().kind), imported.error().message);
        }
    }
    options.split = o.split;
    if (o.batchSize > 0) options.batchSize = o.batchSize;
    options.device = core::parseDevicePreference(o.device).value();
    ProgressDisplay progress;
    auto evaluated =
        core::evaluateDetectionRun(o.run, options, [&](std::size_t done, std::size_t total) {
            progress.update(double(done) / double(total), "detecting",
                            std::to_string(done) + "/" + std::to_string(total) + " images", 0);
        });
    progress.finishLine();
    if (!evaluated) {
        return reportError(json, exitCodeFor(evaluated.error().kind), evaluated.error().message);
    }
    const core::DetectionEvaluation& e = evaluated.value();
    nlohmann::json result = core::metricsJson(e.metrics, e.classNames);
    result["task"] = core::kDetectionTask;
    result["run"] = fs::absolute(o.run).string();
    result["split"] = e.split;
    result["classes"] = e.classNames;
    nlohmann::json errors;
    for (int i = 0; i < 6; ++i) {
        errors[core::detection::detectionOutcomeName(
            static_cast<core::detection::DetectionOutcome>(i))] = e.errors.counts[std::size_t(i)];
    }
    errors["missed"] = e.errors.missed.size();
    result["errors"] = errors;

    // evaluation.json: every image's truth and detections with their verdicts, for the error
    // browser and for checking the figures from the boxes.
    nlohmann::json images = nlohmann::json::array();
    std::vector<std::vector<std::string>> verdicts(e.images.size());
    for (std::size_t i = 0; i < e.images.size(); ++i) {
        verdicts[i].assign(e.images[i].detections.boxes.size(), "");
    }
    for (const auto& v : e.errors.detections) {
        verdicts[v.image][v.detection] = core::detection::detectionOutcomeName(v.outcome);
    }
    for (std::size_t i = 0; i < e.images.size(); ++i) {
        const auto& image = e.images[i];
        nlohmann::json truth = nlohmann::json::array();
        for (const auto& t : image.truth) {
            truth.push_back({{"class", e.classNames[static_cast<std::size_t>(t.classIndex)]},
                             {"class_index", t.classIndex},
                             {"x", t.x},
                             {"y", t.y},
                             {"w", t.w},
                             {"h", t.h},
                             {"crowd", t.crowd},
                             {"difficult", t.difficult}});
        }
        nlohmann::json detections = nlohmann::json::array();
        for (std::size_t d = 0; d < image.detections.boxes.size(); ++d) {
            nlohmann::json box = core::detectedBoxJson(image.detections.boxes[d]);
            box["outcome"] = verdicts[i][d];
            detections.push_back(box);
        }
        nlohmann::json entry = {{"image_id", image.imageId},
                                {"path", image.detections.file.string()},
                                {"truth", truth},
                                {"detections", detections}};
        if (image.detections.error) entry["error"] = *image.detections.error;
        images.push_back(entry);
    }
    nlohmann::json missed = nlohmann::json::array();
    for (const auto& m : e.errors.missed) {
        missed.push_back({{"image_id", e.images[m.image].imageId},
                          {"truth", m.truth},
                          {"nearest_iou", m.nearestIou}});
    }
    nlohmann::json full = result;
    full["images"] = images;
    full["missed"] = missed;
    const fs::path evaluationFile = o.run / kEvaluationFile;
    if (auto written = core::files::writeFileAtomically(evaluationFile, full.dump(2) + "\n");
        !written) {
        return reportError(json, kExitFailure, written.error().message);
    }
    result["evaluation_file"] = fs::absolute(evaluationFile).string();
    std::ostringstream text;
    text << "Detection evaluation of " << o.run.string() << " on " << e.images.size() << " "
         << e.split << " images\n"
         << metricsText(e.metrics, e.classNames) << "Errors:";
    for (auto it = errors.begin(); it != errors.end(); ++it) {
        text << " " << it.key() << " " << it.value().dump();
    }
    text << "\nWrote " << evaluationFile.string() << "\n";
    printResult(json, result, text.str());
    return kExitSuccess;
}

int runDetectionPredict(const PredictOptions& o) {
    const bool json = o.json;
    auto model =
        core::DetectionModel::open(o.source.model, core::parseDevicePreference(o.device).value());
    if (!model) return reportError(json, exitCodeFor(model.error().kind), model.error().message);
    const core::ImageFileList list = core::collectImageFiles(o.inputs);
    if (list.files.empty()) {
        return reportError(json, kExitBadData, noImagesMessage(list, o.inputs));
    }
    ProgressDisplay progress;
    const auto detected = model.value().detect(
        list.files, o.minScore, std::max(o.batchSize, 1), [&](std::size_t done, std::size_t total) {
            progress.update(double(done) / double(total), "detecting",
                            std::to_string(done) + "/" + std::to_string(total) + " images", 0);
        });
    progress.finishLine();
    nlohmann::json skipped = problemsJson(list);
    nlohmann::json predictions = nlohmann::json::array();
    std::ostringstream text;
    std::size_t succeeded = 0;
    for (const auto& image : detected) {
        if (image.error) {
            skipped.push_back({{"path", image.file.string()}, {"error", *image.error}});
            continue;
        }
        ++succeeded;
        nlohmann::json boxes = nlohmann::json::array();
        for (const auto& box : image.boxes) boxes.push_back(core::detectedBoxJson(box));
        predictions.push_back({{"path", image.file.string()},
                               {"width", image.width},
                               {"height", image.height},
                               {"boxes", boxes}});
        text << image.file.string() << ": " << image.boxes.size() << " boxes";
        for (std::size_t i = 0; i < std::min<std::size_t>(image.boxes.size(), 3); ++i) {
            char line[128];
            std::snprintf(line, sizeof line, "%s %s %.2f", i ? "," : "",
                          image.boxes[i].className.c_str(), image.boxes[i].score);
            text << line;
        }
        text << "\n";
    }
    if (succeeded == 0) {
        return reportError(
            json, kExitBadData,
            "none of the " + std::to_string(detected.size()) + " images could be read");
    }
    nlohmann::json result = {{"task", core::kDetectionTask},
                             {"model", model.value().weightsFile().string()},
                             {"architecture", model.value().architecture()},
                             {"classes", model.value().classNames()},
                             {"min_score", o.minScore},
                             {"predictions", predictions},
                             {"skipped", skipped}};
    if (!o.csv.empty()) {
        if (auto written =
                core::files::writeFileAtomically(o.csv, core::detectionPredictionsCsv(detected));
            !written) {
            return reportError(json, kExitFailure, written.error().message);
        }
        result["csv"] = fs::absolute(o.csv).string();
        text << "Wrote " << o.csv.string() << "\n";
    }
    if (!o.cocoResults.empty()) {
        // COCO results need the image ids of a COCO file: ids 1..N in this order, listed with
        // the results as "images" is not part of the results format.
        if (auto written = core::files::writeFileAtomically(
                o.cocoResults, core::cocoResultsJson(detected).dump(2) + "\n");
            !written) {
            return reportError(json, kExitFailure, written.error().message);
        }
        nlohmann::json ids = nlohmann::json::array();
        for (std::size_t i = 0; i < detected.size(); ++i) {
            ids.push_back({{"id", i + 1}, {"file_name", detected[i].file.string()}});
        }
        result["coco_results"] = fs::absolute(o.cocoResults).string();
        result["coco_image_ids"] = ids;
        text << "Wrote " << o.cocoResults.string() << "\n";
    }
    printResult(json, result, text.str());
    return kExitSuccess;
}

int runDetectionDemo(const DemoOptions& o) {
    const bool json = o.json;
    const auto started = std::chrono::steady_clock::now();
    const fs::path data = o.out / "data";
    // The run lives in the project's runs/, so the workbench opened on the project lists it.
    const fs::path project = o.out / "project";
    const fs::path run = project / "runs" / "demo";
    if (fs::exists(run / "config.json")) {
        return reportError(json, kExitUsage,
                           o.out.string() +
                               " already holds a demo run; remove it or choose "
                               "another folder with --out");
    }
    const bool epochsGiven = o.command != nullptr && o.command->count("--epochs") > 0;

    core::DetectionDemoOptions made;
    if (o.images > 0) made.images = o.images;
    auto written = core::writeDetectionDemoFolder(data, made);
    if (!written) {
        return reportError(json, exitCodeFor(written.error().kind), written.error().message);
    }
    if (!json) {
        std::fprintf(
            stderr,
            "Demo data: %zu images with %zu boxes of %zu garments on %zu photographs in %s\n",
            written.value().images, written.value().boxes, written.value().classes.size(),
            written.value().backgrounds.size(), data.string().c_str());
    }
    {
        auto store = core::ProjectStore::create(project, core::ProjectTask::Detection);
        if (!store) return reportError(json, kExitFailure, store.error().message);
        auto imported = core::importDetectionFolder(store.value(), data);
        if (!imported) return reportError(json, kExitFailure, imported.error().message);
        if (!imported.value().problems.empty()) {
            return reportError(json, kExitFailure,
                               "the demo's own boxes did not import: " +
                                   core::detection::describe(imported.value().problems.front()));
        }
    }

    // The recipe: torchvision's fine-tuning (frozen batch norm, the last three backbone stages,
    // SGD 0.01 for 4 images a batch) at the images' own 240 px, with half an epoch of warmup for
    // the new FPN, RPN and box head.
    core::DetectionTrainingSettings s;
    s.project = project;
    s.architecture = core::kDefaultDetectionArchitecture;
    s.weights = o.weights;
    s.minSize = o.minSize > 0 ? o.minSize : 240;
    s.epochs = epochsGiven ? o.epochs : kDetectionDemoEpochs;
    s.batchSize = 4;
    // A quarter of torchvision's regions for the box head, and the 320 model's 150 proposals at
    // evaluation: on a CPU the box head's layers cost more than the whole backbone.
    s.boxBatchSizePerImage = 128;
    s.rpnTestProposals = 150;
    s.warmupEpochs = 1;
    // The new heads' first steps from frozen features can spike the loss to NaN at this rate.
    s.gradientClipNorm = 10;
    s.seed = 1;
    s.device = core::parseDevicePreference(o.device).value();
    auto ran = trainWithProgress(s, run, false);
    if (!ran) return reportError(json, exitCodeFor(ran.error().kind), ran.error().message);
    const core::DetectionTrainingResult& trained = ran.value();
    const std::string trainText = trainingText(trained);
    if (trained.outcome != core::TrainingOutcome::Completed) {
        printResult(json, core::toJson(trained), trainText);
        return trained.outcome == core::TrainingOutcome::Stopped ? kExitInterrupted : kExitFailure;
    }

    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    nlohmann::json result = {
        {"task", core::kDetectionTask},
        {"project_images", data.string()},
        {"annotations", written.value().annotations.string()},
        {"project", project.string()},
        {"run_folder", trained.runFolder.string()},
        {"weights", trained.weightsDescription},
        {"architecture", trained.architecture},
        {"min_size", s.minSize},
        {"classes", trained.classNames},
        {"boxes", written.value().boxes},
        {"images", {{"train", trained.trainImages}, {"validation", trained.validationImages}}},
        {"epochs_completed", trained.epochsCompleted},
        {"seconds", seconds}};
    std::optional<core::detection::CocoMetrics> best;
    if (trained.bestEpoch) {
        best = trained.history[static_cast<std::size_t>(*trained.bestEpoch)].validation;
        result["best_epoch"] = *trained.bestEpoch + 1;
        result["validation"] = core::metricsJson(*best, trained.classNames);
    }
    auto figure = [](const std::optional<double>& v) {
        return v ? nlohmann::json(*v) : nlohmann::json();
    };
    result["val_map"] = best ? figure(best->map) : nlohmann::json();
    result["val_ap50"] = best ? figure(best->ap50) : nlohmann::json();
    if (trained.model) result["model"] = trained.model->string();

    std::ostringstream text;
    text << trainText;
    if (trained.model) text << "Model: " << trained.model->string() << "\n";
    text << "Demo finished in " << formatDuration(seconds) << ". Validation mAP@[.5:.95] "
         << figureText(best ? best->map : std::nullopt) << ", AP50 "
         << figureText(best ? best->ap50 : std::nullopt) << " with "
         << (o.weights == "none" ? "random" : "the offline default") << " weights.\n"
         << "Detect boxes on images: fovea-cli predict --model " << trained.runFolder.string()
         << " " << (data / "images").string() << "\n"
         << "Open the project, its run listed, in the workbench: fovea --project "
         << project.string() << "\n";
    printResult(json, result, text.str());
    return kExitSuccess;
}

}  // namespace fovea::cli
