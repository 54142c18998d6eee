#pragma once

// The LibTorch side of detection_freezing.h: freezing parts of a built detector by name.

#include <string>
#include <vector>

#include "fovea/core/detection/faster_rcnn.h"

namespace fovea::core::detection_session {

// requires_grad false for every parameter under the module prefixes `parts` (checked with
// checkFrozenParts), so that the optimizer, which takes only trainable parameters, leaves them
// bit-identical. The backbone's stages are frozen by the builder (trainableBackboneLayers).
void freezeDetectorParts(detection::FasterRcnnImpl& model, const std::vector<std::string>& parts);

}  // namespace fovea::core::detection_session
