#pragma once

// Internal to fovea_core_data: EXIF orientation for the formats whose OpenCV decoder ignores it
// under cv::IMREAD_UNCHANGED (PNG eXIf, WebP EXIF). JPEG and TIFF are oriented by OpenCV itself.

#include <opencv2/core/mat.hpp>

#include <cstddef>
#include <cstdint>

namespace fovea::core {

// The Orientation tag (0x0112) of IFD0 in an EXIF payload, which is a TIFF structure in either
// byte order, optionally preceded by "Exif\0\0" as in JPEG APP1. Returns 1 (as stored) when the
// payload is malformed, has no Orientation or holds a value outside 1..8: a broken tag should
// not cost the user the image.
int exifOrientation(const std::uint8_t* exif, std::size_t size);

// The orientation recorded in a whole PNG file (its eXIf chunk) or WebP file (its RIFF EXIF
// chunk); 1 when there is none. Walks chunk headers only, bounds-checked against `size`.
int pngOrientation(const std::uint8_t* data, std::size_t size);
int webpOrientation(const std::uint8_t* data, std::size_t size);

// Turns an image stored with EXIF `orientation` (1..8) upright, as the EXIF 2.32 spec
// (CIPA DC-008, tag 0x0112) defines: 2 mirror horizontal, 3 rotate 180, 4 mirror vertical,
// 5 transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 90 counter-clockwise.
// Other values return the image unchanged.
cv::Mat applyOrientation(const cv::Mat& image, int orientation);

}  // namespace fovea::core
