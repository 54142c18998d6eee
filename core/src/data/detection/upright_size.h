#pragma once

// Internal to the detection formats: an image's size as shown (after EXIF orientation), from
// its header and EXIF tag alone. YOLO's fractions are of this size, and a folder of thousands of
// photos must not be decoded to learn it.

#include <filesystem>

#include "fovea/core/result.h"

namespace fovea::core::detection::box_formats {

struct UprightSize {
    int width = 0;
    int height = 0;
    int orientation = 1;  // the EXIF orientation found (1..8; 5..8 swap width and height)
};

// probeImage()'s checks and messages, then the EXIF orientation read as decodeImage applies it:
// JPEG's APP1 Exif segment, PNG's eXIf chunk, WebP's EXIF chunk and TIFF's IFD0 Orientation. Only
// headers are read (segment by segment, with seeks); pixels never are.
Result<UprightSize> probeUprightSize(const std::filesystem::path& file);

}  // namespace fovea::core::detection::box_formats
