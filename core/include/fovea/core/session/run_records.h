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
#include "fovea/core/session/run_catalogue.h"  // loadJsonFile
#include "fovea/core/session/run_data.h"
#include "fovea/core/session/trained_model.h"

namespace fovea::core {

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

}  // namespace fovea::core
