#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/session/prediction.h"
#include "fovea/core/session/run_records.h"

namespace fovea::cli {

// What predict and explain take: a model and images.

// Where they take their model from: a trained model (--model: run folder,
// bundle or .safetensors file) or a pretrained network as published (--arch with --weights),
// to look at it before any training.
struct ModelSourceOptions {
    std::filesystem::path model;
    std::string architecture;
    std::string weights = "default";
};

void addModelSourceOptions(CLI::App* command, ModelSourceOptions& options);

struct CommandModel {
    core::TrainedModel model;
    // For the command's JSON: "model" (the file) or "weights", "architecture", "classes", and
    // "labels": "model" when the classes have names, "indices" when only output indices.
    nlohmann::json source;
};

// Loads the model, downloading published weights when asked. On failure the error is reported
// (text or JSON) and `exitCode` set; the result is then empty.
std::optional<CommandModel> loadCommandModel(const ModelSourceOptions& options, bool json,
                                             int& exitCode);

// Why `list` (collected from `inputs`) holds no image: the paths that do not exist, or the
// folders searched and the extensions looked for.
std::string noImagesMessage(const core::ImageFileList& list,
                            const std::vector<std::filesystem::path>& inputs);

// The inputs that are neither a file nor a folder, as {"path", "error"} objects.
nlohmann::json problemsJson(const core::ImageFileList& list);

}  // namespace fovea::cli
