#pragma once

// One torch-free type for how pixels become a network input: the networks record it, the data
// loader applies it, the run settings and model files store it, the UI shows it.

#include <array>
#include <cmath>

namespace fovea::core {

// How pixels must be prepared for a network: the numbers torchvision's weights were trained
// with. Pixels are RGB scaled to [0,1] (x/255), then (x - mean) / std per channel.
struct Preprocessing {
    int resizeShorterSide = 256;  // pixels, before the centre crop
    int cropSize = 224;           // the network's input height and width, pixels
    bool bicubic = false;         // resize interpolation: bilinear unless the weights used bicubic
    std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
    std::array<float, 3> std{0.229f, 0.224f, 0.225f};
};

// torchvision's ImageNet preprocessing (the mean/std above) with the given sizes.
inline Preprocessing imagenetPreprocessing(int resizeShorterSide, int cropSize,
                                           bool bicubic = false) {
    Preprocessing preprocessing;
    preprocessing.resizeShorterSide = resizeShorterSide;
    preprocessing.cropSize = cropSize;
    preprocessing.bicubic = bicubic;
    return preprocessing;
}
// Pixels / 255 only, no mean/std, at size x size: what Keras models converted from nsfwjs expect.
inline Preprocessing unitScalePreprocessing(int size) {
    Preprocessing preprocessing = imagenetPreprocessing(size, size);
    preprocessing.mean = {0.0f, 0.0f, 0.0f};
    preprocessing.std = {1.0f, 1.0f, 1.0f};
    return preprocessing;
}

// The same preprocessing at another input size, keeping the resize-to-crop ratio (256/224 for
// ImageNet weights), as training or embedding at that size does.
inline Preprocessing atImageSize(Preprocessing preprocessing, int size) {
    if (size <= 0 || size == preprocessing.cropSize) return preprocessing;
    const double ratio =
        static_cast<double>(preprocessing.resizeShorterSide) / preprocessing.cropSize;
    preprocessing.cropSize = size;
    preprocessing.resizeShorterSide = static_cast<int>(std::lround(size * ratio));
    return preprocessing;
}

}  // namespace fovea::core
