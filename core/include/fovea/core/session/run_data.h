#pragma once

// The images a training run used, found again from its folder, free of LibTorch: fovea-cli
// eval and export and the workbench's Evaluate page read them through these.

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fovea/core/result.h"
#include "fovea/core/session/run_images.h"
#include "fovea/core/session/run_settings.h"

namespace fovea::core {

class ProjectStore;

// What is evaluated and what was left out, before matching classes to the model.
struct EvalData {
    std::vector<DataImage> images;
    std::string name;                                   // the folder or project, for people
    nlohmann::json unusable = nlohmann::json::array();  // labeled images that cannot be read
    std::int64_t batchSize = 32;                        // the run's, when evaluating the run
    // The precision the run validated in (its summary's; else its config's), so evaluating
    // the run reproduces its validation figures. fp32 for other data.
    Precision precision = Precision::Float32;
};

// Labeled images of a project that cannot be used (an error found at import or in training,
// or no longer on disk), with why: [{"path", "error"}].
nlohmann::json unusableImages(const ProjectStore& store);

// The images the run trained and validated on, as it recorded them (images.json; for runs
// made before that, the splits it stored in its project), with the classes it trained them
// as. Never writes to the project. `split`: "val", "train" or "all". Usage error when
// `runFolder` is not a run.
Result<EvalData> runData(const std::filesystem::path& runFolder, const std::string& split);
// The same for a run whose config.json has been read already.
Result<EvalData> runData(const std::filesystem::path& runFolder, const RunConfig& config,
                         const std::string& split);

}  // namespace fovea::core
