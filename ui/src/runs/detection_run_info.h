#pragma once

// What the Runs page shows of a detection run (issue 24): core's run catalogue reads
// classification runs' config.json; a detection run's (session/detection_training.h) has its
// own settings, and its metrics.csv COCO's figures instead of accuracy.

#include <QString>
#include <filesystem>
#include <optional>
#include <vector>

#include "fovea/core/session/detection_training.h"
#include "fovea/core/session/run_catalogue.h"

namespace fovea::ui {

struct DetectionRunInfo {
    core::DetectionTrainingSettings settings;
    QString weights;      // where the backbone started, as the run describes it
    std::string created;  // UTC, ISO 8601, as config.json records it
    core::RunStatus status = core::RunStatus::Interrupted;
    QString message;  // the failure's or the summary's
    qint64 epochsDone = 0;
    // Optimizer steps per epoch (its training images over its batch size, as core batches
    // them): where each epoch ends on the charts' step axis. 0 when config.json does not say.
    qint64 stepsPerEpoch = 0;
    double trainingSeconds = 0;
    // metrics.csv's rows: each loss, the validation mAP, AP50 and AP75 (no per-class figures).
    std::vector<core::DetectionEpochReport> epochs;
    std::optional<double> bestMap;  // best validation mAP@[.5:.95] over the epochs
    std::optional<double> bestAp50;
};

// Null when `folder` is not a detection run (no config.json saying so).
std::optional<DetectionRunInfo> readDetectionRunInfo(const std::filesystem::path& folder);

// One line of the run's settings, for the details and the comparison.
QString detectionSettingsLine(const DetectionRunInfo& run);

}  // namespace fovea::ui
