#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>

namespace fovea::cli {

// `fovea-cli health`: a dataset's health before training. Every image is read and fully
// decoded: exact and near duplicates (with train/validation leaks), unreadable and missing
// files, the balance of the classes with a suggested remedy, and suspected label errors by
// confident learning on a backbone's embeddings (--model, or --arch with --weights; the offline
// MobileNetV2 by default), which also find near duplicates. --data takes an image folder
// (imported into a project kept in the cache folder, so a second check is quick) or a project.
struct HealthOptions {
    std::filesystem::path data;
    std::filesystem::path project;
    std::filesystem::path model;
    std::string architecture = "mobilenet_v2_keras";
    std::string weights = "default";
    int imageSize = 0;  // 0: the model's own, 112 for a published backbone
    int maxHashDistance = 10;
    int threads = 0;
    bool json = false;
};

CLI::App* addHealthCommand(CLI::App& app, HealthOptions& options);
int runHealth(const HealthOptions& options);

}  // namespace fovea::cli
