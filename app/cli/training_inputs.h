#pragma once

#include <memory>

#include "cli_output.h"
#include "data_source.h"
#include "fovea/core/image/augmentation.h"
#include "fovea/core/loader/image_batch_loader.h"
#include "fovea/core/session/network_setup.h"
#include "fovea/core/session/training_data.h"
#include "train_command.h"

namespace fovea::cli {

// Everything `train` and `lr-find` need before the first batch: the data (imported or
// opened), the split images, the network with its weights and freezing, and the loaders.
struct TrainingInputs {
    OpenedData data;
    core::TrainingDataSet set;
    core::PreparedNetwork network;
    core::ImageTransformSpec spec;
    std::unique_ptr<core::ImageBatchLoader> trainLoader;
    std::unique_ptr<core::ImageBatchLoader> validationLoader;  // null without validation images
};

// The project for --data lives in `projectFolder` when --data is an image folder. On failure
// `exitCode` says why (bad data, bad usage).
core::Result<TrainingInputs> prepareTrainingInputs(const TrainOptions& options,
                                                   const std::filesystem::path& projectFolder,
                                                   ProgressDisplay& progress, int& exitCode);

}  // namespace fovea::cli
