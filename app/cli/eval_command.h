#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

namespace fovea::cli {

// `fovea-cli eval`: measures a trained model. By default on the validation split of its run,
// re-derived exactly as training split it (the run's config.json: data, validation fraction,
// seed); with --data on every labeled image of another folder or project, classes matched by
// name. Prints accuracy, top-k accuracy, per-class metrics, the confusion matrix and the top
// losses, and writes them, with every image's outcome, to RUN_DIR/evaluation.json.
struct EvalOptions {
    std::filesystem::path run;
    std::filesystem::path data;
    std::string split;  // val | train | all; empty: val for the run's data, all with --data
    int topK = 5;
    std::int64_t topLosses = 50;
    int batchSize = 0;  // 0: the run's batch size (32 without one)
    int workers = 0;
    std::string device = "auto";
    std::string precision;     // empty: the precision the run validated in (fp32 for --data)
    int agreementSample = 32;  // images also run in fp32 when the precision is lower
    bool json = false;
};

CLI::App* addEvalCommand(CLI::App& app, EvalOptions& options);
int runEval(EvalOptions options);

}  // namespace fovea::cli
