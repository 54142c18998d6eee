#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>

namespace fovea::cli {

// `fovea-cli suggest`: a trained model (run folder, bundle or model file) predicts the project's
// unlabeled images; each gets a suggested class and confidence, stored in the project for the
// workbench to show, with the least certain first in its "Label next" order. With --refresh,
// no model: a head fitted in seconds on the offline backbone's cached embeddings of the labels
// so far suggests, and "Label next" adds diversity (the workbench's Refresh). Replaces the
// project's earlier suggestions.
struct SuggestOptions {
    std::filesystem::path model;
    bool refresh = false;
    std::string uncertainty = "margin";  // what Label next puts first: margin | entropy
    std::filesystem::path project;
    int batchSize = 32;
    int workers = 0;
    std::string device = "auto";
    bool json = false;
};

CLI::App* addSuggestCommand(CLI::App& app, SuggestOptions& options);
int runSuggest(const SuggestOptions& options);

}  // namespace fovea::cli
