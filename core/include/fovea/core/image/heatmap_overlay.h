#pragma once

#include <opencv2/core/mat.hpp>

#include "fovea/core/result.h"

namespace fovea::core {

// How much of the colourised heatmap covers the image by default: enough to read the colours,
// little enough to still see what is under the hot spots.
constexpr double kDefaultHeatmapOpacity = 0.5;

// A [0, 1] heatmap (CV_32F, one channel; values outside are clamped) as colours: OpenCV's Turbo
// colour map (Mikhailov 2019, a perceptually smoother Jet: dark blue at 0, dark red at 1).
// Returns CV_8UC3 in RGB order, the same size.
Result<cv::Mat> colorizeHeatmap(const cv::Mat& heatmap);

// The colourised heatmap blended over `rgb` (CV_8UC3, RGB, the heatmap's size):
// (1 - opacity) * rgb + opacity * colours, rounded; opacity in [0, 1]. Returns CV_8UC3 RGB.
Result<cv::Mat> overlayHeatmap(const cv::Mat& rgb, const cv::Mat& heatmap,
                               double opacity = kDefaultHeatmapOpacity);

}  // namespace fovea::core
