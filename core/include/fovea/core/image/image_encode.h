#pragma once

#include <opencv2/core/mat.hpp>

#include <filesystem>

#include "fovea/core/result.h"

namespace fovea::core {

// Writes an 8-bit RGB image (CV_8UC3, e.g. a Grad-CAM overlay) to `file` in the format its
// extension names (.png, .jpg/.jpeg, .bmp, .webp, .tif/.tiff), atomically: a crash leaves the
// old file or the whole new one. Errors name the file.
Result<void> writeRgbImage(const std::filesystem::path& file, const cv::Mat& rgb);

}  // namespace fovea::core
