#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "fovea/core/session/network_setup.h"
#include "fovea/core/training/training_config.h"

namespace fovea::cli {

// `fovea-cli train`: imports (or opens) the data, builds the network, trains with progress,
// writes the run folder (config, metrics, TensorBoard curves, checkpoints, log, the model) and
// prints the result. Ctrl-C stops at the next batch with a checkpoint; --resume continues.
struct TrainOptions {
    std::filesystem::path data;
    std::filesystem::path runFolder;
    core::NetworkChoice network;
    std::string freezeList;  // --freeze A,B,C
    core::TrainingConfig training;
    std::string optimizer = "adamw";
    std::string schedule = "cosine";
    std::string device = "auto";
    std::string precision = "fp32";
    std::string augment = "light";
    std::int64_t batchSize = 32;
    double validationFraction = 0.2;
    int workers = 0;
    bool resume = false;
    bool json = false;
};

// Adds the subcommand and its flags to `app`; the options are filled when it is parsed.
CLI::App* addTrainCommand(CLI::App& app, TrainOptions& options);
int runTrain(TrainOptions options);
// runTrain without printing the result: fills `result` (the JSON object) and `text` (for
// people) when training ran; errors are reported as runTrain reports them. Returns the exit code.
int trainRun(TrainOptions options, nlohmann::json& result, std::string& text);

}  // namespace fovea::cli
