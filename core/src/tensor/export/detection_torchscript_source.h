#pragma once

// The TorchScript source of Faster R-CNN's stages around the traced backbone body: the
// resize/normalise transform, the feature pyramid, anchors, the RPN, multi-scale RoIAlign, the
// box head and the post-processing, written with plain torch operations only (no
// torch.ops.torchvision, which a plain LibTorch or PyTorch lacks). Each method mirrors the
// in-app implementation (core/src/tensor/detection) operation for operation, in the same order
// and precision, so that the scripted model's output equals the in-app model's bit for bit
// where the kernels are the same.
#include <cstdint>
#include <string>

#include "fovea/core/detection/faster_rcnn.h"

namespace fovea::core::exporting {

// What the source needs to know of the model: sizes and thresholds baked in as literals, and
// the attribute names of its tensors.
struct DetectionScriptShape {
    int64_t bodyMaps = 0;      // feature maps the body returns (2 MobileNets, 4 ResNet-50)
    int64_t anchorLevels = 0;  // bodyMaps + 1: the FPN's "pool" level too
    int64_t roiMaps = 0;       // FPN maps RoIAlign pools from ("0".."3" present)
    int64_t numClasses = 0;    // with the background
    detection::FasterRcnnOptions options;
};

// "a.b.0.weight" -> "a_b_0_weight": the module attribute holding a state-dict tensor.
std::string scriptAttributeName(const std::string& stateDictName);

// Every method but backbone_body (printed from the trace) and the metadata methods, as one
// source for Module::define: forward, transform, fpn, rpn, roi_heads and their helpers.
std::string detectionScriptSource(const DetectionScriptShape& shape);

}  // namespace fovea::core::exporting
