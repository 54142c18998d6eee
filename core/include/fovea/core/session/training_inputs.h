#pragma once

// What a training run (or the learning-rate finder) prepares before its first batch: the data
// opened and split, the network built with its weights and freezing, and the loaders.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

#include "fovea/core/download/downloader.h"
#include "fovea/core/loader/image_batch_loader.h"
#include "fovea/core/project/import_report.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/result.h"
#include "fovea/core/session/network_setup.h"
#include "fovea/core/session/run_settings.h"
#include "fovea/core/session/training_data.h"
#include "fovea/core/training/batch_size_search.h"
#include "fovea/core/training/data_shard.h"

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
// `shard`: a distributed run's part of each epoch (training padded to equal length across the
// ranks, validation not).
Result<TrainingInputs> prepareTrainingInputs(const RunSettings& settings,
                                             const std::filesystem::path& projectFolder,
                                             const DownloadProgressCallback& download,
                                             const DataShard& shard = {});

}  // namespace fovea::core
