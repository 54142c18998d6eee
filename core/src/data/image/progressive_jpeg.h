#pragma once

// Internal to fovea_core_data: a progressive JPEG decoded at 1/8 scale without its luma AC scans.
//
// At 1/8 scale libjpeg's inverse DCT reads only the DC coefficient of each full-resolution block
// (components subsampled less than the image, usually the chroma of a 4:2:0 file, are scaled up
// by a larger inverse DCT and need their AC coefficients). A progressive JPEG sends each
// component's AC coefficients in scans of their own, and those of the full-resolution components
// are most of the file and of libjpeg's work (entropy decoding, which scaling cannot reduce).
// Leaving those scans out gives exactly the pixels of a full 1/8 decode, several times faster
// on large photographs.

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/result.h"

namespace fovea::core {

// The 1/8-scale RGB image of a complete progressive JPEG (`bytes`), EXIF orientation applied;
// nullopt when this path does not apply (a baseline JPEG, CMYK or YCCK colour, scans this
// reader does not recognise), for the general decoder to take. Errors name `name`.
std::optional<Result<cv::Mat>> decodeProgressiveJpegAtOneEighth(
    const std::vector<std::uint8_t>& bytes, const std::string& name);

}  // namespace fovea::core
