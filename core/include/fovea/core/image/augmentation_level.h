#pragma once

// Free of OpenCV and LibTorch: a run setting the UI and the CLI choose.

#include <string>

#include "fovea/core/result.h"

namespace fovea::core {

// none: centre crop only. light: RandomResizedCrop(scale 0.35-1) + flip. strong: RandomResizedCrop
// (0.08-1) + flip + rotation up to 10 degrees + ColorJitter(0.3, 0.3, 0.3, 0.05).
enum class AugmentationLevel { None, Light, Strong };

Result<AugmentationLevel> parseAugmentationLevel(const std::string& name);
const char* augmentationLevelName(AugmentationLevel level);

}  // namespace fovea::core
