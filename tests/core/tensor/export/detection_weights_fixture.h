#pragma once

// Random detector weights that make distinct scores, for tests that compare two runtimes'
// detections. The backbone's convolutions are redrawn with He's fan-in rule: torchvision's
// fan-out rule (meant for training behind batch norm) shrinks the depthwise layers' outputs,
// and with unit batch-norm statistics the pyramid's maps end near 1e-7, so every objectness
// and class score ties; which of the tied boxes a top-k or a sort keeps then depends on the
// kernel (LibTorch 2.6's CPU top-k orders ties otherwise than 1.13's), not on what is tested.
// ResNet-50's residual branches are scaled down (its last batch norm's weight 0.25, as
// zero_init_residual does with 0), or the sixteen blocks grow the maps into the thousands.
#include <torch/torch.h>

#include <string>

#include "fovea/core/detection/faster_rcnn.h"

namespace fovea::test {

inline void spreadDetectorWeights(core::detection::FasterRcnnImpl& model) {
    torch::NoGradGuard noGrad;
    for (auto& item : model.backbone()->body().named_parameters()) {
        if (item.value().dim() == 4) {
            torch::nn::init::kaiming_normal_(item.value(), 0.0, torch::kFanIn, torch::kReLU);
        }
    }
    const std::string suffix = "bn3.weight";
    auto scaleResidual = [&suffix](const std::string& key, torch::Tensor& value) {
        if (key.size() > suffix.size() &&
            key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0) {
            value.fill_(0.25);
        }
    };
    for (auto& item : model.backbone()->body().named_buffers())
        scaleResidual(item.key(), item.value());
    for (auto& item : model.backbone()->body().named_parameters()) {
        scaleResidual(item.key(), item.value());
    }
}

}  // namespace fovea::test
