#include "fovea/core/session/detection_model.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "detection_common.h"
#include "fovea/core/training/device_choice.h"
#include "fovea/core/training/run_folder_layout.h"
#include "fovea/core/weights/safetensors.h"

namespace fovea::core {

struct DetectionModel::Impl {
    detection::FasterRcnn model{nullptr};
    torch::Device device{torch::kCPU};
    std::vector<std::string> classNames;
    std::string architecture;
    std::filesystem::path weightsFile;
};

DetectionModel::DetectionModel(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
DetectionModel::DetectionModel(DetectionModel&&) noexcept = default;
DetectionModel& DetectionModel::operator=(DetectionModel&&) noexcept = default;
DetectionModel::~DetectionModel() = default;

const std::vector<std::string>& DetectionModel::classNames() const { return m_impl->classNames; }
const std::string& DetectionModel::architecture() const { return m_impl->architecture; }
const std::filesystem::path& DetectionModel::weightsFile() const { return m_impl->weightsFile; }
std::string DetectionModel::device() const { return m_impl->device.str(); }

Result<DetectionModel> DetectionModel::open(const std::filesystem::path& runFolder,
                                            DevicePreference device) {
    auto config = detection_session::readDetectionConfig(runFolder);
    if (!config) return config.error();
    auto settings = detectionSettingsFromJson(config.value().value("settings", nlohmann::json()));
    if (!settings) return settings.error();
    auto impl = std::make_unique<Impl>();
    try {
        impl->classNames = config.value().at("classes").get<std::vector<std::string>>();
        settings.value().minSize = config.value().value("min_size", settings.value().minSize);
        settings.value().maxSize = config.value().value("max_size", settings.value().maxSize);
    } catch (const std::exception& e) {
        return Error{runFolder.string() + "/config.json: " + e.what(), ErrorKind::BadData};
    }
    settings.value().augmentation.minScale = 1.0;  // evaluation uses the size itself
    auto shape = detection_session::detectorShape(
        settings.value(), static_cast<std::int64_t>(impl->classNames.size()));
    if (!shape) return shape.error();
    auto resolved = resolveDevice(device);
    if (!resolved) return withKind(resolved.error(), ErrorKind::Usage);
    impl->device = resolved.value();
    impl->architecture = settings.value().architecture;
    impl->weightsFile = runFolder / run_layout::kModelFile;
    if (!std::filesystem::exists(impl->weightsFile)) {
        return Error{runFolder.string() + " has no model yet (" + run_layout::kModelFile +
                         " is written after the first epoch)",
                     ErrorKind::BadData};
    }
    auto weights = readSafetensors(impl->weightsFile);
    if (!weights) return weights.error();
    try {
        torch::NoGradGuard noGrad;
        impl->model = detection_session::buildDetector(shape.value());
        auto loaded = detection::loadDetectionStateDict(*impl->model, weights.value().tensors,
                                                        impl->weightsFile.string());
        if (!loaded) return loaded.error();
        impl->model->to(impl->device);
        impl->model->eval();
    } catch (const c10::Error& e) {
        return Error{impl->weightsFile.string() + ": " + e.what_without_backtrace(),
                     ErrorKind::BadData};
    }
    return DetectionModel(std::move(impl));
}

std::vector<ImageDetections> DetectionModel::detect(const std::vector<std::filesystem::path>& files,
                                                    double minScore, std::int64_t batchSize,
                                                    const DetectionProgress& progress,
                                                    const std::atomic<bool>* cancel) {
    std::vector<ImageDetections> results(files.size());
    torch::NoGradGuard noGrad;
    m_impl->model->eval();
    const auto step = static_cast<std::size_t>(std::max<std::int64_t>(batchSize, 1));
    for (std::size_t start = 0; start < files.size(); start += step) {
        if (cancel && cancel->load()) {
            for (std::size_t i = start; i < files.size(); ++i) {
                results[i].file = files[i];
                results[i].error = "cancelled";
            }
            break;
        }
        std::vector<torch::Tensor> images;
        std::vector<std::size_t> indices;
        for (std::size_t i = start; i < std::min(files.size(), start + step); ++i) {
            results[i].file = files[i];
            auto decoded = detection_session::decodeSample(files[i], {}, nullptr, nullptr);
            if (!decoded) {
                results[i].error = decoded.error().message;
                continue;
            }
            results[i].width = decoded.value().width;
            results[i].height = decoded.value().height;
            images.push_back(decoded.value().image.to(m_impl->device));
            indices.push_back(i);
        }
        if (!images.empty()) {
            try {
                const auto output = m_impl->model->forward(images);
                for (std::size_t j = 0; j < indices.size(); ++j) {
                    results[indices[j]].boxes = detection_session::detectedBoxes(
                        output.detections[j], m_impl->classNames, minScore);
                }
            } catch (const c10::Error& e) {
                for (const std::size_t i : indices) {
                    results[i].error =
                        std::string("the detector failed: ") + e.what_without_backtrace();
                }
            }
        }
        if (progress) progress(std::min(files.size(), start + step), files.size());
    }
    return results;
}

Result<DetectionEvaluation> evaluateDetectionRun(const std::filesystem::path& runFolder,
                                                 const DetectionEvaluationOptions& options,
                                                 const DetectionProgress& progress) {
    auto config = detection_session::readDetectionConfig(runFolder);
    if (!config) return config.error();
    auto settings = detectionSettingsFromJson(config.value().value("settings", nlohmann::json()));
    if (!settings) return settings.error();
    const bool ownProject = options.project.empty();
    const std::filesystem::path project = ownProject ? settings.value().project : options.project;
    std::string split = options.split.empty() ? (ownProject ? "val" : "all") : options.split;
    if (split != "val" && split != "train" && split != "all") {
        return Error{"--split " + split + ": expected val, train or all", ErrorKind::Usage};
    }
    auto model = DetectionModel::open(runFolder, options.device);
    if (!model) return model.error();
    auto store = ProjectStore::open(project);
    if (!store) return withKind(store.error(), ErrorKind::Usage);
    if (store.value().projectTask() != ProjectTask::Detection) {
        return Error{project.string() + " is not a detection project", ErrorKind::Usage};
    }
    // The model's classes, matched by name with the project's.
    auto classes = detection_session::projectClasses(store.value());
    if (!classes) return classes.error();
    const auto& names = model.value().classNames();
    std::map<ClassId, int> indexOf;
    for (const auto& [id, index] : classes.value().indexOf) {
        const auto at =
            std::find(names.begin(), names.end(), classes.value().names[std::size_t(index)]);
        if (at != names.end()) indexOf[id] = static_cast<int>(at - names.begin());
    }
    std::optional<Split> storeSplit;
    if (!ownProject && split == "val") storeSplit = Split::Val;
    if (!ownProject && split == "train") storeSplit = Split::Train;
    auto samples = detection_session::annotatedSamples(store.value(), indexOf, storeSplit);
    if (!samples) return samples.error();
    if (ownProject && split != "all") {
        // The images the run recorded for the split, as far as they are still annotated.
        const auto ids = config.value()
                             .value(split == "val" ? "val_image_ids" : "train_image_ids",
                                    nlohmann::json::array())
                             .get<std::vector<std::int64_t>>();
        const std::set<std::int64_t> wanted(ids.begin(), ids.end());
        std::vector<detection_session::Sample> kept;
        for (auto& sample : samples.value()) {
            if (wanted.count(sample.id)) kept.push_back(std::move(sample));
        }
        samples.value() = std::move(kept);
    }
    if (samples.value().empty()) {
        return Error{project.string() + " has no annotated images in split '" + split + "'",
                     ErrorKind::BadData};
    }
    std::vector<std::filesystem::path> files;
    for (const auto& sample : samples.value()) files.push_back(sample.path);
    DetectionEvaluation evaluation;
    evaluation.classNames = names;
    evaluation.split = split;
    const auto detections = model.value().detect(
        files, 0.0, std::max<std::int64_t>(options.batchSize, 1), progress, options.cancel);
    if (options.cancel && options.cancel->load()) {
        return Error{"the evaluation was cancelled", ErrorKind::Cancelled};
    }
    std::vector<detection::ImageDetectionsAndTruth> scored;
    for (std::size_t i = 0; i < samples.value().size(); ++i) {
        EvaluatedImage image;
        image.imageId = samples.value()[i].id;
        image.detections = detections[i];
        image.truth = samples.value()[i].boxes;
        scored.push_back({image.truth, detection_session::scoredBoxes(image.detections.boxes)});
        evaluation.images.push_back(std::move(image));
    }
    evaluation.metrics = detection::evaluateCoco(scored, static_cast<int>(names.size()));
    evaluation.errors = detection::classifyDetectionErrors(scored);
    return evaluation;
}

nlohmann::json metricsJson(const detection::CocoMetrics& metrics,
                           const std::vector<std::string>& classNames) {
    auto figure = [](const std::optional<double>& value) {
        return value ? nlohmann::json(*value) : nlohmann::json();
    };
    nlohmann::json perClass = nlohmann::json::array();
    for (const auto& c : metrics.perClass) {
        perClass.push_back({{"class", c.classIndex < static_cast<int>(classNames.size())
                                          ? classNames[static_cast<std::size_t>(c.classIndex)]
                                          : std::to_string(c.classIndex)},
                            {"ap", figure(c.ap)},
                            {"ap50", figure(c.ap50)},
                            {"ap75", figure(c.ap75)},
                            {"recall", figure(c.recall)},
                            {"truth_boxes", c.truthBoxes},
                            {"ignored_boxes", c.ignoredBoxes},
                            {"detections", c.detections}});
    }
    return {{"images", metrics.images},     {"map", figure(metrics.map)},
            {"ap50", figure(metrics.ap50)}, {"ap75", figure(metrics.ap75)},
            {"ar", figure(metrics.ar)},     {"per_class", perClass}};
}

nlohmann::json cocoResultsJson(const std::vector<ImageDetections>& images) {
    nlohmann::json results = nlohmann::json::array();
    for (std::size_t i = 0; i < images.size(); ++i) {
        for (const auto& box : images[i].boxes) {
            results.push_back({{"image_id", i + 1},
                               {"category_id", box.classIndex + 1},
                               {"bbox", {box.x, box.y, box.w, box.h}},
                               {"score", box.score}});
        }
    }
    return results;
}

nlohmann::json detectedBoxJson(const DetectedBox& box) {
    return {{"class", box.className},
            {"class_index", box.classIndex},
            {"x", box.x},
            {"y", box.y},
            {"w", box.w},
            {"h", box.h},
            {"score", box.score}};
}

nlohmann::json detectionPredictionsJson(const std::vector<ImageDetections>& images) {
    nlohmann::json predictions = nlohmann::json::array();
    for (const auto& image : images) {
        if (image.error) {
            predictions.push_back({{"path", image.file.string()}, {"error", *image.error}});
            continue;
        }
        nlohmann::json boxes = nlohmann::json::array();
        for (const auto& box : image.boxes) boxes.push_back(detectedBoxJson(box));
        predictions.push_back({{"path", image.file.string()},
                               {"width", image.width},
                               {"height", image.height},
                               {"boxes", boxes}});
    }
    return predictions;
}

std::string detectionPredictionsCsv(const std::vector<ImageDetections>& images) {
    auto quoted = [](const std::string& value) {
        std::string out = "\"";
        for (const char c : value) out += c == '"' ? std::string("\"\"") : std::string(1, c);
        return out + "\"";
    };
    std::ostringstream csv;
    csv << "path,class,score,x,y,w,h,error\n";
    for (const auto& image : images) {
        if (image.error) {
            csv << quoted(image.file.string()) << ",,,,,,," << quoted(*image.error) << "\n";
            continue;
        }
        for (const auto& box : image.boxes) {
            csv << quoted(image.file.string()) << "," << quoted(box.className) << "," << box.score
                << "," << box.x << "," << box.y << "," << box.w << "," << box.h << ",\n";
        }
    }
    return csv.str();
}

}  // namespace fovea::core
