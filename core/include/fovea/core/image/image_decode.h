#pragma once

#include <opencv2/core/mat.hpp>

#include <array>
#include <cstdint>
#include <filesystem>

#include "fovea/core/image/image_probe.h"
#include "fovea/core/result.h"

namespace fovea::core {

// Transparent pixels are composited on this fixed background (white: how people view
// transparent product shots and icons), so the network never sees undefined colour.
constexpr std::array<std::uint8_t, 3> kAlphaBackgroundRgb = {255, 255, 255};

struct DecodeOptions {
    // When > 0, a JPEG much larger than needed is decoded at 1/2, 1/4 or 1/8 scale
    // (cv::IMREAD_REDUCED_*), the largest reduction whose shorter side stays >= this.
    int minShorterSide = 0;
};

struct DecodedImage {
    cv::Mat rgb;        // CV_8UC3, RGB order (not OpenCV's BGR), EXIF orientation applied
    ImageInfo info;     // the header as probed (stored size, before orientation and reduction)
    int reduction = 1;  // 1, 2, 4 or 8: the JPEG scale factor used
};

// Decodes `file` to 8-bit RGB: grayscale expanded, alpha composited on kAlphaBackgroundRgb,
// 16-bit and float scaled to 8-bit, CMYK converted, EXIF orientation honoured (JPEG, PNG eXIf,
// WebP EXIF, TIFF). The header is probed first, so absurd dimensions are refused before any
// pixel memory is allocated. Paths with spaces and non-ASCII characters work. Every failure
// (empty, truncated, corrupt, not an image) is an Error naming the file; never throws.
Result<DecodedImage> decodeImage(const std::filesystem::path& file,
                                 const DecodeOptions& options = {});

}  // namespace fovea::core
