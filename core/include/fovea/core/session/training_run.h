#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/download/downloader.h"
#include "fovea/core/image/augmentation.h"
#include "fovea/core/loader/image_batch_loader.h"
#include "fovea/core/project/import_report.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/result.h"
#include "fovea/core/session/network_setup.h"
#include "fovea/core/session/run_failure.h"
#include "fovea/core/session/training_data.h"
#include "fovea/core/training/batch_size_search.h"
#include "fovea/core/training/trainer.h"
#include "fovea/core/training/training_config.h"

namespace fovea::core {

// Everything that defines a training run: fovea-cli train's flags, or the GUI's Model and Train
// pages. Recorded in the run folder's config.json (describeRunSettings), so a run can be
// resumed or repeated exactly.
constexpr std::int64_t kAutoBatchSize = 0;

struct RunSettings {
    // An image folder (ImageFolder or train|val/class layout; imported into a project kept in
    // the run folder) or a Fovea project folder (used as it is).
    std::filesystem::path data;
    NetworkChoice network;
    TrainingConfig training;
    std::string augment = "light";    // none | light | strong
    std::int64_t batchSize = 32;      // kAutoBatchSize: the largest power of two that fits
    double validationFraction = 0.2;  // of each class, for images without a split
    int workers = 0;                  // image decoding threads; 0: one per core
};

nlohmann::json describeRunSettings(const RunSettings& settings);
// The settings a config.json records. When it also records the blocks the run froze as it began
// (network.frozen_blocks, written by runTraining), those become the explicit freeze list, so a
// resumed run trains exactly what it trained before.
Result<RunSettings> runSettingsFromConfig(const nlohmann::json& config);

// The training data opened: a project as it is, or an image folder imported into a project.
struct OpenedTrainingData {
    ProjectStore store;
    std::optional<ImportReport> import;  // when the folder was (re)imported
};
Result<OpenedTrainingData> openTrainingData(const std::filesystem::path& data,
                                            const std::filesystem::path& projectFolder);

// Everything training needs before the first batch: the data, its split, the network with its
// weights and freezing, and the loaders.
struct TrainingInputs {
    OpenedTrainingData data;
    TrainingDataSet set;
    PreparedNetwork network;
    ImageTransformSpec spec;
    std::unique_ptr<ImageBatchLoader> trainLoader;
    std::unique_ptr<ImageBatchLoader> validationLoader;  // null without validation images
    std::int64_t batchSize = 0;                          // what the loaders use
    std::optional<BatchSizeSearch> batchSizeSearch;      // when the settings asked for auto
};
// `projectFolder`: where an image folder's project is kept. On failure `failure` says why.
Result<TrainingInputs> prepareTrainingInputs(const RunSettings& settings,
                                             const std::filesystem::path& projectFolder,
                                             const DownloadProgressCallback& download,
                                             RunFailure& failure);

// An image left out of the run, with why.
struct SkippedImage {
    std::optional<std::int64_t> imageId;  // for images the loader failed on
    std::filesystem::path path;           // for files the import found unreadable
    std::string message;
};

struct TrainingRunResult {
    std::filesystem::path runFolder;  // absolute
    TrainingSummary summary;
    std::string architecture;
    std::string weightsDescription;
    // As training began: the frozen blocks in network order, and what they leave to train.
    std::vector<std::string> frozenBlocks;
    ParameterCounts parameters;
    std::vector<std::string> classNames;
    std::int64_t batchSize = 0;
    std::string batchSizeExplanation;  // how --batch-size auto chose it (empty otherwise)
    std::size_t trainImages = 0;
    std::size_t validationImages = 0;
    std::int64_t unusableImages = 0;
    std::vector<SkippedImage> skipped;
    // The trained model (best weights when validation chose them); not written for a stopped
    // run, which continues from its checkpoint instead.
    std::optional<std::filesystem::path> model;
    std::optional<Error> recordingError;  // the run folder could not record everything
};

struct TrainingRunHooks {
    TrainingCallbacks training;         // forwarded after the run folder recorded each event
    DownloadProgressCallback download;  // weights being fetched
    // Called once the inputs are ready and the run folder exists, before the first batch.
    std::function<void(const TrainingInputs&, const std::filesystem::path& runFolder)> started;
};

// Trains `settings` into `runFolder` (a new run), or with `resume` continues the run there
// from its last checkpoint with the settings recorded in its config.json (then `settings` is
// not used). Writes config.json, metrics, logs, checkpoints, summary.json and model.safetensors
// (see RunFolder). `control` stops or pauses it from any thread. Runs on the calling thread.
Result<TrainingRunResult> runTraining(const RunSettings& settings,
                                      const std::filesystem::path& runFolder, bool resume,
                                      TrainingControl& control, const TrainingRunHooks& hooks,
                                      RunFailure& failure);

}  // namespace fovea::core
