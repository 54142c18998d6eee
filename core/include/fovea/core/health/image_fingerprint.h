#pragma once

// What dataset health compares images by: their bytes (exact copies) and a perceptual hash of
// their pixels (copies re-encoded, resized or slightly cropped). Free of LibTorch.

#include <cstdint>
#include <filesystem>
#include <string>

#include <opencv2/core/mat.hpp>

#include "fovea/core/result.h"

namespace fovea::core {

struct ImageFingerprint {
    std::string contentHash;           // SHA-256 of the file's bytes, hex
    std::uint64_t perceptualHash = 0;  // perceptualHash() of the decoded pixels
    int width = 0;                     // decoded, after EXIF orientation
    int height = 0;
};

// The DCT hash of an RGB image (pHash): grey, resized to 32x32, the 8x8 lowest frequencies of
// its DCT compared with their median. Copies that were re-encoded, resized or lightly edited
// stay within a few bits; unrelated images differ in about half of them.
std::uint64_t perceptualHash(const cv::Mat& rgb);

// Bits in which two hashes differ (0..64).
int hashDistance(std::uint64_t a, std::uint64_t b);

// Reads and fully decodes `file` (decodeImage: a JPEG cut short or a corrupt file is an Error
// naming it) and fingerprints it.
Result<ImageFingerprint> fingerprintImage(const std::filesystem::path& file);

}  // namespace fovea::core
