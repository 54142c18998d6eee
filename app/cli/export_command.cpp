#include "export_command.h"

#include <iostream>
#include <sstream>

#include "cli_output.h"
#include "common_options.h"
#include "detection_export_command.h"
#include "exit_codes.h"
#include "fovea/core/session/detection_training.h"
#include "fovea/core/session/export_model.h"
#include "fovea/core/session/model_bundle.h"
#include "fovea/core/session/run_records.h"
#include "fovea/core/training/run_folder.h"

namespace fovea::cli {
namespace {

namespace fs = std::filesystem;

core::Result<std::vector<core::ExportFormat>> parseFormats(const std::string& text) {
    if (text == "all") return core::allExportFormats();
    std::vector<core::ExportFormat> formats;
    std::stringstream stream(text);
    for (std::string item; std::getline(stream, item, ',');) {
        const auto format = core::parseExportFormat(item);
        if (!format) {
            return core::Error{"unknown export format '" + item +
                               "' (torchscript, onnx, safetensors, pth or all)"};
        }
        formats.push_back(*format);
    }
    if (formats.empty()) return core::Error{"no export format given"};
    return formats;
}

nlohmann::json fileJson(const core::ExportedFile& file) {
    return {{"format", core::exportFormatName(file.format)},
            {"file", file.file.string()},
            {"parity", core::toJson(file.parity)}};
}

std::string fileLine(const core::ExportedFile& file) {
    std::ostringstream text;
    text << core::exportFormatName(file.format) << ": " << file.file.string()
         << "\n  parity: " << file.parity.runtime << ", " << file.parity.compared << " "
         << file.parity.inputs << ", top-1 agreement " << 100.0 * file.parity.agreement
         << "%, max probability difference " << file.parity.maxProbabilityDifference << "\n";
    return text.str();
}

}  // namespace

CLI::App* addExportCommand(CLI::App& app, ExportOptions& o) {
    auto* command = app.add_subcommand(
        "export",
        "Export a trained model (TorchScript, ONNX, safetensors, .pth; a detection run: "
        "TorchScript with post-processing, or safetensors) with a parity check");
    command->add_option("--run,--model", o.run, "run folder, model bundle or model file")
        ->required();
    command
        ->add_option("--format", o.formats,
                     "torchscript | onnx | safetensors | pth, comma-separated, or all")
        ->required();
    command->add_option("--out", o.out, "output file (one format) or bundle folder")->required();
    command->add_flag("--bundle", o.bundle,
                      "write a model bundle folder even for one format (model card, labels...)");
    command
        ->add_option("--parity-images", o.parityImages,
                     "validation images the parity check runs (at most)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    addJsonFlag(command, o.json);
    return command;
}

int runExport(ExportOptions o) {
    const bool json = o.json;
    auto formats = parseFormats(o.formats);
    if (!formats) return reportError(json, kExitUsage, formats.error().message);
    if (core::isDetectionRun(o.run)) return runDetectionExport(o, formats.value());
    // A detection run's model.safetensors names its run: the detector is rebuilt from there.
    if (fs::is_regular_file(o.run) && core::isDetectionRun(o.run.parent_path())) {
        o.run = o.run.parent_path();
        return runDetectionExport(o, formats.value());
    }
    auto inputs = core::exportInputs(o.run);
    if (!inputs) return reportError(json, exitCodeFor(inputs.error().kind), inputs.error().message);
    const core::TrainedModel& model = inputs.value().loaded.model;
    // The parity gate runs on the run's own validation images when o.run is a run folder.
    const std::vector<fs::path>& images = inputs.value().parityImages;
    const nlohmann::json notes = inputs.value().notes;

    nlohmann::json result;
    std::string text;
    const bool bundle = o.bundle || formats.value().size() > 1;
    if (bundle) {
        const core::ModelCardFacts& facts = inputs.value().facts;
        auto written = core::writeModelBundle(model, formats.value(), o.out, images, facts);
        if (!written) return reportError(json, kExitFailure, written.error().message);
        result["bundle"] = o.out.string();
        result["files"] = nlohmann::json::array();
        text = "Model bundle: " + o.out.string() + "\n";
        for (const auto& file : written.value().files) {
            result["files"].push_back(fileJson(file));
            text += fileLine(file);
        }
    } else {
        fs::path destination = o.out;
        if (fs::is_directory(destination)) {
            destination /= std::string("model") + core::exportFileExtension(formats.value()[0]);
        }
        auto exported = core::exportModelFile(model, formats.value()[0], destination, images,
                                              static_cast<size_t>(o.parityImages));
        if (!exported) return reportError(json, kExitFailure, exported.error().message);
        result["files"] = nlohmann::json::array({fileJson(exported.value())});
        text = fileLine(exported.value());
    }
    if (!notes.empty()) {
        result["notes"] = notes;
        for (const auto& note : notes)
            std::cerr << "fovea-cli: " << note.get<std::string>() << "\n";
    }
    printResult(json, result, text);
    return kExitSuccess;
}

}  // namespace fovea::cli
