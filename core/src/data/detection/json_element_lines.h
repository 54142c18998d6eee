#pragma once

// Internal to the COCO reader: nlohmann::json (3.11) keeps no source positions, so the lines a
// problem names come from this scan of the same text.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace fovea::core::detection::box_formats {

// For each array member of the top-level object (COCO's "images", "annotations",
// "categories"), the 1-based line on which each of its elements starts. `json` must already
// have parsed as JSON; a key given twice keeps its last array, as nlohmann::json does.
std::map<std::string, std::vector<int>> topLevelArrayElementLines(std::string_view json);

}  // namespace fovea::core::detection::box_formats
