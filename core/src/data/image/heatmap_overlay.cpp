#include "fovea/core/image/heatmap_overlay.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <string>

namespace fovea::core {

Result<cv::Mat> colorizeHeatmap(const cv::Mat& heatmap) {
    if (heatmap.empty() || heatmap.type() != CV_32FC1) {
        return Error{"a heatmap must be a non-empty single-channel float image"};
    }
    try {
        cv::Mat levels;
        // convertTo rounds and saturates, so values just outside [0, 1] stay at the ends.
        heatmap.convertTo(levels, CV_8U, 255.0);
        cv::Mat bgr;
        cv::applyColorMap(levels, bgr, cv::COLORMAP_TURBO);
        cv::Mat rgb;
        cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);  // applyColorMap writes OpenCV's BGR order
        return rgb;
    } catch (const cv::Exception& e) {
        return Error{std::string("cannot colourise the heatmap: ") + e.what()};
    }
}

Result<cv::Mat> overlayHeatmap(const cv::Mat& rgb, const cv::Mat& heatmap, double opacity) {
    if (rgb.empty() || rgb.type() != CV_8UC3) {
        return Error{"a heatmap overlay needs an 8-bit RGB image"};
    }
    if (rgb.size() != heatmap.size()) {
        return Error{"the heatmap is " + std::to_string(heatmap.cols) + " x " +
                     std::to_string(heatmap.rows) + " but the image " + std::to_string(rgb.cols) +
                     " x " + std::to_string(rgb.rows)};
    }
    if (!(opacity >= 0.0 && opacity <= 1.0)) {
        return Error{"heatmap opacity " + std::to_string(opacity) + " is outside [0, 1]"};
    }
    auto colours = colorizeHeatmap(heatmap);
    if (!colours) return colours.error();
    try {
        cv::Mat blended;
        cv::addWeighted(rgb, 1.0 - opacity, colours.value(), opacity, 0.0, blended);
        return blended;
    } catch (const cv::Exception& e) {
        return Error{std::string("cannot blend the heatmap: ") + e.what()};
    }
}

}  // namespace fovea::core
