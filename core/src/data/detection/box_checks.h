#pragma once

// Internal to the detection formats: the one rule every reader applies to a box and its image.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/detection/box_annotations.h"

namespace fovea::core::detection::box_formats {

// Checks `box` against a width x height image (see kEdgeTolerancePixels): edges at most the
// tolerance outside are clipped to the image and nullopt is returned; otherwise the reason the
// box is refused (not finite, zero or negative size, outside the image), a complete sentence
// naming the box, for a BoxProblem.
std::optional<std::string> fitToImage(Box& box, int width, int height);

// "box \"dog\" at x=10 y=20 w=30 h=40" for messages.
std::string describeBox(const Box& box);

// The index of `name` in `classes`, added at the end when new.
std::size_t classIndex(std::vector<std::string>& classes, const std::string& name);

}  // namespace fovea::core::detection::box_formats
