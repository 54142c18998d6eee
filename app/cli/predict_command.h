#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "command_inputs.h"

namespace fovea::cli {

// `fovea-cli predict`: the top-k classes of images, files and folders (recursively), with the
// preprocessing recorded with the model. The model is a run folder, a bundle or a model file
// (--model), or a pretrained network as published (--arch with --weights) to preview it before
// any training. Unreadable images are listed as skipped; --csv writes one row per image.
struct PredictOptions {
    ModelSourceOptions source;
    std::vector<std::filesystem::path> inputs;
    int topK = 5;
    std::filesystem::path csv;
    int batchSize = 32;
    int workers = 0;
    std::string device = "auto";
    std::string precision = "fp32";
    int agreementSample = 32;  // images also run in fp32 when the precision is lower
    bool json = false;
    // Detection runs: boxes below this score are left out; and a COCO results JSON to write.
    double minScore = 0.5;
    std::filesystem::path cocoResults;
};

CLI::App* addPredictCommand(CLI::App& app, PredictOptions& options);
int runPredict(PredictOptions options);

}  // namespace fovea::cli
