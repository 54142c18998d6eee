#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "command_inputs.h"

namespace fovea::cli {

// `fovea-cli explain`: where the model looked. For each image (files, or folders searched
// recursively), Grad-CAM on the network's last convolutional block for the top-1 class, or for
// --class, drawn over the pixels the network saw (its recorded resize and centre crop) and
// written as OUT_DIR/<name>.gradcam.png. Unreadable images are listed as skipped.
struct ExplainOptions {
    ModelSourceOptions source;
    std::vector<std::filesystem::path> inputs;
    std::filesystem::path outputFolder;
    std::string targetClass;  // a class name or output index; empty: each image's top-1
    std::string device = "auto";
    bool json = false;
};

CLI::App* addExplainCommand(CLI::App& app, ExplainOptions& options);
int runExplain(ExplainOptions options);

}  // namespace fovea::cli
