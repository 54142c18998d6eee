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
#include "fovea/core/session/run_failure.h"
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
// modelFileFor(given), then loadTrainedModel. On failure `failure` says why: Usage when
// `given` does not exist (a mistyped path), BadData when it holds no readable model.
Result<LoadedModel> loadModelSource(const std::filesystem::path& given, RunFailure& failure);

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
// or no longer on disk), with why: [{"path", "error"}].
nlohmann::json unusableImages(const ProjectStore& store);

// The run's own data split as training split it: the project the run made (or the project it
// trained on), the validation fraction and seed from config.json. The stored splits are
// stable, so "val" is exactly the training run's validation set. `split`: "val", "train" or
// "all".
Result<EvalData> runData(const std::filesystem::path& runFolder, const std::string& split,
                         RunFailure& failure);
// The paths of runData's images.
Result<std::vector<std::filesystem::path>> runImagePaths(const std::filesystem::path& runFolder,
                                                         const std::string& split,
                                                         RunFailure& failure);

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
Result<ExportInputs> exportInputs(const std::filesystem::path& source, RunFailure& failure);

// A JSON file's content, or null when it is missing or not JSON (optional run records).
nlohmann::json loadJsonFile(const std::filesystem::path& file);

}  // namespace fovea::core
