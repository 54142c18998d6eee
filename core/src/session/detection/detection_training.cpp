#include "fovea/core/session/detection_training.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <future>
#include <mutex>
#include <numeric>
#include <sstream>

#include "detection_common.h"
#include "detector_freezing.h"
#include "fovea/core/atomic_file.h"
#include "fovea/core/models/weight_catalogue.h"
#include "fovea/core/project/splits.h"
#include "fovea/core/session/detection_freezing.h"
#include "fovea/core/training/device_choice.h"
#include "fovea/core/training/run_activity.h"
#include "fovea/core/training/run_folder_layout.h"
#include "fovea/core/version.h"
#include "fovea/core/weights/safetensors.h"
#include "fovea/core/weights/weight_file.h"
#include "fovea/core/weights_import/offline_weights_paths.h"

namespace fovea::core {

using detection_session::DecodedSample;
using detection_session::Sample;

namespace {

// The four losses in torchvision's order, which metrics.csv keeps.
const std::vector<std::string> kLossNames = {"loss_classifier", "loss_box_reg", "loss_objectness",
                                             "loss_rpn_box_reg"};

template <class T>
Result<void> readKey(const nlohmann::json& json, const char* key, T& value) {
    if (!json.contains(key)) return {};
    try {
        value = json.at(key).get<T>();
    } catch (const std::exception&) {
        return Error{std::string("settings: '") + key + "' has the wrong type", ErrorKind::Usage};
    }
    return {};
}

std::string number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", value);
    return text;
}

nlohmann::json optionalFigure(const std::optional<double>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json();
}

}  // namespace

nlohmann::json toJson(const DetectionTrainingSettings& s) {
    return {{"project", s.project.string()},
            {"architecture", s.architecture},
            {"weights", s.weights},
            {"trainable_backbone_layers", s.trainableBackboneLayers},
            {"frozen_parts", s.frozenParts},
            {"min_size", s.minSize},
            {"max_size", s.maxSize},
            {"box_batch_size_per_image", s.boxBatchSizePerImage},
            {"rpn_test_proposals", s.rpnTestProposals},
            {"epochs", s.epochs},
            {"batch_size", s.batchSize},
            {"optimizer", optimizerKindName(s.optimizer)},
            {"learning_rate", s.learningRate},
            {"momentum", s.momentum},
            {"weight_decay", s.weightDecay},
            {"schedule", scheduleKindName(s.schedule.kind)},
            {"warmup_epochs", s.warmupEpochs},
            {"gradient_clip_norm", s.gradientClipNorm},
            {"horizontal_flip", s.augmentation.horizontalFlip},
            {"min_scale", s.augmentation.minScale},
            {"crop_probability", s.augmentation.cropProbability},
            {"validation_fraction", s.validationFraction},
            {"seed", s.seed},
            {"device", devicePreferenceName(s.device)},
            {"report_every_batches", s.reportEveryBatches}};
}

Result<DetectionTrainingSettings> detectionSettingsFromJson(const nlohmann::json& json) {
    if (!json.is_object()) return Error{"settings: not a JSON object", ErrorKind::Usage};
    DetectionTrainingSettings s;
    std::string project, optimizer = optimizerKindName(s.optimizer),
                         schedule = scheduleKindName(s.schedule.kind),
                         device = devicePreferenceName(s.device);
    for (const Result<void>& read :
         {readKey(json, "project", project),
          readKey(json, "architecture", s.architecture),
          readKey(json, "weights", s.weights),
          readKey(json, "trainable_backbone_layers", s.trainableBackboneLayers),
          readKey(json, "frozen_parts", s.frozenParts),
          readKey(json, "min_size", s.minSize),
          readKey(json, "max_size", s.maxSize),
          readKey(json, "box_batch_size_per_image", s.boxBatchSizePerImage),
          readKey(json, "rpn_test_proposals", s.rpnTestProposals),
          readKey(json, "epochs", s.epochs),
          readKey(json, "batch_size", s.batchSize),
          readKey(json, "optimizer", optimizer),
          readKey(json, "learning_rate", s.learningRate),
          readKey(json, "momentum", s.momentum),
          readKey(json, "weight_decay", s.weightDecay),
          readKey(json, "schedule", schedule),
          readKey(json, "warmup_epochs", s.warmupEpochs),
          readKey(json, "gradient_clip_norm", s.gradientClipNorm),
          readKey(json, "horizontal_flip", s.augmentation.horizontalFlip),
          readKey(json, "min_scale", s.augmentation.minScale),
          readKey(json, "crop_probability", s.augmentation.cropProbability),
          readKey(json, "validation_fraction", s.validationFraction),
          readKey(json, "seed", s.seed),
          readKey(json, "device", device),
          readKey(json, "report_every_batches", s.reportEveryBatches)}) {
        if (!read) return read.error();
    }
    s.project = project;
    auto optimizerKind = parseOptimizerKind(optimizer);
    if (!optimizerKind) return withKind(optimizerKind.error(), ErrorKind::Usage);
    s.optimizer = optimizerKind.value();
    auto scheduleKind = parseScheduleKind(schedule);
    if (!scheduleKind) return withKind(scheduleKind.error(), ErrorKind::Usage);
    s.schedule.kind = scheduleKind.value();
    auto devicePreference = parseDevicePreference(device);
    if (!devicePreference) return withKind(devicePreference.error(), ErrorKind::Usage);
    s.device = devicePreference.value();
    if (auto parts = checkFrozenParts(s.frozenParts); !parts) return parts.error();
    return s;
}

nlohmann::json toJson(const DetectionEpochReport& r, const std::vector<std::string>& classNames) {
    nlohmann::json json = {{"epoch", r.epoch + 1},  {"loss", r.loss},
                           {"losses", r.losses},    {"learning_rate", r.learningRate},
                           {"seconds", r.seconds},  {"images_per_second", r.imagesPerSecond},
                           {"improved", r.improved}};
    if (r.hasValidation) json["validation"] = metricsJson(r.validation, classNames);
    return json;
}

namespace {

DetectionEpochReport epochReportFromJson(const nlohmann::json& json) {
    DetectionEpochReport r;
    r.epoch = json.value("epoch", std::int64_t{1}) - 1;
    r.loss = json.value("loss", 0.0);
    r.losses = json.value("losses", std::map<std::string, double>{});
    r.learningRate = json.value("learning_rate", 0.0);
    r.seconds = json.value("seconds", 0.0);
    r.imagesPerSecond = json.value("images_per_second", 0.0);
    r.improved = json.value("improved", false);
    if (json.contains("validation")) {
        const auto& v = json.at("validation");
        r.hasValidation = true;
        auto figure = [&](const char* key) -> std::optional<double> {
            if (!v.contains(key) || v.at(key).is_null()) return std::nullopt;
            return v.at(key).get<double>();
        };
        r.validation.map = figure("map");
        r.validation.ap50 = figure("ap50");
        r.validation.ap75 = figure("ap75");
        r.validation.ar = figure("ar");
        r.validation.images = v.value("images", std::size_t{0});
        for (const auto& entry : v.value("per_class", nlohmann::json::array())) {
            detection::ClassAveragePrecision c;
            c.classIndex = static_cast<int>(r.validation.perClass.size());
            auto get = [&](const char* key) -> std::optional<double> {
                if (!entry.contains(key) || entry.at(key).is_null()) return std::nullopt;
                return entry.at(key).get<double>();
            };
            c.ap = get("ap");
            c.ap50 = get("ap50");
            c.ap75 = get("ap75");
            c.recall = get("recall");
            c.truthBoxes = entry.value("truth_boxes", std::int64_t{0});
            c.detections = entry.value("detections", std::int64_t{0});
            r.validation.perClass.push_back(c);
        }
    }
    return r;
}

}  // namespace

std::string detectionEpochLogMessage(const DetectionEpochReport& r, std::int64_t epochs) {
    std::ostringstream line;
    line << "epoch " << r.epoch + 1 << "/" << epochs << ": loss " << number(r.loss) << " (";
    for (std::size_t i = 0; i < kLossNames.size(); ++i) {
        const auto found = r.losses.find(kLossNames[i]);
        line << (i ? ", " : "") << kLossNames[i].substr(5) << " "
             << number(found == r.losses.end() ? 0.0 : found->second);
    }
    line << ")";
    if (r.hasValidation) {
        line << ", val mAP " << (r.validation.map ? number(*r.validation.map) : "-") << " AP50 "
             << (r.validation.ap50 ? number(*r.validation.ap50) : "-") << " AP75 "
             << (r.validation.ap75 ? number(*r.validation.ap75) : "-");
    }
    char tail[96];
    std::snprintf(tail, sizeof tail, ", lr %.3g, %.1f img/s, %.1f s%s", r.learningRate,
                  r.imagesPerSecond, r.seconds, r.improved ? " *" : "");
    return line.str() + tail;
}

nlohmann::json toJson(const DetectionTrainingResult& r) {
    nlohmann::json history = nlohmann::json::array();
    for (const auto& epoch : r.history) history.push_back(toJson(epoch, r.classNames));
    nlohmann::json skipped = nlohmann::json::array();
    for (const auto& failure : r.skipped) {
        skipped.push_back({{"image_id", failure.sampleId}, {"error", failure.message}});
    }
    nlohmann::json json = {
        {"task", kDetectionTask},
        {"run_folder", r.runFolder.string()},
        {"outcome", trainingOutcomeName(r.outcome)},
        {"message", r.message},
        {"architecture", r.architecture},
        {"weights", r.weightsDescription},
        {"device", r.device},
        {"classes", r.classNames},
        {"images", {{"train", r.trainImages}, {"validation", r.validationImages}}},
        {"parameters", {{"total", r.totalParameters}, {"trainable", r.trainableParameters}}},
        {"epochs_completed", r.epochsCompleted},
        {"steps", r.steps},
        {"epochs", history},
        {"skipped", skipped}};
    if (r.bestEpoch) {
        json["best_epoch"] = *r.bestEpoch + 1;
        const auto& best = r.history[static_cast<std::size_t>(*r.bestEpoch)];
        json["val_map"] = optionalFigure(best.validation.map);
        json["val_ap50"] = optionalFigure(best.validation.ap50);
        json["val_ap75"] = optionalFigure(best.validation.ap75);
    }
    if (r.model) json["model"] = r.model->string();
    if (r.recordingError) json["recording_error"] = r.recordingError->message;
    return json;
}

bool isDetectionRun(const std::filesystem::path& runFolder) {
    return detection_session::readDetectionConfig(runFolder).ok();
}

namespace {

// metrics.csv and log.txt: each row or line one write that reaches the OS at once, as the
// classification run folder does; the first failure is kept and recording stops there.
class RunRecorder {
  public:
    explicit RunRecorder(std::filesystem::path folder) : m_folder(std::move(folder)) {}

    void log(const std::string& message) {
        append(run_layout::kLogFile, utcNow() + " " + message + "\n");
    }
    void metricsRow(const DetectionEpochReport& r) {
        std::ostringstream row;
        row << r.epoch + 1 << "," << r.loss;
        for (const auto& name : kLossNames) {
            const auto found = r.losses.find(name);
            row << "," << (found == r.losses.end() ? 0.0 : found->second);
        }
        auto cell = [&](const std::optional<double>& v) {
            row << ",";
            if (r.hasValidation && v) row << *v;
        };
        cell(r.validation.map);
        cell(r.validation.ap50);
        cell(r.validation.ap75);
        row << "," << r.learningRate << "," << r.seconds << "," << r.imagesPerSecond << ","
            << (r.improved ? 1 : 0) << "\n";
        append(run_layout::kMetricsFile, row.str());
    }
    // Rewrites metrics.csv with the header and `history` (a resumed run drops rows past its
    // checkpoint: the process died after writing them).
    void rewriteMetrics(const std::vector<DetectionEpochReport>& history) {
        std::ofstream(m_folder / run_layout::kMetricsFile, std::ios::trunc)
            << kDetectionMetricsHeader << "\n";
        for (const auto& r : history) metricsRow(r);
    }
    std::optional<Error> error() const {
        std::lock_guard lock(m_mutex);
        return m_error;
    }
    void fail(const Error& error) {
        std::lock_guard lock(m_mutex);
        if (!m_error) m_error = error;
    }

    static std::string utcNow() { return detection_session::utcNow(); }

  private:
    void append(const char* file, const std::string& text) {
        std::lock_guard lock(m_mutex);
        if (m_error) return;
        std::ofstream out(m_folder / file, std::ios::app | std::ios::binary);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        out.flush();
        if (!out) m_error = Error{"Cannot write " + (m_folder / file).string(), ErrorKind::Io};
    }

    std::filesystem::path m_folder;
    mutable std::mutex m_mutex;
    std::optional<Error> m_error;
};

// Where training stands: what checkpoints/last.pt stores besides the weights and optimizer.
struct Position {
    std::int64_t epoch = 0;  // the epoch to run (or finish)
    std::int64_t batch = 0;  // its next batch
    std::int64_t step = 0;
    std::map<std::string, double> lossSums;  // of the epoch so far
    std::int64_t batchesDone = 0;
    std::int64_t imagesDone = 0;
    double secondsDone = 0;
    std::vector<DetectionEpochReport> history;
    std::optional<std::int64_t> bestEpoch;
    double bestMap = -1;
};

nlohmann::json positionJson(const Position& p, const std::vector<std::string>& classNames) {
    nlohmann::json history = nlohmann::json::array();
    for (const auto& r : p.history) history.push_back(toJson(r, classNames));
    return {{"epoch", p.epoch},
            {"batch", p.batch},
            {"step", p.step},
            {"loss_sums", p.lossSums},
            {"batches_done", p.batchesDone},
            {"images_done", p.imagesDone},
            {"seconds_done", p.secondsDone},
            {"history", history},
            {"best_epoch", p.bestEpoch ? nlohmann::json(*p.bestEpoch) : nlohmann::json()},
            {"best_map", p.bestMap}};
}

Position positionFromJson(const nlohmann::json& json) {
    Position p;
    p.epoch = json.at("epoch").get<std::int64_t>();
    p.batch = json.at("batch").get<std::int64_t>();
    p.step = json.at("step").get<std::int64_t>();
    p.lossSums = json.at("loss_sums").get<std::map<std::string, double>>();
    p.batchesDone = json.at("batches_done").get<std::int64_t>();
    p.imagesDone = json.at("images_done").get<std::int64_t>();
    p.secondsDone = json.at("seconds_done").get<double>();
    for (const auto& r : json.at("history")) p.history.push_back(epochReportFromJson(r));
    if (!json.at("best_epoch").is_null()) p.bestEpoch = json.at("best_epoch").get<std::int64_t>();
    p.bestMap = json.at("best_map").get<double>();
    return p;
}

at::Generator& cpuGenerator() {
    static at::Generator generator = at::detail::getDefaultCPUGenerator();
    return generator;
}

Result<void> writeCheckpoint(const std::filesystem::path& file, detection::FasterRcnnImpl& model,
                             torch::optim::Optimizer& optimizer, const Position& position,
                             const std::vector<std::string>& classNames) {
    std::filesystem::create_directories(file.parent_path());
    return files::writeFileAtomically(file, [&](const std::filesystem::path& temporary) {
        torch::serialize::OutputArchive archive;
        torch::serialize::OutputArchive modelArchive, optimizerArchive;
        model.save(modelArchive);
        optimizer.save(optimizerArchive);
        archive.write("model", modelArchive);
        archive.write("optimizer", optimizerArchive);
        {
            std::lock_guard lock(cpuGenerator().mutex());
            archive.write("rng/cpu", cpuGenerator().get_state());
        }
        archive.write("position", c10::IValue(positionJson(position, classNames).dump()));
        archive.save_to(temporary.string());
        return Result<void>{};
    });
}

Result<Position> readCheckpoint(const std::filesystem::path& file, detection::FasterRcnnImpl& model,
                                torch::optim::Optimizer& optimizer, const torch::Device& device) {
    try {
        torch::serialize::InputArchive archive;
        archive.load_from(file.string(), device);
        torch::serialize::InputArchive modelArchive, optimizerArchive;
        archive.read("model", modelArchive);
        model.load(modelArchive);
        archive.read("optimizer", optimizerArchive);
        optimizer.load(optimizerArchive);
        torch::Tensor rng;
        archive.read("rng/cpu", rng);
        {
            std::lock_guard lock(cpuGenerator().mutex());
            cpuGenerator().set_state(rng.to(torch::kCPU));
        }
        c10::IValue position;
        archive.read("position", position);
        return positionFromJson(nlohmann::json::parse(position.toStringRef()));
    } catch (const c10::Error& e) {
        return Error{file.string() + ": not a detection checkpoint of this run (" +
                         e.what_without_backtrace() + ")",
                     ErrorKind::BadData};
    } catch (const std::exception& e) {
        return Error{file.string() + ": " + e.what(), ErrorKind::BadData};
    }
}

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(detection::FasterRcnnImpl& model,
                                                       const DetectionTrainingSettings& s) {
    std::vector<torch::Tensor> parameters;
    for (const auto& p : model.parameters()) {
        if (p.requires_grad()) parameters.push_back(p);
    }
    // torchvision's detection recipe decays every trainable parameter (no --norm-weight-decay).
    if (s.optimizer == OptimizerKind::Sgd) {
        return std::make_unique<torch::optim::SGD>(parameters,
                                                   torch::optim::SGDOptions(s.learningRate)
                                                       .momentum(s.momentum)
                                                       .weight_decay(s.weightDecay));
    }
    return std::make_unique<torch::optim::AdamW>(
        parameters, torch::optim::AdamWOptions(s.learningRate).weight_decay(s.weightDecay));
}

void setLearningRate(torch::optim::Optimizer& optimizer, double rate) {
    for (auto& group : optimizer.param_groups()) group.options().set_lr(rate);
}

// Seeds that depend only on the run's seed and the position, so that a resumed run draws the
// same orders and augmentations as an uninterrupted one.
std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
    std::uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E019ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

struct Inputs {
    detection_session::ProjectClasses classes;
    std::vector<Sample> train;
    std::vector<Sample> validation;
};

Result<Inputs> readInputs(const DetectionTrainingSettings& s, const nlohmann::json* recorded,
                          const DetectionTrainingHooks& hooks) {
    auto store = ProjectStore::open(s.project);
    if (!store) return withKind(store.error(), ErrorKind::Usage);
    if (store.value().projectTask() != ProjectTask::Detection) {
        return Error{s.project.string() + " is a classification project, not a detection project",
                     ErrorKind::Usage};
    }
    Inputs inputs;
    auto classes = detection_session::projectClasses(store.value());
    if (!classes) return classes.error();
    if (recorded) {
        // A resumed run keeps its classes (a class added since has no output in the network).
        const auto names = recorded->at("classes").get<std::vector<std::string>>();
        detection_session::ProjectClasses kept;
        kept.names = names;
        for (const auto& [id, index] : classes.value().indexOf) {
            const auto at = std::find(names.begin(), names.end(),
                                      classes.value().names[static_cast<std::size_t>(index)]);
            if (at != names.end()) kept.indexOf[id] = static_cast<int>(at - names.begin());
        }
        inputs.classes = kept;
    } else {
        inputs.classes = classes.value();
    }
    if (inputs.classes.names.empty()) {
        return Error{s.project.string() + " has no classes: draw or import boxes first",
                     ErrorKind::BadData};
    }
    if (!recorded) {
        SplitFractions fractions{1.0 - s.validationFraction, s.validationFraction, 0.0};
        auto assigned = assignSplits(store.value(), fractions, s.seed);
        if (!assigned) return assigned.error();
        if (assigned.value().assigned > 0 && hooks.projectChanged) hooks.projectChanged(s.project);
    }
    auto train =
        detection_session::annotatedSamples(store.value(), inputs.classes.indexOf, Split::Train);
    if (!train) return train.error();
    auto validation =
        detection_session::annotatedSamples(store.value(), inputs.classes.indexOf, Split::Val);
    if (!validation) return validation.error();
    inputs.train = std::move(train).value();
    inputs.validation = std::move(validation).value();
    if (recorded) {
        // The recorded images, as far as the project still has them annotated.
        auto keep = [](std::vector<Sample>& samples, const nlohmann::json& ids,
                       const std::vector<Sample>& others) {
            std::vector<std::int64_t> wanted = ids.get<std::vector<std::int64_t>>();
            std::vector<Sample> all = samples;
            all.insert(all.end(), others.begin(), others.end());
            std::vector<Sample> kept;
            for (const auto& sample : all) {
                if (std::find(wanted.begin(), wanted.end(), sample.id) != wanted.end()) {
                    kept.push_back(sample);
                }
            }
            std::sort(kept.begin(), kept.end(),
                      [](const Sample& a, const Sample& b) { return a.id < b.id; });
            return kept;
        };
        auto train2 = keep(inputs.train, recorded->at("train_image_ids"), inputs.validation);
        auto val2 = keep(inputs.validation, recorded->at("val_image_ids"), inputs.train);
        inputs.train = std::move(train2);
        inputs.validation = std::move(val2);
    }
    if (inputs.train.empty()) {
        return Error{s.project.string() +
                         " has no annotated training images: annotate images "
                         "(or import boxes) first",
                     ErrorKind::BadData};
    }
    return inputs;
}

// The classification weights a new run's backbone starts from (settings.weights).
struct BackboneStart {
    StateDict weights;
    std::string description;
    std::filesystem::path file;
    std::string classificationArchitecture;
};

bool isUrl(const std::string& text) {
    return text.rfind("http://", 0) == 0 || text.rfind("https://", 0) == 0;
}

Result<BackboneStart> backboneStart(const DetectionTrainingSettings& settings,
                                    detection::FasterRcnnArchitecture architecture,
                                    TrainingControl& control, const DetectionTrainingHooks& hooks) {
    BackboneStart start;
    start.classificationArchitecture = detection::backboneClassificationArchitecture(architecture);
    // A stop request cancels a download: the progress callback is what runs meanwhile.
    std::atomic<bool> cancel{false};
    const DownloadProgressCallback progress = [&](const DownloadProgress& p) {
        if (control.stopRequested()) cancel.store(true);
        if (hooks.onDownload) hooks.onDownload(p);
    };
    auto fetched = [&](const std::string& url,
                       const std::string& sha256) -> Result<std::filesystem::path> {
        auto file = fetchToCache(url, sha256, progress, &cancel);
        if (!file && (cancel.load() || control.stopRequested())) {
            return Error{"stopped while downloading " + url, ErrorKind::Cancelled};
        }
        return file;
    };
    if (settings.weights == "default") {
        if (architecture == detection::FasterRcnnArchitecture::kMobileNetV2Fpn) {
            start.file = offlineWeightsPath(start.classificationArchitecture);
            if (!std::filesystem::exists(start.file)) {
                return Error{"the offline default weights are missing (" + start.file.string() +
                                 "): run fovea-cli prepare-offline-weights once, or train with "
                                 "--weights none",
                             ErrorKind::BadData};
            }
            start.description = "offline default MobileNetV2 (nsfwjs): " + start.file.string();
        } else {
            // torchvision's detection builders take IMAGENET1K_V1 for weights_backbone
            // (MobileNet_V3_Large_Weights and ResNet50_Weights), not the newer V2 recipes.
            const auto sources = weightSourcesFor(start.classificationArchitecture);
            const auto source = std::find_if(sources.begin(), sources.end(), [](const auto& w) {
                return w.name == "IMAGENET1K_V1" && !w.url.empty();
            });
            if (source == sources.end()) {
                return Error{"no ImageNet weights are known for " +
                                 start.classificationArchitecture + "; use --weights none",
                             ErrorKind::Usage};
            }
            auto file = fetched(source->url, source->sha256);
            if (!file) return file.error();
            start.file = file.value();
            start.description =
                start.classificationArchitecture + " " + source->name + " (" + source->url + ")";
        }
    } else if (isUrl(settings.weights)) {
        auto file = fetched(settings.weights, "");
        if (!file) return file.error();
        start.file = file.value();
        start.description = settings.weights;
    } else {
        start.file = settings.weights;
        if (!std::filesystem::exists(start.file)) {
            return Error{
                "--weights " + settings.weights + ": no such file (default, none, a file or a URL)",
                ErrorKind::Usage};
        }
        start.description = settings.weights;
    }
    auto weights = readWeightFile(start.file);
    if (!weights) return withKind(weights.error(), ErrorKind::BadData);
    start.weights = std::move(weights.value());
    return start;
}

std::vector<std::int64_t> sampleIds(const std::vector<Sample>& samples) {
    std::vector<std::int64_t> ids;
    for (const auto& sample : samples) ids.push_back(sample.id);
    return ids;
}

}  // namespace

Result<DetectionTrainingResult> runDetectionTraining(const DetectionTrainingSettings& newSettings,
                                                     const std::filesystem::path& runFolderIn,
                                                     bool resume, TrainingControl& control,
                                                     const DetectionTrainingHooks& hooks) {
    std::error_code ec;
    const std::filesystem::path runFolder = std::filesystem::absolute(runFolderIn, ec);
    DetectionTrainingSettings settings = newSettings;
    std::optional<nlohmann::json> recorded;
    if (resume) {
        auto config = detection_session::readDetectionConfig(runFolder);
        if (!config) return config.error();
        auto parsed = detectionSettingsFromJson(config.value().at("settings"));
        if (!parsed) return parsed.error();
        settings = parsed.value();
        recorded = config.value();
        if (!std::filesystem::exists(runFolder / run_layout::kCheckpointFolder / "last.pt")) {
            return Error{runFolder.string() + " has no checkpoint to resume from",
                         ErrorKind::Usage};
        }
        if (runActivity(runFolder).live) {
            return Error{"another process is recording " + runFolder.string(), ErrorKind::Usage};
        }
    } else {
        if (std::filesystem::exists(runFolder / run_layout::kConfigFile)) {
            return Error{runFolder.string() +
                             " already holds a run (resume it with --resume, or choose a new "
                             "folder)",
                         ErrorKind::Usage};
        }
        if (settings.weights.empty()) {
            return Error{"--weights: default, none, a file or a URL", ErrorKind::Usage};
        }
        if (settings.epochs < 1 || settings.batchSize < 1) {
            return Error{"epochs and batch size must be at least 1", ErrorKind::Usage};
        }
        if (settings.validationFraction < 0 || settings.validationFraction >= 1) {
            return Error{"the validation fraction must be in [0, 1)", ErrorKind::Usage};
        }
        if (auto parts = checkFrozenParts(settings.frozenParts); !parts) return parts.error();
    }
    // The architecture and sizes are checked before anything is written to the project.
    if (auto checked = detection_session::detectorShape(settings, 1); !checked) {
        return checked.error();
    } else if (checked.value().trainableBackboneLayers == 0 &&
               settings.frozenParts.size() == detectorFreezableParts().size()) {
        return Error{"nothing would train: every backbone stage and every other part is frozen",
                     ErrorKind::Usage};
    }
    auto inputs = readInputs(settings, recorded ? &*recorded : nullptr, hooks);
    if (!inputs) return inputs.error();
    const auto& classNames = inputs.value().classes.names;
    auto shape =
        detection_session::detectorShape(settings, static_cast<std::int64_t>(classNames.size()));
    if (!shape) return shape.error();
    auto device = resolveDevice(settings.device);
    if (!device) return withKind(device.error(), ErrorKind::Usage);

    // The resolved freezing is recorded, so that a resumed run and the model built for eval and
    // predict have the same trainable parameters and batch norms.
    settings.trainableBackboneLayers = shape.value().trainableBackboneLayers;
    std::optional<BackboneStart> start;
    if (!resume && settings.weights != "none") {
        auto resolved = backboneStart(settings, shape.value().architecture, control, hooks);
        if (!resolved) return resolved.error();
        start = std::move(resolved.value());
    }

    DetectionTrainingResult result;
    result.runFolder = runFolder;
    result.architecture = settings.architecture;
    result.weightsDescription = settings.weights == "none" ? "none (random initialisation)"
                                : start                    ? start->description
                                                           : settings.weights;
    if (recorded && recorded->contains("backbone_weights") &&
        (*recorded)["backbone_weights"].is_object()) {
        result.weightsDescription =
            (*recorded)["backbone_weights"].value("description", result.weightsDescription);
    }
    result.device = device.value().str();
    result.classNames = classNames;
    result.trainImages = inputs.value().train.size();
    result.validationImages = inputs.value().validation.size();

    try {
        torch::manual_seed(settings.seed);
        detection::FasterRcnn model = detection_session::buildDetector(shape.value());
        nlohmann::json backboneWeights;
        if (start) {
            auto loaded = detection::loadBackboneWeights(*model, start->weights,
                                                         start->file.filename().string());
            if (!loaded) {
                return Error{"--weights " + settings.weights + " for " + settings.architecture +
                                 " (a " + start->classificationArchitecture +
                                 " classification state dict): " + loaded.error().message,
                             ErrorKind::BadData};
            }
            backboneWeights = {{"description", start->description},
                               {"file", start->file.string()},
                               {"classification_architecture", start->classificationArchitecture},
                               {"loaded_tensors", loaded.value().loadedTensors}};
            start->weights = StateDict();  // the model holds its copy
        }
        detection_session::freezeDetectorParts(*model, settings.frozenParts);
        model->to(device.value());
        model->train();
        for (const auto& p : model->parameters()) {
            result.totalParameters += p.numel();
            if (p.requires_grad()) result.trainableParameters += p.numel();
        }
        auto optimizer = makeOptimizer(*model, settings);

        Position position;
        if (resume) {
            auto restored = readCheckpoint(runFolder / run_layout::kCheckpointFolder / "last.pt",
                                           *model, *optimizer, device.value());
            if (!restored) return restored.error();
            position = restored.value();
        } else {
            std::filesystem::create_directories(runFolder / run_layout::kCheckpointFolder);
            nlohmann::json config = {
                {"task", kDetectionTask},
                {"settings", toJson(settings)},
                {"classes", classNames},
                {"min_size", shape.value().minSize},
                {"max_size", shape.value().maxSize},
                {"backbone_weights", backboneWeights},
                {"frozen_batch_norm", shape.value().frozenBatchNorm},
                {"trainable_backbone_layers", shape.value().trainableBackboneLayers},
                {"train_image_ids", sampleIds(inputs.value().train)},
                {"val_image_ids", sampleIds(inputs.value().validation)},
                {"fovea_version", kFoveaVersion},
                {"created", detection_session::utcNow()}};
            if (auto written = files::writeFileAtomically(runFolder / run_layout::kConfigFile,
                                                          config.dump(2) + "\n");
                !written) {
                return written.error();
            }
        }
        (void)markRunActive(runFolder);
        struct Unmark {
            std::filesystem::path folder;
            ~Unmark() { unmarkRunActive(folder); }
        } unmark{runFolder};

        RunRecorder recorder(runFolder);
        recorder.rewriteMetrics(position.history);
        auto log = [&](const std::string& line) {
            recorder.log(line);
            if (hooks.onLog) hooks.onLog(line);
        };
        log(resume ? "resuming at epoch " + std::to_string(position.epoch + 1) + ", batch " +
                         std::to_string(position.batch + 1)
                   : "training " + settings.architecture + " on " +
                         std::to_string(result.trainImages) + " images (" +
                         std::to_string(result.validationImages) + " for validation), " +
                         std::to_string(classNames.size()) + " classes, on " + result.device);
        if (hooks.started) {
            hooks.started({runFolder, classNames, result.trainImages, result.validationImages,
                           position.epoch});
        }

        const auto& train = inputs.value().train;
        const auto batchSize = static_cast<std::size_t>(settings.batchSize);
        const auto batchesPerEpoch =
            static_cast<std::int64_t>((train.size() + batchSize - 1) / batchSize);
        const std::int64_t totalSteps = batchesPerEpoch * settings.epochs;
        ScheduleOptions schedule = settings.schedule;
        schedule.warmupSteps = static_cast<std::int64_t>(
            std::llround(settings.warmupEpochs * double(batchesPerEpoch)));
        std::vector<std::int64_t> failedIds;
        auto stopRequested = [&] { return control.stopRequested(); };
        auto checkpoint = [&]() {
            if (auto written =
                    writeCheckpoint(runFolder / run_layout::kCheckpointFolder / "last.pt", *model,
                                    *optimizer, position, classNames);
                !written) {
                recorder.fail(written.error());
            }
        };
        auto writeModel = [&]() -> Result<void> {
            const auto file = runFolder / run_layout::kModelFile;
            auto written = writeSafetensors(
                file, detection_session::detectorStateDict(*model),
                {{"architecture", settings.architecture}, {"task", kDetectionTask}});
            if (written) result.model = file;
            return written;
        };

        bool stopped = false;
        bool diverged = false;
        while (position.epoch < settings.epochs && !stopped && !diverged) {
            const std::int64_t epoch = position.epoch;
            std::vector<std::size_t> order(train.size());
            std::iota(order.begin(), order.end(), std::size_t{0});
            std::mt19937_64 shuffler(mix(settings.seed, static_cast<std::uint64_t>(epoch)));
            std::shuffle(order.begin(), order.end(), shuffler);
            const auto epochStart = std::chrono::steady_clock::now();
            const double secondsBefore = position.secondsDone;
            auto secondsSoFar = [&] {
                return secondsBefore +
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - epochStart)
                           .count();
            };
            std::map<std::string, torch::Tensor> sums;
            for (; position.batch < batchesPerEpoch; ++position.batch) {
                if (!control.waitWhilePaused() || control.stopRequested()) {
                    stopped = true;
                    break;
                }
                const std::size_t first = static_cast<std::size_t>(position.batch) * batchSize;
                const std::size_t last = std::min(train.size(), first + batchSize);
                // Decode the batch's images side by side (OpenCV releases no lock to wait on).
                std::vector<std::future<Result<DecodedSample>>> pending;
                for (std::size_t i = first; i < last; ++i) {
                    const Sample& sample = train[order[i]];
                    const std::uint64_t seed =
                        mix(mix(settings.seed, static_cast<std::uint64_t>(epoch)), i);
                    pending.push_back(std::async(std::launch::async, [&sample, seed, &settings] {
                        std::mt19937_64 rng(seed);
                        return detection_session::decodeSample(sample.path, sample.boxes,
                                                               &settings.augmentation, &rng);
                    }));
                }
                std::vector<torch::Tensor> images;
                std::vector<detection::DetectionTarget> targets;
                for (std::size_t i = first; i < last; ++i) {
                    auto decoded = pending[i - first].get();
                    if (!decoded) {
                        const Sample& sample = train[order[i]];
                        if (std::find(failedIds.begin(), failedIds.end(), sample.id) ==
                            failedIds.end()) {
                            failedIds.push_back(sample.id);
                            SampleFailure failure{sample.id, decoded.error().message};
                            result.skipped.push_back(failure);
                            log("skipped: " + failure.message);
                            if (hooks.onSampleFailure) hooks.onSampleFailure(failure);
                        }
                        continue;
                    }
                    images.push_back(decoded.value().image.to(device.value()));
                    targets.push_back({decoded.value().target.boxes.to(device.value()),
                                       decoded.value().target.labels.to(device.value())});
                }
                if (images.empty()) continue;
                const double factor =
                    learningRateFactor(schedule, position.step, totalSteps, batchesPerEpoch);
                setLearningRate(*optimizer, settings.learningRate * factor);
                const auto output = model->forward(images, targets);
                torch::Tensor loss = torch::zeros({}, torch::TensorOptions(device.value()));
                for (const auto& [name, value] : output.losses) {
                    loss = loss + value;
                    auto& sum = sums[name];
                    sum = sum.defined() ? sum + value.detach() : value.detach().clone();
                }
                optimizer->zero_grad();
                loss.backward();
                if (settings.gradientClipNorm > 0) {
                    torch::nn::utils::clip_grad_norm_(model->parameters(),
                                                      settings.gradientClipNorm);
                }
                optimizer->step();
                ++position.step;
                ++position.batchesDone;
                position.imagesDone += static_cast<std::int64_t>(images.size());
                const bool report = settings.reportEveryBatches > 0 &&
                                    (position.batch + 1) % settings.reportEveryBatches == 0;
                if (report) {
                    // Reading the loss syncs the device: only when reporting.
                    const double value = loss.item<double>();
                    if (!std::isfinite(value)) {
                        diverged = true;
                        result.message = "the loss became " + std::to_string(value) + " in epoch " +
                                         std::to_string(epoch + 1) + "; try a lower learning rate";
                        break;
                    }
                    if (hooks.onBatch) {
                        DetectionBatchProgress progress;
                        progress.epoch = epoch;
                        progress.batch = position.batch;
                        progress.batchesInEpoch = batchesPerEpoch;
                        progress.step = position.step;
                        progress.loss = value;
                        progress.learningRate = settings.learningRate * factor;
                        const double seconds = secondsSoFar();
                        progress.imagesPerSecond =
                            seconds > 0 ? double(position.imagesDone) / seconds : 0;
                        const double perBatch = seconds / double(position.batchesDone);
                        progress.etaSeconds = perBatch * double(totalSteps - position.step);
                        hooks.onBatch(progress);
                    }
                }
            }
            for (const auto& [name, sum] : sums) {
                position.lossSums[name] += sum.item<double>();
            }
            position.secondsDone = secondsSoFar();
            if (diverged) break;
            if (stopped) {
                checkpoint();
                break;
            }
            // The epoch is done: its means, validation, and the record.
            DetectionEpochReport report;
            report.epoch = epoch;
            const double batches = std::max<std::int64_t>(position.batchesDone, 1);
            for (const auto& name : kLossNames) {
                report.losses[name] = position.lossSums[name] / batches;
                report.loss += report.losses[name];
            }
            if (!std::isfinite(report.loss)) {
                diverged = true;
                result.message = "the loss became " + std::to_string(report.loss) + " in epoch " +
                                 std::to_string(epoch + 1) + "; try a lower learning rate";
                break;
            }
            const double trainSeconds = position.secondsDone;
            report.imagesPerSecond =
                trainSeconds > 0 ? double(position.imagesDone) / trainSeconds : 0;
            report.learningRate = optimizer->param_groups().front().options().get_lr();
            const auto validationStart = std::chrono::steady_clock::now();
            if (!inputs.value().validation.empty()) {
                auto validation =
                    detection_session::validate(*model, inputs.value().validation, classNames,
                                                settings.batchSize, device.value(), stopRequested);
                report.hasValidation = true;
                report.validation = validation.metrics;
                for (const auto& failure : validation.failures) {
                    if (std::find(failedIds.begin(), failedIds.end(), failure.sampleId) !=
                        failedIds.end()) {
                        continue;
                    }
                    failedIds.push_back(failure.sampleId);
                    result.skipped.push_back(failure);
                    log("skipped: " + failure.message);
                }
                if (control.stopRequested()) {
                    // Validation was cut short: its figures would mislead; finish the epoch's
                    // training part and stop, the next start validates again.
                    stopped = true;
                }
            }
            report.seconds = trainSeconds + std::chrono::duration<double>(
                                                std::chrono::steady_clock::now() - validationStart)
                                                .count();
            if (stopped) {
                checkpoint();
                break;
            }
            const double map = report.validation.map.value_or(0.0);
            if (!report.hasValidation || !position.bestEpoch || map > position.bestMap) {
                report.improved = report.hasValidation;
                if (report.hasValidation) {
                    position.bestEpoch = epoch;
                    position.bestMap = map;
                }
                if (auto written = writeModel(); !written) recorder.fail(written.error());
            }
            position.history.push_back(report);
            position.epoch += 1;
            position.batch = 0;
            position.lossSums.clear();
            position.batchesDone = 0;
            position.imagesDone = 0;
            position.secondsDone = 0;
            recorder.metricsRow(report);
            log(detectionEpochLogMessage(report, settings.epochs));
            checkpoint();
            if (hooks.onEpoch) hooks.onEpoch(report);
        }

        result.outcome = diverged  ? TrainingOutcome::Diverged
                         : stopped ? TrainingOutcome::Stopped
                                   : TrainingOutcome::Completed;
        result.history = position.history;
        result.epochsCompleted = static_cast<std::int64_t>(position.history.size());
        result.steps = position.step;
        result.bestEpoch = position.bestEpoch;
        if (!result.model && std::filesystem::exists(runFolder / run_layout::kModelFile)) {
            result.model = runFolder / run_layout::kModelFile;
        }
        if (stopped) {
            log("stopped at epoch " + std::to_string(position.epoch + 1) + ", batch " +
                std::to_string(position.batch + 1) + "; checkpoint written");
        }
        if (diverged) log(result.message);
        result.recordingError = recorder.error();
        nlohmann::json summary = toJson(result);
        summary["finished"] = detection_session::utcNow();
        // The stopped epoch's training so far, which no metrics row holds (as classification's).
        if (stopped && position.secondsDone > 0) {
            summary["unfinished_epoch_seconds"] = position.secondsDone;
        }
        if (auto written = files::writeFileAtomically(runFolder / run_layout::kSummaryFile,
                                                      summary.dump(2) + "\n");
            !written && !result.recordingError) {
            result.recordingError = written.error();
        }
        return result;
    } catch (const c10::Error& e) {
        const std::string message = e.what_without_backtrace();
        (void)files::writeFileAtomically(
            runFolder / run_layout::kFailureFile,
            nlohmann::json{{"message", message}, {"failed", detection_session::utcNow()}}.dump());
        return Error{"training failed: " + message, ErrorKind::Internal};
    } catch (const std::exception& e) {
        return Error{std::string("training failed: ") + e.what(), ErrorKind::Internal};
    }
}

}  // namespace fovea::core
