#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>

#include "fovea/core/download/downloader.h"
#include "fovea/core/result.h"
#include "fovea/core/session/run_settings.h"
#include "fovea/core/training/lr_finder_result.h"
#include "fovea/core/training/training_reports.h"

namespace fovea::core {

// The learning-rate range test on a run's data and network, as fovea-cli lr-find and the Train
// page run it: the training images of `settings` (splits assigned as the run would assign
// them, the validation images left out; no augmentation, no
// feature cache, so every step sees the network as training will) through findLearningRate
// with the optimizer, freezing, device and class weighting the run would use. `options`'s
// classCounts are filled in from the data. `projectFolder` is where an image folder's
// scratch project is kept (a project folder is used as it is). `control` may stop it between
// steps; `progress` as findLearningRate's. Errors carry their kind (Usage, BadData, Internal).
Result<LrFinderResult> runLearningRateFinder(
    RunSettings settings, const std::filesystem::path& projectFolder, LrFinderOptions options,
    TrainingControl* control, const std::function<void(std::int64_t, double, double)>& progress,
    const DownloadProgressCallback& download);

}  // namespace fovea::core
