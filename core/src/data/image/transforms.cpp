#include "fovea/core/image/transforms.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <climits>
#include <cmath>

namespace fovea::core {
namespace {

// cv::remap, which warpAffine runs, refuses images with a side of SHRT_MAX or more (OpenCV 4.6:
// imgwarp.cpp asserts it), yet the probe allows 65535 a side. rotate() splits larger images
// into tiles whose source regions stay well inside the limit (8192 * sqrt(2) + margin).
constexpr int kMaxRemapSide = SHRT_MAX;
constexpr int kRotateTile = 8192;

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
    constexpr int kFlags = cv::INTER_LINEAR | cv::WARP_INVERSE_MAP;
    cv::Mat out;
    if (rgb.cols < kMaxRemapSide && rgb.rows < kMaxRemapSide) {
        cv::warpAffine(rgb, out, outputToInput, rgb.size(), kFlags, cv::BORDER_CONSTANT,
                       cv::Scalar::all(0));
        return out;
    }
    // A panorama wider than remap allows: warp tile by tile, each from the region of the input
    // it samples plus two pixels for the bilinear neighbours. Where the image's edge cuts that
    // region, the zero border is the same as for the whole image, so the result is too.
    out.create(rgb.size(), rgb.type());
    const cv::Rect whole(0, 0, rgb.cols, rgb.rows);
    for (int top = 0; top < rgb.rows; top += kRotateTile) {
        for (int left = 0; left < rgb.cols; left += kRotateTile) {
            const cv::Rect tile(left, top, std::min(kRotateTile, rgb.cols - left),
                                std::min(kRotateTile, rgb.rows - top));
            double minX = HUGE_VAL, minY = HUGE_VAL, maxX = -HUGE_VAL, maxY = -HUGE_VAL;
            for (const cv::Point2d corner :
                 {cv::Point2d(tile.x, tile.y), cv::Point2d(tile.br().x - 1, tile.y),
                  cv::Point2d(tile.x, tile.br().y - 1),
                  cv::Point2d(tile.br().x - 1, tile.br().y - 1)}) {
                const double x = outputToInput(0, 0) * corner.x + outputToInput(0, 1) * corner.y +
                                 outputToInput(0, 2);
                const double y = outputToInput(1, 0) * corner.x + outputToInput(1, 1) * corner.y +
                                 outputToInput(1, 2);
                minX = std::min(minX, x);
                maxX = std::max(maxX, x);
                minY = std::min(minY, y);
                maxY = std::max(maxY, y);
            }
            const int x0 = static_cast<int>(std::floor(minX)) - 2;
            const int y0 = static_cast<int>(std::floor(minY)) - 2;
            const cv::Rect source = cv::Rect(x0, y0, static_cast<int>(std::ceil(maxX)) + 3 - x0,
                                             static_cast<int>(std::ceil(maxY)) + 3 - y0) &
                                    whole;
            cv::Mat target = out(tile);
            if (source.empty()) {
                target.setTo(cv::Scalar::all(0));
                continue;
            }
            // The same map, from tile coordinates to coordinates in `source`.
            cv::Matx23d tileToSource = outputToInput;
            tileToSource(0, 2) +=
                outputToInput(0, 0) * tile.x + outputToInput(0, 1) * tile.y - source.x;
            tileToSource(1, 2) +=
                outputToInput(1, 0) * tile.x + outputToInput(1, 1) * tile.y - source.y;
            cv::warpAffine(rgb(source), target, tileToSource, tile.size(), kFlags,
                           cv::BORDER_CONSTANT, cv::Scalar::all(0));
        }
    }
    return out;
}

}  // namespace fovea::core
