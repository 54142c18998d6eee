#pragma once

// What a finished training run left behind, found again from its folder: the trained model,
// and the exact images it trained and validated on. fovea-cli eval/export/predict/demo and the
// workbench's Evaluate, Predict and Export pages read runs through these.

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fovea/core/result.h"
#include "fovea/core/session/model_bundle.h"
#include "fovea/core/session/run_images.h"
#include "fovea/core/session/trained_model.h"

namespace fovea::core {

class ProjectStore;

// The model file `given` names: a run folder or a model bundle (both hold model.safetensors),
// or a model file saved by saveTrainedModel. Errors name the path and say what was expected.
Result<std::filesystem::path> modelFileFor(const std::filesystem::path& given);

struct LoadedModel {
    TrainedModel model;
    std::filesystem::path file;  // the model.safetensors that was read
};
// modelFileFor(given), then loadTrainedModel. Errors are Usage when `given` does not exist (a
// mistyped path), BadData when it holds no readable model.
Result<LoadedModel> loadModelSource(const std::filesystem::path& given);

// What is evaluated and what was left out, before matching classes to the model.
struct EvalData {
    std::vector<DataImage> images;
    std::string name;                                   // the folder or project, for people
    nlohmann::json unusable = nlohmann::json::array();  // labeled images that cannot be read
    std::int64_t batchSize = 32;                        // the run's, when evaluating the run
};

// Labeled images of a project that cannot be used (an error found at import or in training,
// or no longer on disk), with why: [{"path", "error"}].
nlohmann::json unusableImages(const ProjectStore& store);

// The images the run trained and validated on, as it recorded them (images.json; for runs
// made before that, the splits it stored in its project), with the classes it trained them
// as. Never writes to the project. `split`: "val", "train" or "all". Usage error when
// `runFolder` is not a run.
Result<EvalData> runData(const std::filesystem::path& runFolder, const std::string& split);
// The paths of runData's images.
Result<std::vector<std::filesystem::path>> runImagePaths(const std::filesystem::path& runFolder,
                                                         const std::string& split);

// What exporting a model needs: the model of `source` (run folder, bundle or model file), the
// images its parity gate runs on (a run's own validation images; none otherwise, and the gate
// uses random inputs), what the model card says (a run's config, summary and evaluation), and
// notes for people (e.g. why there are no validation images).
struct ExportInputs {
    LoadedModel loaded;
    std::vector<std::filesystem::path> parityImages;
    ModelCardFacts facts;
    std::vector<std::string> notes;
};
Result<ExportInputs> exportInputs(const std::filesystem::path& source);

// A JSON file's content, or null when it is missing or not JSON (optional run records).
nlohmann::json loadJsonFile(const std::filesystem::path& file);

}  // namespace fovea::core
