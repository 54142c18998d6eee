#pragma once

#include "fovea/core/image/augmentation.h"
#include "fovea/core/models/network.h"

namespace fovea::core {

// The image transform a network's recorded preprocessing asks for: its resize, crop, mean and
// std. Fovea shrinks with pixel-area averaging (antialiased, like the PIL resize behind
// torchvision's reference numbers) and enlarges bilinearly or, for weights trained with
// bicubic resizing, bicubically.
ImageTransformSpec transformSpecFor(const Preprocessing& preprocessing);

}  // namespace fovea::core
