#pragma once

// Exporting a trained detection run (issue 24, points 5 and 6), guarded by the parity gate as
// classification exports are (export_model.h): the file is written beside its destination, run
// by an independent runtime on the run's validation images, compared with the in-app Faster
// R-CNN image by image, and moved into place only when every image agrees. Free of LibTorch:
// fovea-cli export and the workbench use it.
//
// Formats: TorchScript (the detector with its post-processing; contract in
// fovea/core/export/detection_torchscript.h), checked by the TorchScript interpreter;
// safetensors (the run's weights under torchvision's names with the labels and sizes as
// metadata), checked by loading it into a fresh detector; ONNX (the network's two graphs with
// the steps between them documented; contract in fovea/core/export/detection_onnx.h), checked
// by OpenCV DNN running the graphs and the documented steps, detections matched within that
// gate's tolerance. .pth is refused.
// A new format is a case in checkDetectionExportFormat, in the writer's switch
// (detection_export.cpp) and in the gate's (checkDetectionParity: how to run the file).
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "fovea/core/result.h"
#include "fovea/core/session/export_model.h"

namespace fovea::core {

// The gate's limits, per image: the same number of boxes with the same labels in the same
// order, each box corner within this many pixels of the in-app one, each score within this.
inline constexpr double kDetectionParityMaxBoxDifference = 1e-2;  // pixels of the input image
inline constexpr double kDetectionParityMaxScoreDifference = 1e-4;

struct DetectionParityReport {
    std::string runtime;          // what ran the exported file, e.g. "TorchScript interpreter ..."
    std::string inputs;           // "validation images", or "random images" when none was usable
    std::string limits;           // what agreeing means, e.g. "the same boxes and labels, ..."
    std::int64_t compared = 0;    // images
    std::int64_t agreeing = 0;    // images within the limits
    std::int64_t boxes = 0;       // boxes of the in-app model over the compared images
    double maxBoxDifference = 0;  // pixels, over images with the same boxes and labels
    double maxScoreDifference = 0;
    bool passed = false;
    // Inference time per image (one image per call, CPU), the exported file and the in-app
    // model on the same images: the performance sanity check.
    double exportedMillisecondsPerImage = 0;
    double inAppMillisecondsPerImage = 0;
    std::vector<std::string> disagreements;  // "image 3 (file): 4 boxes, the model 5", at most 10
    std::vector<std::string> skippedImages;  // "file: problem", images that could not be read
};

nlohmann::json toJson(const DetectionParityReport& report);

struct DetectionExportedFile {
    ExportFormat format;
    std::filesystem::path file;
    DetectionParityReport parity;
};

// Whether `format` can be exported from a detection run; if not, the Usage error says why.
Result<void> checkDetectionExportFormat(ExportFormat format);

// Writes the detection run in `runFolder` (its model.safetensors) as `format` to `destination`
// after the gate passes on at most `maxImages` of the run's validation images (seeded random
// images of several sizes when none is usable, and the report says so). Errors carry their
// kind: Usage (not a detection run, a format detection runs cannot be exported to), BadData
// (no model yet, unreadable weights), Internal (the gate failed: the message has the figures;
// nothing is left at `destination`).
Result<DetectionExportedFile> exportDetectionRun(const std::filesystem::path& runFolder,
                                                 ExportFormat format,
                                                 const std::filesystem::path& destination,
                                                 std::size_t maxImages = 50);

}  // namespace fovea::core
