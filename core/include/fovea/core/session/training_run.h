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
#include "fovea/core/session/run_settings.h"
#include "fovea/core/session/training_data.h"
#include "fovea/core/training/batch_size_search.h"
#include "fovea/core/training/trainer.h"
#include "fovea/core/training/training_config.h"

namespace fovea::core {

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
    Preprocessing spec;
    std::unique_ptr<ImageBatchLoader> trainLoader;
    std::unique_ptr<ImageBatchLoader> validationLoader;  // null without validation images
    std::int64_t batchSize = 0;                          // what the loaders use
    std::optional<BatchSizeSearch> batchSizeSearch;      // when the settings asked for auto
};
// `projectFolder`: where an image folder's project is kept. The error's kind says whose
// problem it is (Usage: a setting this machine cannot run; BadData: the data or weights).
Result<TrainingInputs> prepareTrainingInputs(const RunSettings& settings,
                                             const std::filesystem::path& projectFolder,
                                             const DownloadProgressCallback& download);

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
    // Training wrote to the project database at `projectFolder` (split assignments before the
    // first batch, an image's decode error while training): whoever shows the project
    // re-reads it.
    std::function<void(const std::filesystem::path& projectFolder)> projectChanged;
};

// Trains `settings` into `runFolder` (a new run), or with `resume` continues the run there
// from its last checkpoint with the settings recorded in its config.json (then `settings` is
// not used). Writes config.json (RunConfig), images.json (RunImages), metrics, logs,
// checkpoints, summary.json and model.safetensors (see RunFolder). `control` stops or pauses
// it from any thread. Runs on the calling thread. Errors carry their kind (Usage, BadData,
// Internal).
Result<TrainingRunResult> runTraining(const RunSettings& settings,
                                      const std::filesystem::path& runFolder, bool resume,
                                      TrainingControl& control, const TrainingRunHooks& hooks);

}  // namespace fovea::core
