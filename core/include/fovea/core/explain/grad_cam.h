#pragma once

#include "fovea/core/libtorch_side.h"  // first: the workbench must not reach LibTorch

#include <cstdint>
#include <optional>
#include <string>

#include <torch/types.h>

#include "fovea/core/models/network.h"
#include "fovea/core/result.h"

namespace fovea::core {

// Where a network looked when it chose a class: Grad-CAM (Selvaraju et al., "Grad-CAM: Visual
// Explanations from Deep Networks via Gradient-based Localization", ICCV 2017).
struct GradCamResult {
    // [H, W] float32 on the CPU, at the input's H x W, in [0, 1]: the class activation map
    // scaled so its minimum is 0 and its maximum 1, then upsampled bilinearly (align_corners=
    // false), both as pytorch-grad-cam does; so the upsampled extremes may fall just inside
    // 0 and 1. All zeros when the map is flat (the ReLU left nothing, or the block is 1 x 1).
    torch::Tensor heatmap;
    int64_t targetClass = 0;   // the class explained
    float probability = 0.0f;  // softmax probability of targetClass for this input
    std::string layer;         // the block whose activations were used, e.g. "layer4"
};

// Grad-CAM on the network's last convolutional block: the last block before the head whose
// output still has spatial dimensions (resnet layer4, vgg stage5 after its max-pool,
// mobilenet/efficientnet last_conv, inception Mixed_7c) -- the layer pytorch-grad-cam's
// examples use. With A the block's activations [C, h, w] and y the target class's logit:
// weights w_c = mean over h, w of dy/dA_c; map = ReLU(sum_c w_c A_c); then upsampled and scaled.
//
// input: [1, 3, H, W] float32, prepared as network.preprocessing() says, on the network's
// device. targetClass: default the top-1 class. Runs in eval mode with gradients enabled locally
// (so it works under an outer NoGradGuard and with frozen blocks) and leaves the network as it
// found it: train/eval mode of every module, requires_grad flags and .grad untouched. Bad shapes,
// a class out of range, or a network without a spatial block give an Error.
Result<GradCamResult> computeGradCam(NetworkImpl& network, const torch::Tensor& input,
                                     std::optional<int64_t> targetClass = std::nullopt);

}  // namespace fovea::core
