#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>

namespace fovea::cli {

// `fovea-cli demo`: the whole loop on real data in a few minutes on a laptop CPU. Writes a
// Fashion-MNIST project (Debian's dataset-fashion-mnist: 50 PNGs per class in ImageFolder
// layout plus unlabeled ones for labeling in the workbench), fine-tunes the offline default
// MobileNetV2 with its ImageNet blocks frozen, prints the validation accuracy, and exports an
// ONNX model bundle through the parity gate.
struct DemoOptions {
    std::filesystem::path out = "fovea-demo";
    std::string weights = "default";  // "none": the same recipe from random weights
    std::int64_t epochs = 10;
    int imagesPerClass = 50;
    std::string device = "auto";
    bool json = false;
};

CLI::App* addDemoCommand(CLI::App& app, DemoOptions& options);
int runDemo(DemoOptions options);

}  // namespace fovea::cli
