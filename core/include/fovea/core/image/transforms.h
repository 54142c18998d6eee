#pragma once

#include <opencv2/core/mat.hpp>

#include <utility>

#include "fovea/core/random.h"

// Image transforms on 8-bit RGB images (CV_8UC3, as decodeImage returns them). Each one follows
// torchvision.transforms (0.14) for the same parameters — sizes, crop positions, rounding and
// the colour formulas — so a recipe written for torchvision means the same here. Inputs are
// never modified; outputs are new images (or shallow views where noted).
namespace fovea::core {

enum class ResizeFilter {
    Auto,       // Area when shrinking (antialiased), Linear when enlarging: the sensible default
    AutoCubic,  // Area when shrinking, Cubic when enlarging
    Area,       // pixel-area averaging (torch's "area" interpolation for integer factors)
    Linear,     // bilinear without antialiasing (torchvision's tensor resize, antialias=False)
    Cubic,      // bicubic (for weights trained with bicubic resizing)
};

struct CropBox {
    int top = 0;
    int left = 0;
    int height = 0;
    int width = 0;
};

// torchvision Resize(size) with an int: the shorter side becomes `size`, the longer one
// int(size * long / short) (truncated, as torchvision does).
std::pair<int, int> shorterSideSize(int width, int height, int size);  // -> (width, height)
cv::Mat resizeShorterSide(const cv::Mat& rgb, int size, ResizeFilter filter = ResizeFilter::Auto);
cv::Mat resizeTo(const cv::Mat& rgb, int width, int height,
                 ResizeFilter filter = ResizeFilter::Auto);

// torchvision CenterCrop: offsets round((H - h) / 2) with round-half-to-even like Python; an
// image smaller than the crop is padded with zeros first, as torchvision does.
cv::Mat centerCrop(const cv::Mat& rgb, int width, int height);

// torchvision RandomResizedCrop.get_params: 10 tries at a random area fraction in `scale` and a
// log-uniform aspect ratio in `ratio`, then the central crop fallback.
CropBox randomResizedCropBox(int width, int height, Rng& rng,
                             std::pair<double, double> scale = {0.08, 1.0},
                             std::pair<double, double> ratio = {3.0 / 4.0, 4.0 / 3.0});
// torchvision F.resized_crop: crop `box` (must lie inside the image), then resize to
// width x height.
cv::Mat resizedCrop(const cv::Mat& rgb, const CropBox& box, int width, int height,
                    ResizeFilter filter = ResizeFilter::Auto);

cv::Mat horizontalFlip(const cv::Mat& rgb);

// torchvision F.rotate(angle, BILINEAR, expand=False, fill=0): counter-clockwise by `degrees`
// about the image centre ((w-1)/2, (h-1)/2), same size, zeros outside.
cv::Mat rotate(const cv::Mat& rgb, double degrees);

// torchvision's colour adjustments for uint8 images, same formulas and the same truncation to
// uint8 (ITU-R 601-2 luma with 0.2989/0.587/0.114; hue via HSV).
cv::Mat adjustBrightness(const cv::Mat& rgb, double factor);
cv::Mat adjustContrast(const cv::Mat& rgb, double factor);
cv::Mat adjustSaturation(const cv::Mat& rgb, double factor);
cv::Mat adjustHue(const cv::Mat& rgb, double hueShift);  // hueShift in [-0.5, 0.5]

// torchvision ColorJitter: factors drawn uniformly from [max(0, 1 - x), 1 + x] (hue from
// [-hue, hue]) and applied in a random order; a zero amount leaves that adjustment out.
struct ColorJitterAmounts {
    double brightness = 0;
    double contrast = 0;
    double saturation = 0;
    double hue = 0;  // at most 0.5
};
cv::Mat colorJitter(const cv::Mat& rgb, const ColorJitterAmounts& amounts, Rng& rng);

}  // namespace fovea::core
