#pragma once

// The detection export's parity gate on the tensor side (what exportDetectionRun runs), for
// tests and tools that hold a detector rather than a run folder.
#include "fovea/core/libtorch_side.h"  // first: the workbench must not reach LibTorch

#include <filesystem>
#include <string>
#include <vector>

#include <torch/types.h>

#include "fovea/core/detection/faster_rcnn.h"
#include "fovea/core/session/detection_export.h"

namespace fovea::core {

// Runs the exported `file` (TorchScript: torch::jit::load; safetensors: read into a fresh
// detector of model's architecture and options) and `model` (eval, no grad) on each of
// `images` ([3, H, W] float RGB in [0, 1]) one at a time, and compares their detections within
// the limits of detection_export.h. `names` (same length as images, may be empty) label images
// in disagreements. A file that cannot be run is an Error naming it.
Result<DetectionParityReport> checkDetectionParity(detection::FasterRcnnImpl& model,
                                                   ExportFormat format,
                                                   const std::filesystem::path& file,
                                                   const std::vector<torch::Tensor>& images,
                                                   const std::vector<std::string>& names = {});

}  // namespace fovea::core
