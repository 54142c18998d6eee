#pragma once

#include <opencv2/core/mat.hpp>

#include <array>
#include <string>
#include <utility>

#include "fovea/core/image/augmentation_level.h"
#include "fovea/core/image/transforms.h"
#include "fovea/core/models/preprocessing.h"
#include "fovea/core/random.h"
#include "fovea/core/result.h"

namespace fovea::core {

// How pixels become a network input is the network's Preprocessing (models/preprocessing.h):
// torchvision's Resize(resizeShorterSide) + CenterCrop(cropSize) for evaluation, then
// ToTensor + Normalize(mean, std). Fovea shrinks with pixel-area averaging (antialiased, like
// the PIL resize behind torchvision's reference numbers) and enlarges bilinearly or, for
// weights trained with bicubic resizing, bicubically.
ResizeFilter resizeFilterFor(const Preprocessing& preprocessing);

// Training-time augmentation, each step as its torchvision namesake. Applied to the image already
// resized to resizeShorterSide (so the decoded+resized image can be cached and reused).
struct AugmentationOptions {
    bool randomResizedCrop = false;  // else the evaluation centre crop
    std::pair<double, double> cropScale{0.08, 1.0};
    std::pair<double, double> cropRatio{3.0 / 4.0, 4.0 / 3.0};
    bool horizontalFlip = false;   // with probability 0.5
    double rotationDegrees = 0.0;  // uniform in [-d, d], applied after the crop
    ColorJitterAmounts jitter;

    bool any() const {
        return randomResizedCrop || horizontalFlip || rotationDegrees > 0 ||
               jitter.brightness > 0 || jitter.contrast > 0 || jitter.saturation > 0 ||
               jitter.hue > 0;
    }
};

// The presets are described in augmentation_level.h.
AugmentationOptions augmentationPreset(AugmentationLevel level);

// The deterministic part, cacheable per image: resize so the shorter side is resizeShorterSide.
cv::Mat prepareForTransform(const cv::Mat& rgb, const Preprocessing& spec);
// Evaluation: centre crop of the prepared image (cropSize x cropSize).
cv::Mat evaluationCrop(const cv::Mat& prepared, const Preprocessing& spec);
// Training: the augmentations in `options`, drawn from `rng`, ending at cropSize x cropSize.
cv::Mat augment(const cv::Mat& prepared, const Preprocessing& spec,
                const AugmentationOptions& options, Rng& rng);

}  // namespace fovea::core
