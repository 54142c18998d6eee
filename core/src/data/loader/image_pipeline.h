#pragma once

#include <opencv2/core/mat.hpp>

#include <filesystem>

#include "fovea/core/image/augmentation.h"
#include "fovea/core/result.h"

namespace fovea::core {

// Decode (large JPEGs at reduced scale, never below what the resize needs) and resize the
// shorter side: the deterministic, cacheable first half of every transform.
Result<cv::Mat> loadPrepared(const std::filesystem::path& file, const Preprocessing& spec);

// ToTensor + Normalize: 8-bit RGB (H x W) into `chw` (3 x H x W float32), (v / 255 - mean) / std
// per channel, as torchvision computes it.
void writeNormalizedChw(const cv::Mat& rgb, const Preprocessing& spec, float* chw);

// The same values into `hwc` (H x W x 3 float32, channels innermost): one image of a
// channels-last batch, written in the order the pixels are read.
void writeNormalizedHwc(const cv::Mat& rgb, const Preprocessing& spec, float* hwc);

}  // namespace fovea::core
