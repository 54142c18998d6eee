#include "fovea/core/session/export_model.h"

#include <torch/torch.h>

#include <cstdio>
#include <sstream>

#include "fovea/core/export/model_export.h"
#include "fovea/core/loader/image_batch_loader.h"
#include "fovea/core/session/export_parity.h"

namespace fovea::core {
namespace {

// The export contract's input: pixels in [0, 1] after resize and centre crop, not normalised.
torch::Tensor contractInputs(const NetworkImpl& network,
                             const std::vector<std::filesystem::path>& images, size_t maxImages,
                             ParityReport& report) {
    Preprocessing spec = network.preprocessing();
    spec.mean = {0.f, 0.f, 0.f};
    spec.std = {1.f, 1.f, 1.f};
    std::vector<torch::Tensor> tensors;
    for (const auto& image : images) {
        if (tensors.size() >= maxImages) break;
        auto loaded = loadEvaluationTensor(image, spec);
        if (loaded) {
            tensors.push_back(loaded.value());
        } else {
            report.skippedImages.push_back(loaded.error().message);
        }
    }
    if (!tensors.empty()) {
        report.inputs = "validation images";
        return torch::cat(tensors);
    }
    // Without images the gate still runs, on seeded noise, and says so.
    report.inputs = "random inputs";
    const int size = network.preprocessing().cropSize;
    auto generator = at::detail::createCPUGenerator(20261129);
    return torch::rand({16, 3, size, size}, generator);
}

Result<void> writeFormat(const TrainedModel& model, ExportFormat format,
                         const std::filesystem::path& file) {
    switch (format) {
        case ExportFormat::TorchScript:
            return writeTorchScript(*model.network, model.classNames, file);
        case ExportFormat::Onnx:
            return writeOnnx(*model.network, model.classNames, file);
        case ExportFormat::Pth:
            return writePth(*model.network, model.classNames, file);
        case ExportFormat::Safetensors: {
            auto metadata = model.metadata;
            for (const auto& [key, value] : exportMetadata(*model.network, model.classNames)) {
                metadata[key] = value;
            }
            return saveTrainedModel(file, *model.network, model.classNames, metadata);
        }
    }
    return Error{"unknown export format"};
}

std::string percent(double fraction) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f%%", 100.0 * fraction);
    return text;
}

}  // namespace

std::optional<ExportFormat> parseExportFormat(std::string_view text) {
    if (text == "torchscript" || text == "pt") return ExportFormat::TorchScript;
    if (text == "onnx") return ExportFormat::Onnx;
    if (text == "safetensors") return ExportFormat::Safetensors;
    if (text == "pth") return ExportFormat::Pth;
    return std::nullopt;
}

const char* exportFormatName(ExportFormat format) {
    switch (format) {
        case ExportFormat::TorchScript:
            return "torchscript";
        case ExportFormat::Onnx:
            return "onnx";
        case ExportFormat::Safetensors:
            return "safetensors";
        case ExportFormat::Pth:
            return "pth";
    }
    return "?";
}

const char* exportFileExtension(ExportFormat format) {
    switch (format) {
        case ExportFormat::TorchScript:
            return ".pt";
        case ExportFormat::Onnx:
            return ".onnx";
        case ExportFormat::Safetensors:
            return ".safetensors";
        case ExportFormat::Pth:
            return ".pth";
    }
    return "";
}

const std::vector<ExportFormat>& allExportFormats() {
    static const std::vector<ExportFormat> formats{ExportFormat::Onnx, ExportFormat::TorchScript,
                                                   ExportFormat::Safetensors, ExportFormat::Pth};
    return formats;
}

Result<ExportedFile> exportModelFile(const TrainedModel& model, ExportFormat format,
                                     const std::filesystem::path& destination,
                                     const std::vector<std::filesystem::path>& parityImages,
                                     size_t maxImages) {
    // Written and checked under a temporary name in the destination's folder, so the rename into
    // place is atomic and a failed check leaves nothing that looks like an export.
    std::filesystem::path staging = destination;
    staging.replace_filename("." + destination.filename().string() + ".checking");
    auto written = writeFormat(model, format, staging);
    if (!written) {
        std::error_code ignored;
        std::filesystem::remove(staging, ignored);
        std::string message = written.error().message;
        if (const auto at = message.find(staging.string()); at != std::string::npos) {
            message.replace(at, staging.string().size(), destination.string());
        }
        return Error{message};
    }
    ExportedFile exported{format, destination, {}};
    const torch::Tensor inputs =
        contractInputs(*model.network, parityImages, maxImages, exported.parity);
    auto parity = checkExportParity(model, format, staging, inputs);
    if (parity) {
        parity.value().inputs = exported.parity.inputs;
        parity.value().skippedImages = exported.parity.skippedImages;
        exported.parity = parity.value();
    }
    if (!parity || !exported.parity.passed) {
        std::error_code ignored;
        std::filesystem::remove(staging, ignored);
        if (!parity) {
            return Error{destination.string() + ": parity check failed: " + parity.error().message};
        }
        std::ostringstream message;
        message << destination.string() << ": parity check failed (" << exported.parity.runtime
                << " on " << exported.parity.compared << " " << exported.parity.inputs
                << "): top-1 agreement " << percent(exported.parity.agreement)
                << ", max probability difference " << exported.parity.maxProbabilityDifference
                << " (needs 100% and at most " << kParityMaxProbabilityDifference
                << "); nothing was written";
        return Error{message.str()};
    }
    std::error_code error;
    std::filesystem::rename(staging, destination, error);
    if (error) {
        std::filesystem::remove(staging, error);
        return Error{destination.string() +
                     ": cannot move the export into place: " + error.message()};
    }
    return exported;
}

}  // namespace fovea::core
