#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "fovea/core/models/network_fwd.h"
#include "fovea/core/result.h"

namespace fovea::core {

// Grad-CAM of one image file, ready to show or save (the GUI and fovea-cli both use it).
struct ImageExplanation {
    cv::Mat croppedRgb;  // CV_8UC3 RGB, cropSize x cropSize: the pixels the network saw
    cv::Mat heatmap;     // CV_32F, croppedRgb's size, in [0, 1] (see GradCamResult::heatmap)
    cv::Mat overlay;     // CV_8UC3 RGB: heatmap colourised over croppedRgb at the default opacity
    int64_t targetClass = 0;
    float probability = 0.0f;  // softmax probability of targetClass
    std::string layer;         // the block the map comes from
};

// Decodes `imageFile` with the network's recorded preprocessing (resize, centre crop,
// normalisation: exactly the evaluation loader's input) and explains targetClass (default: the
// top-1 class) with Grad-CAM. The network may be on any device and in any mode; it is left as
// it was. Unreadable images and bad classes are Errors naming the problem.
Result<ImageExplanation> explainImage(NetworkImpl& network, const std::filesystem::path& imageFile,
                                      std::optional<int64_t> targetClass = std::nullopt);

}  // namespace fovea::core
