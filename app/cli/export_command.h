#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>

namespace fovea::cli {

// `fovea-cli export`: a trained model as TorchScript, ONNX, safetensors or .pth, each file
// checked by the parity gate (an independent runtime on the run's validation images) before it
// is written. One format writes one file at --out; several formats, "all" or --bundle write a
// model bundle folder at --out (model files, labels.json, preprocessing.json, parity.json and
// the model card README.md).
struct ExportOptions {
    std::filesystem::path run;  // run folder, bundle or model file
    std::string formats;        // comma-separated, or "all"
    std::filesystem::path out;
    bool bundle = false;
    int parityImages = 200;
    bool json = false;
};

CLI::App* addExportCommand(CLI::App& app, ExportOptions& options);
int runExport(ExportOptions options);

}  // namespace fovea::cli
