#pragma once

// Internal to the detection writers: what they share.

#include <filesystem>
#include <string_view>

#include "fovea/core/detection/box_annotations.h"

namespace fovea::core::detection::box_formats {

// An error when a box's class is not in `annotations.classes` (the writers number classes by
// their place in that list), or an image path is empty, absolute or leads out of its folder.
Result<void> checkWritable(const BoxAnnotations& annotations);

// Writes `content` to `file` atomically, creating its folder first.
Result<void> writeAnnotationFile(const std::filesystem::path& file, std::string_view content);

}  // namespace fovea::core::detection::box_formats
