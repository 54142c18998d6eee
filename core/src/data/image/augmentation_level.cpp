#include "fovea/core/image/augmentation_level.h"

namespace fovea::core {

Result<AugmentationLevel> parseAugmentationLevel(const std::string& name) {
    for (auto level :
         {AugmentationLevel::None, AugmentationLevel::Light, AugmentationLevel::Strong}) {
        if (name == augmentationLevelName(level)) return level;
    }
    return Error{"unknown augmentation '" + name + "' (expected none, light or strong)"};
}

const char* augmentationLevelName(AugmentationLevel level) {
    switch (level) {
        case AugmentationLevel::None:
            return "none";
        case AugmentationLevel::Light:
            return "light";
        case AugmentationLevel::Strong:
            return "strong";
    }
    return "none";
}

}  // namespace fovea::core
