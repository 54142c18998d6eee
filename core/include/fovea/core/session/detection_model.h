#pragma once

// A trained detector, to predict boxes on images and to evaluate it on a project (issue 24,
// point 4), free of LibTorch: fovea-cli eval and predict use these, the workbench will too.

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/detection/detection_metrics.h"
#include "fovea/core/result.h"
#include "fovea/core/training/training_config.h"

namespace fovea::core {

struct DetectedBox {
    int classIndex = 0;  // 0-based among the run's classes (the network's label minus one)
    std::string className;
    float x = 0, y = 0, w = 0, h = 0;  // pixels of the upright image (detection::Box's)
    float score = 0;                   // the box head's softmax probability of the class
};

struct ImageDetections {
    std::filesystem::path file;
    int width = 0;  // upright, pixels
    int height = 0;
    std::vector<DetectedBox> boxes;    // by decreasing score
    std::optional<std::string> error;  // the image could not be read (no boxes then)
};

// Images processed so far and in all.
using DetectionProgress = std::function<void(std::size_t done, std::size_t total)>;

// A run folder's detector: its model.safetensors (or, for a stopped run, checkpoints/last.pt)
// in the architecture and input size config.json records. Move-only.
class DetectionModel {
  public:
    static Result<DetectionModel> open(const std::filesystem::path& runFolder,
                                       DevicePreference device = DevicePreference::Auto);
    DetectionModel(DetectionModel&&) noexcept;
    DetectionModel& operator=(DetectionModel&&) noexcept;
    ~DetectionModel();

    const std::vector<std::string>& classNames() const;
    const std::string& architecture() const;
    const std::filesystem::path& weightsFile() const;
    std::string device() const;

    // Boxes with a score of at least `minScore` (the box head keeps none below its own 0.05),
    // in batches of `batchSize` images. Unreadable images come back with their error. `cancel`,
    // polled between batches, stops early: the images not reached say "cancelled".
    std::vector<ImageDetections> detect(const std::vector<std::filesystem::path>& files,
                                        double minScore, std::int64_t batchSize = 4,
                                        const DetectionProgress& progress = {},
                                        const std::atomic<bool>* cancel = nullptr);

  private:
    struct Impl;
    explicit DetectionModel(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

// One evaluated image: the project's boxes as ground truth (class indices of the model's classes
// matched by name; boxes of classes the model lacks are left out) and the model's detections.
struct EvaluatedImage {
    std::int64_t imageId = 0;
    ImageDetections detections;
    std::vector<detection::TruthBox> truth;
};

struct DetectionEvaluation {
    std::vector<std::string> classNames;
    std::string split;  // "val", "train" or "all"
    std::vector<EvaluatedImage> images;
    detection::CocoMetrics metrics;
    detection::ErrorBreakdown errors;  // over every detection kept (score >= the box head's)
};

struct DetectionEvaluationOptions {
    std::filesystem::path project;  // empty: the run's own project
    // "val": the run's validation images; "train": its training images; "all": every annotated,
    // usable image of the project. Empty: val for the run's project, all for another.
    std::string split;
    std::int64_t batchSize = 4;
    DevicePreference device = DevicePreference::Auto;
    // Polled between batches (the workbench's Cancel): a set flag ends the evaluation with an
    // error of kind Cancelled.
    const std::atomic<bool>* cancel = nullptr;
};

Result<DetectionEvaluation> evaluateDetectionRun(const std::filesystem::path& runFolder,
                                                 const DetectionEvaluationOptions& options,
                                                 const DetectionProgress& progress = {});

// {"classes", "split", "images", "map", "ap50", "ap75", "ar", "per_class": [{"class", "ap",
// "ap50", "ap75", "recall", "truth_boxes", "detections"}], "errors": {outcome: count,
// "missed": n}} (figures null where COCO has none).
nlohmann::json metricsJson(const detection::CocoMetrics& metrics,
                           const std::vector<std::string>& classNames);

// COCO results JSON (https://cocodataset.org/#format-results): [{"image_id", "category_id",
// "bbox": [x, y, w, h], "score"}], image ids 1..N in `images` order and category ids 1..K in
// class order, as writeCoco numbers them.
nlohmann::json cocoResultsJson(const std::vector<ImageDetections>& images);

// The predictions of `images` as fovea-cli predict writes them, for every writer of predictions
// (the CLI, the workbench's Predict page) to agree: one box as {"class", "class_index", "x",
// "y", "w", "h", "score"}; an image as {"path", "width", "height", "boxes"}, or {"path",
// "error"} when it could not be read.
nlohmann::json detectedBoxJson(const DetectedBox& box);
nlohmann::json detectionPredictionsJson(const std::vector<ImageDetections>& images);
// CSV with the header "path,class,score,x,y,w,h,error": a line per box, and a line with only the
// path and the error for an unreadable image (an image without boxes has no line). Text fields
// are quoted, quotes doubled.
std::string detectionPredictionsCsv(const std::vector<ImageDetections>& images);

}  // namespace fovea::core
