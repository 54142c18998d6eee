#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>

namespace fovea::cli {

// `fovea-cli health`: a dataset's health before training. Every image is read and fully
// decoded: exact and near duplicates (with train/validation leaks), unreadable and missing
// files, and the balance of the classes with a suggested remedy. --data takes an image folder
// (imported into a project kept in the cache folder, so a second check is quick) or a project.
struct HealthOptions {
    std::filesystem::path data;
    std::filesystem::path project;
    int maxHashDistance = 10;
    int threads = 0;
    bool json = false;
};

CLI::App* addHealthCommand(CLI::App& app, HealthOptions& options);
int runHealth(const HealthOptions& options);

}  // namespace fovea::cli
