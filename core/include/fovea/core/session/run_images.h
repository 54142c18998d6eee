#pragma once

// The images a run trained and validated on, recorded in its folder (images.json) as training
// began, so that evaluation, export's parity gate and the workbench's Evaluate page use exactly
// those images without re-deriving the split or touching the project. Torch- and OpenCV-free.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/result.h"

namespace fovea::core {

// A labeled image: its project id, file and class name.
struct DataImage {
    std::int64_t id = 0;
    std::filesystem::path path;
    std::string className;
};

struct RunImages {
    std::vector<DataImage> train;
    std::vector<DataImage> validation;
};

constexpr const char* kRunImagesFile = "images.json";

// Written atomically: {"version": 1, "train": [{"id", "path", "class"}...], "validation": [...]}.
Result<void> writeRunImages(const std::filesystem::path& runFolder, const RunImages& images);
// nullopt when the run has no images.json (runs made before it was recorded); an error when the
// file is there but unreadable or invalid, naming it.
Result<std::optional<RunImages>> readRunImages(const std::filesystem::path& runFolder);

}  // namespace fovea::core
