#pragma once

#include <nlohmann/json.hpp>

#include "fovea/core/training/trainer.h"

namespace fovea::core {

// Epoch reports and summaries as JSON (checkpoints, fovea-cli --json, the run folder).
nlohmann::json toJson(const ConfusionMatrix& confusion);
nlohmann::json toJson(const EpochReport& report);
nlohmann::json toJson(const TrainingSummary& summary);
EpochReport epochReportFromJson(const nlohmann::json& json);

}  // namespace fovea::core
