#pragma once

// A model bundle: one folder that holds everything needed to use a trained model elsewhere.
//
//   model.safetensors   always (Fovea's own format: `fovea-cli predict --model FOLDER` reads it)
//   model.onnx / model.pt / model.pth   the requested formats, each through the parity gate
//   labels.json         the class labels in output order
//   preprocessing.json  resize, crop, mean/std, and the input contract in words
//   parity.json         each file's parity-gate figures
//   README.md           the model card: architecture, weight source, classes, data counts,
//                       metrics, training settings, date
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fovea/core/session/export_model.h"
#include "fovea/core/session/run_settings.h"

namespace fovea::core {

// What the model card says beyond the model itself; each part may be empty (a null json).
struct ModelCardFacts {
    std::string name;              // shown as the card's title, e.g. the run folder's name
    std::optional<RunConfig> run;  // the run's config.json
    nlohmann::json summary;        // the run's summary.json
    nlohmann::json evaluation;     // an evaluation report (accuracy, per-class metrics), if any
};

struct BundleReport {
    std::filesystem::path folder;
    std::vector<ExportedFile> files;
};

// Told before each step of writing a bundle: `done` of `total` steps so far and what comes
// next ("model.onnx: writing it and checking it against the model"). Returning false cancels
// the bundle before that step.
using BundleProgress =
    std::function<bool(std::size_t done, std::size_t total, const std::string& next)>;

// Writes the bundle into `folder` (created when missing), all or nothing: its files are written
// in a staging folder beside it and replace an earlier bundle's there only once every one
// passed its parity gate (the earlier bundle's model files this one does not hold are
// removed; other files in the folder stay). The first format whose gate fails ends it with
// its error, a cancel through `progress` with "cancelled"; the earlier bundle is then left
// as it was.
Result<BundleReport> writeModelBundle(const TrainedModel& model,
                                      const std::vector<ExportFormat>& formats,
                                      const std::filesystem::path& folder,
                                      const std::vector<std::filesystem::path>& parityImages,
                                      const ModelCardFacts& facts,
                                      const BundleProgress& progress = {});

// The model card's markdown.
std::string renderModelCard(const TrainedModel& model, const std::vector<ExportedFile>& files,
                            const ModelCardFacts& facts);

nlohmann::json toJson(const ParityReport& report);

}  // namespace fovea::core
