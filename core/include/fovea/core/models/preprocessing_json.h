#pragma once

#include <nlohmann/json.hpp>

#include "fovea/core/models/preprocessing.h"
#include "fovea/core/result.h"

namespace fovea::core {

// The preprocessing recorded with weights and trained models (safetensors metadata
// "fovea.preprocessing", model bundles): {"resize_shorter_side", "crop_size", "bicubic",
// "mean", "std"}.
nlohmann::json toJson(const Preprocessing& preprocessing);
Result<Preprocessing> preprocessingFromJson(const nlohmann::json& json);

}  // namespace fovea::core
