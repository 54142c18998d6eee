#pragma once

#include <opencv2/core/mat.hpp>

#include <array>
#include <string>
#include <utility>

#include "fovea/core/image/transforms.h"
#include "fovea/core/random.h"
#include "fovea/core/result.h"

namespace fovea::core {

// How pixels become a network input: torchvision's Resize(resizeShorterSide) +
// CenterCrop(cropSize) for evaluation, then ToTensor + Normalize(mean, std).
struct ImageTransformSpec {
    int resizeShorterSide = 256;
    int cropSize = 224;
    ResizeFilter filter = ResizeFilter::Auto;
    std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
    std::array<float, 3> std{0.229f, 0.224f, 0.225f};
};

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

enum class AugmentationLevel { None, Light, Strong };

// none: centre crop only. light: RandomResizedCrop(scale 0.35-1) + flip. strong: RandomResizedCrop
// (0.08-1) + flip + rotation up to 10 degrees + ColorJitter(0.3, 0.3, 0.3, 0.05).
AugmentationOptions augmentationPreset(AugmentationLevel level);
Result<AugmentationLevel> parseAugmentationLevel(const std::string& name);
const char* augmentationLevelName(AugmentationLevel level);

// The deterministic part, cacheable per image: resize so the shorter side is resizeShorterSide.
cv::Mat prepareForTransform(const cv::Mat& rgb, const ImageTransformSpec& spec);
// Evaluation: centre crop of the prepared image (cropSize x cropSize).
cv::Mat evaluationCrop(const cv::Mat& prepared, const ImageTransformSpec& spec);
// Training: the augmentations in `options`, drawn from `rng`, ending at cropSize x cropSize.
cv::Mat augment(const cv::Mat& prepared, const ImageTransformSpec& spec,
                const AugmentationOptions& options, Rng& rng);

}  // namespace fovea::core
