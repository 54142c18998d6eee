#include "detection_common.h"

#include <opencv2/core.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>

#include "fovea/core/atomic_file.h"
#include "fovea/core/image/image_decode.h"
#include "fovea/core/training/run_folder_layout.h"

namespace fovea::core::detection_session {

Result<ProjectClasses> projectClasses(const ProjectStore& store) {
    auto classes = store.classes();
    if (!classes) return classes.error();
    ProjectClasses result;
    for (const ClassInfo& info : classes.value()) {
        result.indexOf[info.id] = static_cast<int>(result.names.size());
        result.names.push_back(info.name);
    }
    return result;
}

Result<std::vector<Sample>> annotatedSamples(const ProjectStore& store,
                                             const std::map<ClassId, int>& classIndexOf,
                                             std::optional<Split> split) {
    ImageFilter filter = usableImages();
    filter.annotated = Require::Yes;
    filter.split = split;
    auto images = store.images(filter);
    if (!images) return images.error();
    std::vector<Sample> samples;
    samples.reserve(images.value().size());
    for (const ImageRecord& record : images.value()) {
        auto boxes = store.boxes(record.id);
        if (!boxes) return boxes.error();
        Sample sample;
        sample.id = record.id;
        sample.path = record.path;
        for (const ProjectBox& box : boxes.value()) {
            const auto index = classIndexOf.find(box.classId);
            if (index == classIndexOf.end()) continue;
            sample.boxes.push_back(detection::TruthBox{index->second, box.x, box.y, box.w, box.h,
                                                       box.crowd, box.difficult});
        }
        samples.push_back(std::move(sample));
    }
    return samples;
}

namespace {

// A random crop that keeps every non-crowd box whole: each edge lies between the image's edge
// and the boxes' union (without boxes, at least half of each side stays).
void cropKeepingBoxes(cv::Mat& rgb, std::vector<detection::TruthBox>& boxes, std::mt19937_64& rng) {
    const double width = rgb.cols, height = rgb.rows;
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    double ux1 = width, uy1 = height, ux2 = 0, uy2 = 0;
    bool any = false;
    for (const auto& box : boxes) {
        if (box.crowd) continue;
        any = true;
        ux1 = std::min(ux1, std::max(0.0, box.x));
        uy1 = std::min(uy1, std::max(0.0, box.y));
        ux2 = std::max(ux2, std::min(width, box.x + box.w));
        uy2 = std::max(uy2, std::min(height, box.y + box.h));
    }
    if (!any) {
        ux1 = width / 2, ux2 = width / 2, uy1 = height / 2, uy2 = height / 2;
    }
    const int x0 = static_cast<int>(std::floor(unit(rng) * ux1));
    const int y0 = static_cast<int>(std::floor(unit(rng) * uy1));
    const int x1 = std::min(rgb.cols, static_cast<int>(std::ceil(ux2 + unit(rng) * (width - ux2))));
    const int y1 =
        std::min(rgb.rows, static_cast<int>(std::ceil(uy2 + unit(rng) * (height - uy2))));
    if (x1 - x0 < 2 || y1 - y0 < 2) return;
    rgb = rgb(cv::Rect(x0, y0, x1 - x0, y1 - y0)).clone();
    std::vector<detection::TruthBox> kept;
    for (auto box : boxes) {
        box.x -= x0;
        box.y -= y0;
        // Crowd boxes may be cut by the crop: clip them, drop what falls outside.
        const double bx1 = std::max(0.0, box.x), by1 = std::max(0.0, box.y);
        const double bx2 = std::min<double>(rgb.cols, box.x + box.w);
        const double by2 = std::min<double>(rgb.rows, box.y + box.h);
        if (bx2 - bx1 < 1 || by2 - by1 < 1) continue;
        box.x = bx1, box.y = by1, box.w = bx2 - bx1, box.h = by2 - by1;
        kept.push_back(box);
    }
    boxes = std::move(kept);
}

}  // namespace

Result<DecodedSample> decodeSample(const std::filesystem::path& file,
                                   const std::vector<detection::TruthBox>& truth,
                                   const DetectionAugmentation* augmentation,
                                   std::mt19937_64* rng) {
    auto decoded = decodeImage(file);
    if (!decoded) return decoded.error();
    cv::Mat rgb = decoded.value().rgb;
    std::vector<detection::TruthBox> boxes = truth;
    if (augmentation && rng) {
        std::uniform_real_distribution<double> unit(0.0, 1.0);
        if (augmentation->cropProbability > 0 && unit(*rng) < augmentation->cropProbability) {
            cropKeepingBoxes(rgb, boxes, *rng);
        }
        if (augmentation->horizontalFlip && unit(*rng) < 0.5) {
            cv::Mat flipped;
            cv::flip(rgb, flipped, 1);
            rgb = flipped;
            for (auto& box : boxes) box.x = rgb.cols - box.x - box.w;
        }
    }
    if (!rgb.isContinuous()) rgb = rgb.clone();
    DecodedSample sample;
    sample.width = rgb.cols;
    sample.height = rgb.rows;
    sample.image = torch::from_blob(rgb.data, {rgb.rows, rgb.cols, 3}, torch::kUInt8)
                       .permute({2, 0, 1})
                       .to(torch::kFloat32)
                       .div_(255.0f)
                       .contiguous();
    std::vector<float> corners;
    std::vector<std::int64_t> labels;
    for (const auto& box : boxes) {
        if (box.crowd) continue;  // torchvision's COCO training leaves crowd regions out
        const float x1 = std::clamp(static_cast<float>(box.x), 0.0f, float(rgb.cols));
        const float y1 = std::clamp(static_cast<float>(box.y), 0.0f, float(rgb.rows));
        const float x2 = std::clamp(static_cast<float>(box.x + box.w), 0.0f, float(rgb.cols));
        const float y2 = std::clamp(static_cast<float>(box.y + box.h), 0.0f, float(rgb.rows));
        if (x2 - x1 <= 0 || y2 - y1 <= 0) continue;
        corners.insert(corners.end(), {x1, y1, x2, y2});
        labels.push_back(box.classIndex + 1);
    }
    const auto count = static_cast<std::int64_t>(labels.size());
    sample.target.boxes = torch::tensor(corners, torch::kFloat32).reshape({count, 4});
    sample.target.labels = torch::tensor(labels, torch::kInt64).reshape({count});
    return sample;
}

Result<DetectorShape> detectorShape(const DetectionTrainingSettings& settings,
                                    std::int64_t classCount) {
    const auto architecture = detection::fasterRcnnArchitectureFromName(settings.architecture);
    if (!architecture) {
        return Error{"unknown detection architecture '" + settings.architecture +
                         "' (fasterrcnn_mobilenet_v2_fpn, fasterrcnn_mobilenet_v3_large_320_fpn, "
                         "fasterrcnn_mobilenet_v3_large_fpn or fasterrcnn_resnet50_fpn)",
                     ErrorKind::Usage};
    }
    if (settings.minSize < 0 || settings.maxSize < 0) {
        return Error{"the image size must be positive", ErrorKind::Usage};
    }
    DetectorShape shape{*architecture, classCount, settings.minSize, settings.maxSize,
                        settings.augmentation.minScale};
    // torchvision's _validate_trainable_layers: 3 stages train when the backbone starts from
    // weights, all of them (and plain batch norm) when it does not.
    shape.frozenBatchNorm = settings.weights != "none";
    const std::int64_t stages = backboneStages(*architecture);
    shape.trainableBackboneLayers = settings.trainableBackboneLayers;
    if (shape.trainableBackboneLayers == -1) {
        shape.trainableBackboneLayers = shape.frozenBatchNorm ? 3 : stages;
    }
    if (shape.trainableBackboneLayers < 0 || shape.trainableBackboneLayers > stages) {
        return Error{"trainable backbone layers must be in [0, " + std::to_string(stages) +
                         "] for " + settings.architecture + ", got " +
                         std::to_string(shape.trainableBackboneLayers),
                     ErrorKind::Usage};
    }
    if (settings.boxBatchSizePerImage < 1 || settings.rpnTestProposals < 0) {
        return Error{
            "the box head's regions per image must be positive and the test proposals "
            "not negative",
            ErrorKind::Usage};
    }
    shape.boxBatchSizePerImage = settings.boxBatchSizePerImage;
    shape.rpnTestProposals = settings.rpnTestProposals;
    const auto defaults = detection::fasterRcnnDefaults(*architecture);
    const std::int64_t defaultMin = defaults.minSize.back();
    if (shape.minSize == 0) shape.minSize = defaultMin;
    if (shape.maxSize == 0) {
        shape.maxSize = static_cast<std::int64_t>(
            std::llround(double(defaults.maxSize) * double(shape.minSize) / double(defaultMin)));
    }
    if (shape.maxSize < shape.minSize) {
        return Error{"the longest side (" + std::to_string(shape.maxSize) +
                         ") must be at least the shortest side (" + std::to_string(shape.minSize) +
                         ")",
                     ErrorKind::Usage};
    }
    return shape;
}

std::int64_t backboneStages(detection::FasterRcnnArchitecture architecture) {
    return architecture == detection::FasterRcnnArchitecture::kResNet50Fpn ? 5 : 6;
}

detection::FasterRcnn buildDetector(const DetectorShape& shape) {
    auto options = detection::fasterRcnnDefaults(shape.architecture);
    options.numClasses = shape.classCount + 1;
    options.frozenBatchNorm = shape.frozenBatchNorm;
    options.trainableBackboneLayers = shape.trainableBackboneLayers;
    options.roiHeads.batchSizePerImage = shape.boxBatchSizePerImage;
    if (shape.rpnTestProposals > 0) {
        options.rpn.preNmsTopNTest = shape.rpnTestProposals;
        options.rpn.postNmsTopNTest = shape.rpnTestProposals;
    }
    // Multi-scale training as torchvision's recipes give min_size (480, 512, ..., 800): steps of
    // 32 px down to minScale of the size; evaluation uses the last, the size itself.
    std::vector<std::int64_t> sizes{shape.minSize};
    if (shape.minScale < 1.0) {
        const double lowest = shape.minScale * double(shape.minSize);
        for (std::int64_t s = shape.minSize - 32; s >= lowest && s >= 32; s -= 32) {
            sizes.insert(sizes.begin(), s);
        }
    }
    options.minSize = sizes;
    options.maxSize = shape.maxSize;
    return detection::FasterRcnn(shape.architecture, options);
}

StateDict detectorStateDict(detection::FasterRcnnImpl& model) {
    StateDict state;
    for (const auto& item : model.named_parameters(true)) {
        state.insert(item.key(), item.value().detach().to(torch::kCPU).clone());
    }
    for (const auto& item : model.named_buffers(true)) {
        state.insert(item.key(), item.value().detach().to(torch::kCPU).clone());
    }
    return state;
}

std::vector<DetectedBox> detectedBoxes(const detection::Detections& detections,
                                       const std::vector<std::string>& classNames,
                                       double minScore) {
    std::vector<DetectedBox> boxes;
    const torch::Tensor corners = detections.boxes.to(torch::kCPU).to(torch::kFloat32).contiguous();
    const torch::Tensor scores = detections.scores.to(torch::kCPU).to(torch::kFloat32).contiguous();
    const torch::Tensor labels = detections.labels.to(torch::kCPU).to(torch::kInt64).contiguous();
    const auto count = scores.size(0);
    const float* c = corners.data_ptr<float>();
    const float* s = scores.data_ptr<float>();
    const std::int64_t* l = labels.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < count; ++i) {
        if (s[i] < minScore) continue;
        const auto index = static_cast<int>(l[i] - 1);
        if (index < 0 || index >= static_cast<int>(classNames.size())) continue;
        DetectedBox box;
        box.classIndex = index;
        box.className = classNames[static_cast<std::size_t>(index)];
        box.x = c[4 * i];
        box.y = c[4 * i + 1];
        box.w = c[4 * i + 2] - c[4 * i];
        box.h = c[4 * i + 3] - c[4 * i + 1];
        box.score = s[i];
        boxes.push_back(box);
    }
    return boxes;
}

std::vector<detection::ScoredBox> scoredBoxes(const std::vector<DetectedBox>& boxes) {
    std::vector<detection::ScoredBox> scored;
    scored.reserve(boxes.size());
    for (const auto& box : boxes) {
        scored.push_back(detection::ScoredBox{box.classIndex, box.x, box.y, box.w, box.h,
                                              static_cast<double>(box.score)});
    }
    return scored;
}

ValidationOutput validate(detection::FasterRcnnImpl& model, const std::vector<Sample>& samples,
                          const std::vector<std::string>& classNames, std::int64_t batchSize,
                          const torch::Device& device, const std::function<bool()>& stopRequested) {
    ValidationOutput output;
    output.detections.resize(samples.size());
    std::vector<detection::ImageDetectionsAndTruth> evaluated(samples.size());
    const bool wasTraining = model.is_training();
    model.eval();
    torch::NoGradGuard noGrad;
    const auto step = static_cast<std::size_t>(std::max<std::int64_t>(batchSize, 1));
    for (std::size_t start = 0; start < samples.size(); start += step) {
        if (stopRequested && stopRequested()) break;
        std::vector<torch::Tensor> images;
        std::vector<std::size_t> indices;
        for (std::size_t i = start; i < std::min(samples.size(), start + step); ++i) {
            evaluated[i].truth = samples[i].boxes;
            auto decoded = decodeSample(samples[i].path, samples[i].boxes, nullptr, nullptr);
            if (!decoded) {
                output.failures.push_back({samples[i].id, decoded.error().message});
                continue;
            }
            images.push_back(decoded.value().image.to(device));
            indices.push_back(i);
        }
        if (images.empty()) continue;
        const auto result = model.forward(images);
        for (std::size_t j = 0; j < indices.size(); ++j) {
            output.detections[indices[j]] = detectedBoxes(result.detections[j], classNames, 0.0);
            evaluated[indices[j]].detections = scoredBoxes(output.detections[indices[j]]);
        }
    }
    if (wasTraining) model.train();
    output.metrics = detection::evaluateCoco(evaluated, static_cast<int>(classNames.size()));
    return output;
}

Result<nlohmann::json> readDetectionConfig(const std::filesystem::path& runFolder) {
    const auto file = runFolder / run_layout::kConfigFile;
    auto text = files::readWholeFile(file);
    if (!text) {
        return Error{runFolder.string() + " is not a run folder (no readable config.json)",
                     ErrorKind::Usage};
    }
    nlohmann::json config;
    try {
        config = nlohmann::json::parse(text.value());
    } catch (const std::exception& e) {
        return Error{file.string() + ": not JSON (" + e.what() + ")", ErrorKind::BadData};
    }
    if (!config.is_object() || config.value("task", std::string()) != kDetectionTask) {
        return Error{runFolder.string() + " is not a detection run", ErrorKind::Usage};
    }
    return config;
}

std::string utcNow() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

}  // namespace fovea::core::detection_session
