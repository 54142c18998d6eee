#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>

#include "fovea/core/training/lr_finder.h"
#include "train_command.h"

namespace fovea::cli {

// `fovea-cli lr-find`: the learning-rate range test on the same data and network `train`
// would use; prints the curve's suggestion, and with --csv writes the curve.
struct LrFindOptions {
    TrainOptions train;
    core::LrFinderOptions finder;
    std::filesystem::path csv;
};

CLI::App* addLrFindCommand(CLI::App& app, LrFindOptions& options);
int runLrFind(LrFindOptions options);

}  // namespace fovea::cli
