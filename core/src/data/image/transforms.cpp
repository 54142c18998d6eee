#include "fovea/core/image/transforms.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace fovea::core {
namespace {

// Python's round(): halves go to the even neighbour (std::nearbyint in the default mode).
int pythonRound(double value) { return static_cast<int>(std::nearbyint(value)); }

int interpolationFor(ResizeFilter filter, const cv::Size& from, const cv::Size& to) {
    switch (filter) {
        case ResizeFilter::Area:
            return cv::INTER_AREA;
        case ResizeFilter::Linear:
            return cv::INTER_LINEAR;
        case ResizeFilter::Cubic:
            return cv::INTER_CUBIC;
        case ResizeFilter::Auto:
        case ResizeFilter::AutoCubic:
            break;
    }
    const bool shrinking = to.width <= from.width && to.height <= from.height;
    if (shrinking) return cv::INTER_AREA;
    return filter == ResizeFilter::AutoCubic ? cv::INTER_CUBIC : cv::INTER_LINEAR;
}

}  // namespace

std::pair<int, int> shorterSideSize(int width, int height, int size) {
    // torchvision _compute_resized_output_size: int() truncates the longer side.
    if (width <= height) {
        return {size, static_cast<int>(static_cast<double>(size) * height / width)};
    }
    return {static_cast<int>(static_cast<double>(size) * width / height), size};
}

cv::Mat resizeTo(const cv::Mat& rgb, int width, int height, ResizeFilter filter) {
    if (rgb.cols == width && rgb.rows == height) return rgb.clone();
    cv::Mat out;
    const cv::Size to(width, height);
    cv::resize(rgb, out, to, 0, 0, interpolationFor(filter, rgb.size(), to));
    return out;
}

cv::Mat resizeShorterSide(const cv::Mat& rgb, int size, ResizeFilter filter) {
    const auto [width, height] = shorterSideSize(rgb.cols, rgb.rows, size);
    return resizeTo(rgb, width, height, filter);
}

cv::Mat centerCrop(const cv::Mat& rgb, int width, int height) {
    cv::Mat source = rgb;
    if (width > rgb.cols || height > rgb.rows) {
        // torchvision pads (crop - image) // 2 before and the rest after, with zeros.
        const int padWidth = std::max(0, width - rgb.cols);
        const int padHeight = std::max(0, height - rgb.rows);
        cv::copyMakeBorder(rgb, source, padHeight / 2, (padHeight + 1) / 2, padWidth / 2,
                           (padWidth + 1) / 2, cv::BORDER_CONSTANT, cv::Scalar::all(0));
    }
    const int top = pythonRound((source.rows - height) / 2.0);
    const int left = pythonRound((source.cols - width) / 2.0);
    return source(cv::Rect(left, top, width, height)).clone();
}

CropBox randomResizedCropBox(int width, int height, Rng& rng, std::pair<double, double> scale,
                             std::pair<double, double> ratio) {
    const double area = static_cast<double>(width) * height;
    const double logRatioLow = std::log(ratio.first);
    const double logRatioHigh = std::log(ratio.second);
    for (int attempt = 0; attempt < 10; ++attempt) {
        const double targetArea = area * rng.uniform(scale.first, scale.second);
        const double aspect = std::exp(rng.uniform(logRatioLow, logRatioHigh));
        const int w = pythonRound(std::sqrt(targetArea * aspect));
        const int h = pythonRound(std::sqrt(targetArea / aspect));
        if (w > 0 && w <= width && h > 0 && h <= height) {
            const int top = static_cast<int>(rng.below(static_cast<std::uint64_t>(height - h + 1)));
            const int left = static_cast<int>(rng.below(static_cast<std::uint64_t>(width - w + 1)));
            return {top, left, h, w};
        }
    }
    // Fallback: the largest central crop whose aspect ratio lies within `ratio`.
    const double inRatio = static_cast<double>(width) / height;
    int w = width;
    int h = height;
    if (inRatio < std::min(ratio.first, ratio.second)) {
        h = pythonRound(w / std::min(ratio.first, ratio.second));
    } else if (inRatio > std::max(ratio.first, ratio.second)) {
        w = pythonRound(h * std::max(ratio.first, ratio.second));
    }
    return {(height - h) / 2, (width - w) / 2, h, w};
}

cv::Mat resizedCrop(const cv::Mat& rgb, const CropBox& box, int width, int height,
                    ResizeFilter filter) {
    const cv::Rect rect(box.left, box.top, box.width, box.height);
    const cv::Mat crop = rgb(rect & cv::Rect(0, 0, rgb.cols, rgb.rows));
    return resizeTo(crop, width, height, filter);
}

cv::Mat horizontalFlip(const cv::Mat& rgb) {
    cv::Mat out;
    cv::flip(rgb, out, 1);
    return out;
}

cv::Mat rotate(const cv::Mat& rgb, double degrees) {
    // torchvision samples output pixel p from input R(angle) * (p - c) + c with y pointing down,
    // c = ((w-1)/2, (h-1)/2), bilinear, zeros outside (grid_sample, align_corners=False).
    const double radians = degrees * CV_PI / 180.0;
    const double cosA = std::cos(radians);
    const double sinA = std::sin(radians);
    const double cx = (rgb.cols - 1) * 0.5;
    const double cy = (rgb.rows - 1) * 0.5;
    const cv::Matx23d outputToInput(cosA, -sinA, cx - cosA * cx + sinA * cy,  //
                                    sinA, cosA, cy - sinA * cx - cosA * cy);
    cv::Mat out;
    cv::warpAffine(rgb, out, outputToInput, rgb.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                   cv::BORDER_CONSTANT, cv::Scalar::all(0));
    return out;
}

}  // namespace fovea::core
