#pragma once

// Training a Faster R-CNN detector on a detection project (issue 24, point 4), free of LibTorch:
// fovea-cli train and, later, the workbench's Train page start runs through this.
//
// A detection run folder holds (alongside what run_folder_layout.h names):
//   config.json      {"task": "detection", "settings": DetectionTrainingSettings, "classes",
//                     "min_size", "max_size", "train_image_ids", "val_image_ids",
//                     "backbone_weights": {"description", "file", "classification_architecture",
//                     "loaded_tensors"} (null for --weights none), "frozen_batch_norm",
//                     "trainable_backbone_layers", "frozen_parts", "fovea_version",
//                     "created"}
//   metrics.csv      kDetectionMetricsHeader: per epoch the mean of each torchvision loss, the
//                    validation mAP@[.5:.95], AP50 and AP75 (empty without validation images)
//   log.txt          timestamped lines, one per epoch among them
//   checkpoints/last.pt   weights, optimizer, random state and position (written atomically at
//                    the end of every epoch and when stopped)
//   model.safetensors     the weights under torchvision's names: the best validation mAP's, or
//                    the last epoch's without validation; written when the run completes
//   summary.json     the DetectionTrainingResult's figures
//   running.json / failure.json as for classification runs (run_activity.h)

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/detection/detection_metrics.h"
#include "fovea/core/download/downloader.h"
#include "fovea/core/result.h"
#include "fovea/core/training/lr_schedule.h"
#include "fovea/core/training/training_config.h"
#include "fovea/core/training/training_reports.h"

namespace fovea::core {

inline constexpr const char* kDetectionTask = "detection";
// What a detection project trains when nothing is chosen: it starts from the offline weights, so
// a first run needs no network.
inline constexpr const char* kDefaultDetectionArchitecture = "fasterrcnn_mobilenet_v2_fpn";
inline constexpr const char* kDetectionMetricsHeader =
    "epoch,loss,loss_classifier,loss_box_reg,loss_objectness,loss_rpn_box_reg,val_map,val_ap50,"
    "val_ap75,learning_rate,seconds,images_per_second,improved";

// Augmentations that move the boxes with the pixels (applied to training images only).
struct DetectionAugmentation {
    bool horizontalFlip = true;  // with probability 0.5
    // Multi-scale training: each image's shorter side is drawn from minScale * minSize ..
    // minSize (torchvision's min_size tuple, in steps of 32 px as its recipes); 1: off.
    double minScale = 0.75;
    // With this probability, a random crop that keeps every (non-crowd) box whole: its edges
    // drawn between the image's edges and the boxes' union. 0: off.
    double cropProbability = 0;
};

struct DetectionTrainingSettings {
    std::filesystem::path project;  // a detection project folder
    // fasterrcnn_mobilenet_v2_fpn (the default: its weights work offline) |
    // fasterrcnn_mobilenet_v3_large_320_fpn | fasterrcnn_mobilenet_v3_large_fpn |
    // fasterrcnn_resnet50_fpn
    std::string architecture = kDefaultDetectionArchitecture;
    // Where the backbone starts (torchvision's weights_backbone; the FPN, RPN and box head
    // always start from their initialisation):
    //   "default": the classification weights of detection::backboneClassificationArchitecture:
    //              the offline MobileNetV2 (fovea-cli prepare-offline-weights) for
    //              fasterrcnn_mobilenet_v2_fpn, else torchvision's ImageNet IMAGENET1K_V1
    //              download (as its detection builders use), from the weights cache;
    //   PATH or URL: a classification state dict of that network (.pth or safetensors);
    //   "none": random initialisation.
    // With weights the backbone's batch norms are frozen (FrozenBatchNorm2d) and only the last
    // trainableBackboneLayers stages train; without, plain batch norm and every stage trains,
    // as torchvision's builders do.
    std::string weights = "default";
    // Backbone stages, counted from the last, that train (torchvision's
    // trainable_backbone_layers: 0..5 for ResNet-50, 0..6 for the MobileNets). -1: torchvision's
    // default, 3 from weights and every stage without. A new run records the value it used.
    std::int64_t trainableBackboneLayers = -1;
    // Parts beyond the backbone that keep their starting values (torchvision module prefixes:
    // detection_freezing.h's "backbone.fpn", "rpn", "roi_heads.box_head",
    // "roi_heads.box_predictor"): requires_grad false and left out of the optimizer.
    std::vector<std::string> frozenParts;
    std::int64_t minSize = 0;  // shorter side fed to the network; 0: the architecture's
    std::int64_t maxSize = 0;  // longer side limit; 0: scaled with minSize as the default's
    // Regions per training image the box head learns from (torchvision's
    // box_batch_size_per_image): its two 1024-wide layers on each make most of a CPU step's time.
    std::int64_t boxBatchSizePerImage = 512;
    // Proposals kept per image at evaluation before and after the RPN's NMS (torchvision's
    // rpn_pre_nms_top_n_test and rpn_post_nms_top_n_test, as the 320 builder sets both); 0: the
    // architecture's (1000; 150 for fasterrcnn_mobilenet_v3_large_320_fpn).
    std::int64_t rpnTestProposals = 0;
    std::int64_t epochs = 10;
    std::int64_t batchSize = 4;
    // torchvision's detection recipe (references/detection): SGD, momentum 0.9, weight decay
    // 1e-4 on every trainable parameter, lr 0.02 for 16 images per batch (scaled linearly).
    OptimizerKind optimizer = OptimizerKind::Sgd;
    double learningRate = 0.01;
    double momentum = 0.9;
    double weightDecay = 1e-4;
    ScheduleOptions schedule{ScheduleKind::Cosine};
    double warmupEpochs = 0;
    double gradientClipNorm = 0;  // 0: none
    DetectionAugmentation augmentation;
    double validationFraction = 0.2;  // for images without a split (assignSplits; no test)
    std::uint64_t seed = 0;
    DevicePreference device = DevicePreference::Auto;
    std::int64_t reportEveryBatches = 1;
};

nlohmann::json toJson(const DetectionTrainingSettings& settings);
// Missing keys keep their defaults; wrong values are errors naming the key.
Result<DetectionTrainingSettings> detectionSettingsFromJson(const nlohmann::json& json);

struct DetectionBatchProgress {
    std::int64_t epoch = 0;  // 0-based
    std::int64_t batch = 0;  // 0-based within the epoch
    std::int64_t batchesInEpoch = 0;
    std::int64_t step = 0;  // optimizer steps so far
    double loss = 0;        // this batch's summed losses
    double learningRate = 0;
    double imagesPerSecond = 0;
    double etaSeconds = 0;
};

struct DetectionEpochReport {
    std::int64_t epoch = 0;  // 0-based
    // Mean over the epoch's batches of each of torchvision's losses ("loss_classifier",
    // "loss_box_reg", "loss_objectness", "loss_rpn_box_reg"), and of their sum.
    std::map<std::string, double> losses;
    double loss = 0;
    bool hasValidation = false;
    detection::CocoMetrics validation;  // on the validation images, as `eval` computes it
    double learningRate = 0;            // at the end of the epoch
    double seconds = 0;                 // training and validation
    double imagesPerSecond = 0;         // training images
    bool improved = false;              // a new best validation mAP (those weights are kept)
};

nlohmann::json toJson(const DetectionEpochReport& report,
                      const std::vector<std::string>& classNames);
// One line for log.txt and the terminal.
std::string detectionEpochLogMessage(const DetectionEpochReport& report, std::int64_t epochs);

struct DetectionTrainingStart {
    std::filesystem::path runFolder;
    std::vector<std::string> classNames;
    std::size_t trainImages = 0;
    std::size_t validationImages = 0;
    std::int64_t firstEpoch = 0;  // a resumed run's next epoch
};

struct DetectionTrainingHooks {
    std::function<void(const DetectionTrainingStart&)> started;
    std::function<void(const DetectionBatchProgress&)> onBatch;
    std::function<void(const DetectionEpochReport&)> onEpoch;
    std::function<void(const std::string&)> onLog;
    std::function<void(const SampleFailure&)> onSampleFailure;  // sampleId: the image id
    // The project database was written (splits assigned, an image's decode error).
    std::function<void(const std::filesystem::path& projectFolder)> projectChanged;
    // Downloading the backbone's weights (--weights default of a torchvision architecture, or a
    // URL) into the cache; a stop request cancels the download.
    DownloadProgressCallback onDownload;
};

struct DetectionTrainingResult {
    std::filesystem::path runFolder;
    TrainingOutcome outcome = TrainingOutcome::Completed;
    std::string message;
    std::string architecture;
    std::string weightsDescription;
    std::string device;
    std::vector<std::string> classNames;
    std::size_t trainImages = 0;
    std::size_t validationImages = 0;
    std::int64_t trainableParameters = 0;
    std::int64_t totalParameters = 0;
    std::int64_t epochsCompleted = 0;
    std::int64_t steps = 0;
    std::vector<DetectionEpochReport> history;   // the whole run's, a resumed run's included
    std::optional<std::int64_t> bestEpoch;       // 0-based, by validation mAP
    std::vector<SampleFailure> skipped;          // images that could not be decoded
    std::optional<std::filesystem::path> model;  // not written for a stopped run
    std::optional<Error> recordingError;
};

nlohmann::json toJson(const DetectionTrainingResult& result);

// Trains `settings` into the new run folder `runFolder`, or with `resume` continues the run there
// from checkpoints/last.pt with its recorded settings (`settings` unused). Assigns splits to
// annotated images without one (train and val only). Runs on the calling thread; `control`
// stops (checkpoint written, outcome Stopped) or pauses it between batches. Errors carry their
// kind: Usage (not a detection project, unknown architecture, an existing run, unknown weights),
// BadData (no annotated images, no classes, unusable weights: missing offline weights, a file
// that is not the backbone's), Cancelled (stopped while downloading), Internal.
Result<DetectionTrainingResult> runDetectionTraining(const DetectionTrainingSettings& settings,
                                                     const std::filesystem::path& runFolder,
                                                     bool resume, TrainingControl& control,
                                                     const DetectionTrainingHooks& hooks = {});

// Whether `runFolder`'s config.json says it is a detection run.
bool isDetectionRun(const std::filesystem::path& runFolder);

}  // namespace fovea::core
