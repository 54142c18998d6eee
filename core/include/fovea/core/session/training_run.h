#pragma once

// A training run from settings to a run folder, free of LibTorch: fovea-cli train and the
// workbench's Train page start runs and follow them through these.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/download/downloader.h"
#include "fovea/core/models/network_summary.h"
#include "fovea/core/result.h"
#include "fovea/core/session/prediction.h"
#include "fovea/core/session/run_settings.h"
#include "fovea/core/training/training_reports.h"

namespace fovea::core {

class ProcessGroup;

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

// What a run trains on, told once before the first batch.
struct TrainingStart {
    std::filesystem::path runFolder;  // absolute
    std::vector<std::string> classNames;
    std::size_t trainImages = 0;
    std::size_t validationImages = 0;
};

// Images to predict with the network being trained, for a live preview: before the first
// epoch (epoch -1) and after each one, top-1 with the run's preprocessing.
struct WatchedImages {
    std::vector<std::filesystem::path> files;
    std::function<void(std::int64_t epoch, const Result<std::vector<ImagePrediction>>&)> predicted;
};

struct TrainingRunHooks {
    TrainingCallbacks training;         // forwarded after the run folder recorded each event
    DownloadProgressCallback download;  // weights being fetched
    // Called once the inputs are ready and the run folder exists, before the first batch.
    std::function<void(const TrainingStart&)> started;
    // Training wrote to the project database at `projectFolder` (split assignments before the
    // first batch, an image's decode error while training): whoever shows the project
    // re-reads it.
    std::function<void(const std::filesystem::path& projectFolder)> projectChanged;
    WatchedImages watch;
    // A distributed run's group (fovea-cli under torchrun): rank 0 writes the run folder, the
    // other ranks train their shards in step with it and write only log-rank<N>.txt there.
    ProcessGroup* group = nullptr;
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
