#pragma once

// What detection training, evaluation and prediction share: a project's annotated images as
// samples, decoding with the boxes moved by augmentation, the detector built from a run's
// settings, and its output as plain boxes.

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "fovea/core/detection/detection_metrics.h"
#include "fovea/core/detection/faster_rcnn.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/result.h"
#include "fovea/core/session/detection_model.h"
#include "fovea/core/session/detection_training.h"

namespace fovea::core::detection_session {

// One annotated image and its boxes, classes as 0-based indices into the run's class list.
struct Sample {
    ImageId id = 0;
    std::filesystem::path path;
    std::vector<detection::TruthBox> boxes;
};

// The project's classes in display order: names, and store id -> index.
struct ProjectClasses {
    std::vector<std::string> names;
    std::map<ClassId, int> indexOf;
};
Result<ProjectClasses> projectClasses(const ProjectStore& store);

// The usable, annotated images of `split` (all splits when nullopt), by id, their boxes mapped
// through `classIndexOf` (store class id -> index; boxes of other classes are left out).
Result<std::vector<Sample>> annotatedSamples(const ProjectStore& store,
                                             const std::map<ClassId, int>& classIndexOf,
                                             std::optional<Split> split);

// A decoded image as the detector takes it: [3, H, W] float RGB in [0, 1], and its target
// (boxes x1, y1, x2, y2 in its pixels; labels = class index + 1, crowd boxes left out as
// torchvision's COCO training does).
struct DecodedSample {
    torch::Tensor image;
    detection::DetectionTarget target;
    int width = 0;
    int height = 0;
};

// Decodes `file` upright. With `rng`, applies `augmentation`'s crop and flip.
Result<DecodedSample> decodeSample(const std::filesystem::path& file,
                                   const std::vector<detection::TruthBox>& boxes,
                                   const DetectionAugmentation* augmentation, std::mt19937_64* rng);

struct DetectorShape {
    detection::FasterRcnnArchitecture architecture;
    std::int64_t classCount = 0;  // without the background
    std::int64_t minSize = 0;     // 0: the architecture's
    std::int64_t maxSize = 0;
    double minScale = 1.0;  // multi-scale training (DetectionAugmentation::minScale)
    // Started from weights (settings.weights != "none"): FrozenBatchNorm2d in the backbone, as
    // torchvision builds a detector for fine-tuning; else plain batch norm.
    bool frozenBatchNorm = false;
    std::int64_t trainableBackboneLayers = 0;  // resolved: never -1
    std::int64_t boxBatchSizePerImage = 512;
    std::int64_t rpnTestProposals = 0;  // 0: the architecture's
};

Result<DetectorShape> detectorShape(const DetectionTrainingSettings& settings,
                                    std::int64_t classCount);
// Stages a backbone has for trainable_backbone_layers: 5 for ResNet-50, 6 for the MobileNets.
std::int64_t backboneStages(detection::FasterRcnnArchitecture architecture);

// Built untrained with the shape's batch norm and freezing (the backbone's weights are loaded
// afterwards, see loadBackboneWeights).
detection::FasterRcnn buildDetector(const DetectorShape& shape);

// Parameters and buffers under torchvision's names, on the CPU.
StateDict detectorStateDict(detection::FasterRcnnImpl& model);

// The detector's output for one image as plain boxes (x, y, w, h; class index = label - 1).
std::vector<DetectedBox> detectedBoxes(const detection::Detections& detections,
                                       const std::vector<std::string>& classNames, double minScore);
std::vector<detection::ScoredBox> scoredBoxes(const std::vector<DetectedBox>& boxes);

// Validation as evaluateCoco sees it: the model (eval mode, no grad) over `samples`.
struct ValidationOutput {
    detection::CocoMetrics metrics;
    std::vector<std::vector<DetectedBox>> detections;  // per sample
    std::vector<SampleFailure> failures;
};
ValidationOutput validate(detection::FasterRcnnImpl& model, const std::vector<Sample>& samples,
                          const std::vector<std::string>& classNames, std::int64_t batchSize,
                          const torch::Device& device,
                          const std::function<bool()>& stopRequested = {});

// config.json of a run folder, when it is a detection run's.
Result<nlohmann::json> readDetectionConfig(const std::filesystem::path& runFolder);

std::string utcNow();  // ISO 8601, seconds

}  // namespace fovea::core::detection_session
