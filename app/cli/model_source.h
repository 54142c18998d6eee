#pragma once

#include <filesystem>

#include "fovea/core/result.h"
#include "fovea/core/session/trained_model.h"

namespace fovea::cli {

// The file `--model` (or `--run`) names: a run folder or a model bundle (both hold
// model.safetensors) or a model file saved by saveTrainedModel. Errors name the path and say
// what was expected.
core::Result<std::filesystem::path> modelFileFor(const std::filesystem::path& given);

struct LoadedModel {
    core::TrainedModel model;
    std::filesystem::path file;  // the model.safetensors that was read
};

// modelFileFor(given), then loadTrainedModel. On failure `exitCode` says why: kExitUsage when
// `given` does not exist (a mistyped path), kExitBadData when it holds no readable model.
core::Result<LoadedModel> loadModelSource(const std::filesystem::path& given, int& exitCode);

}  // namespace fovea::cli
