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
//
// With --task detection: a detection project of garments pasted onto photographs (see
// runDetectionDemo, detection_commands.h).
struct DemoOptions {
    std::string task = "classification";  // or "detection"
    std::filesystem::path out = "fovea-demo";
    std::string weights = "default";  // "none": the same recipe from random weights
    std::int64_t epochs = 10;         // detection: kDetectionDemoEpochs unless given
    int imagesPerClass = 50;
    int images = 0;            // detection: images to make (0: the demo's default)
    std::int64_t minSize = 0;  // detection: the network's shorter side (0: the demo's)
    std::string device = "auto";
    bool json = false;
    CLI::App* command = nullptr;  // which flags were given
};

CLI::App* addDemoCommand(CLI::App& app, DemoOptions& options);
int runDemo(DemoOptions options);

}  // namespace fovea::cli
