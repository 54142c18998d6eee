#pragma once

// Exporting a trained model to a file, guarded by a parity check: the file is written beside
// its destination, run by an independent runtime on real images, compared with the in-app
// network, and only then moved into place. A file that does not behave like the model never
// reaches the user.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fovea/core/result.h"
#include "fovea/core/session/trained_model.h"

namespace fovea::core {

enum class ExportFormat { TorchScript, Onnx, Safetensors, Pth };

// "torchscript" (or "pt"), "onnx", "safetensors", "pth".
std::optional<ExportFormat> parseExportFormat(std::string_view text);
const char* exportFormatName(ExportFormat format);
// ".pt", ".onnx", ".safetensors", ".pth"
const char* exportFileExtension(ExportFormat format);
const std::vector<ExportFormat>& allExportFormats();

// The gate's limits: every image must get the same top-1 class, and no class probability may
// move by more than this.
inline constexpr double kParityMaxProbabilityDifference = 1e-3;

struct ParityReport {
    std::string runtime;  // what ran the exported file, e.g. "OpenCV 4.6.0 DNN"
    std::string inputs;   // "validation images" or "random inputs" (when no image was usable)
    int64_t compared = 0;
    int64_t agreeing = 0;  // same top-1 class as the in-app network
    double agreement = 0;  // agreeing / compared
    double maxProbabilityDifference = 0;
    bool passed = false;
    std::vector<std::string> skippedImages;  // "file: problem", images that could not be read
};

struct ExportedFile {
    ExportFormat format;
    std::filesystem::path file;
    ParityReport parity;
};

// Writes `model` as `format` to `destination` (atomically) after the parity gate passes on
// `parityImages` (at most `maxImages` of them are used; random inputs when none is usable).
// A failed gate is an Error with the figures; nothing is left at `destination` then.
Result<ExportedFile> exportModelFile(const TrainedModel& model, ExportFormat format,
                                     const std::filesystem::path& destination,
                                     const std::vector<std::filesystem::path>& parityImages,
                                     size_t maxImages = 200);

}  // namespace fovea::core
