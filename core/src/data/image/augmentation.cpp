#include "fovea/core/image/augmentation.h"

namespace fovea::core {

ResizeFilter resizeFilterFor(const Preprocessing& preprocessing) {
    return preprocessing.bicubic ? ResizeFilter::AutoCubic : ResizeFilter::Auto;
}

AugmentationOptions augmentationPreset(AugmentationLevel level) {
    AugmentationOptions options;
    switch (level) {
        case AugmentationLevel::None:
            break;
        case AugmentationLevel::Light:
            options.randomResizedCrop = true;
            options.cropScale = {0.35, 1.0};
            options.horizontalFlip = true;
            break;
        case AugmentationLevel::Strong:
            options.randomResizedCrop = true;
            options.horizontalFlip = true;
            options.rotationDegrees = 10.0;
            options.jitter = {0.3, 0.3, 0.3, 0.05};
            break;
    }
    return options;
}

cv::Mat prepareForTransform(const cv::Mat& rgb, const Preprocessing& spec) {
    return resizeShorterSide(rgb, spec.resizeShorterSide, resizeFilterFor(spec));
}

cv::Mat evaluationCrop(const cv::Mat& prepared, const Preprocessing& spec) {
    return centerCrop(prepared, spec.cropSize, spec.cropSize);
}

cv::Mat augment(const cv::Mat& prepared, const Preprocessing& spec,
                const AugmentationOptions& options, Rng& rng) {
    cv::Mat image;
    if (options.randomResizedCrop) {
        const CropBox box = randomResizedCropBox(prepared.cols, prepared.rows, rng,
                                                 options.cropScale, options.cropRatio);
        image = resizedCrop(prepared, box, spec.cropSize, spec.cropSize, resizeFilterFor(spec));
    } else {
        image = evaluationCrop(prepared, spec);
    }
    // Draw every random number even when a step is skipped, so changing one option does not
    // shift the random stream of the others.
    const bool flip = rng.bernoulli(0.5);
    const double angle = rng.uniform(-options.rotationDegrees, options.rotationDegrees);
    if (options.horizontalFlip && flip) image = horizontalFlip(image);
    if (options.rotationDegrees > 0) image = rotate(image, angle);
    const ColorJitterAmounts& jitter = options.jitter;
    if (jitter.brightness > 0 || jitter.contrast > 0 || jitter.saturation > 0 || jitter.hue > 0) {
        image = colorJitter(image, jitter, rng);
    }
    return image;
}

}  // namespace fovea::core
