#pragma once

// What a training run trained on, found again from its folder: eval, export and demo use the
// run's own validation images.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fovea/core/result.h"

namespace fovea::core {
class ProjectStore;
}

namespace fovea::cli {

// A labeled image of the data, before its class is matched to a model's.
struct DataImage {
    std::int64_t id = 0;
    std::filesystem::path path;
    std::string className;
};

// What is evaluated and what was left out, before matching classes to the model.
struct EvalData {
    std::vector<DataImage> images;
    std::string name;                                   // the folder or project, for people
    nlohmann::json unusable = nlohmann::json::array();  // labeled images that cannot be read
    std::int64_t batchSize = 32;                        // the run's, when evaluating the run
};

// Labeled images of a project that cannot be used (an error found at import or in training,
// or no longer on disk), with why.
nlohmann::json unusableImages(const core::ProjectStore& store);

// The run's own data split as training split it: the project the run made (or the project it
// trained on), the validation fraction and seed from config.json. The stored splits are
// stable, so this is exactly the training run's validation set.
core::Result<EvalData> runData(const std::filesystem::path& runFolder, const std::string& split,
                               int& exitCode);

// The images of the run's `split` ("val", "train" or "all"), re-derived exactly as training
// split them (the run's config.json: data, validation fraction, seed; stored splits are
// stable). On failure `exitCode` says why (usage: not a run; bad data: no such images).
core::Result<std::vector<std::filesystem::path>> runImagePaths(
    const std::filesystem::path& runFolder, const std::string& split, int& exitCode);

// A JSON file's content, or null when it is missing or not JSON (optional run records).
nlohmann::json loadJsonFile(const std::filesystem::path& file);

}  // namespace fovea::cli
