#pragma once

// The parity gate: an exported file run by a runtime other than the one that made it, compared
// with the in-app network on the same inputs.
#include "fovea/core/libtorch_side.h"  // first: the workbench must not reach LibTorch

#include <filesystem>

#include <torch/types.h>

#include "fovea/core/session/export_model.h"

namespace fovea::core {

// `inputs`: [N, 3, S, S] float in [0, 1] (the exported input contract), compared with the
// model's contractProbabilities() (fovea/core/export/model_export.h). OpenCV DNN runs ONNX, the
// TorchScript interpreter runs .pt, and Fovea's readers rebuild a fresh network from a
// .safetensors or .pth file, which then runs.
Result<ParityReport> checkExportParity(const TrainedModel& model, ExportFormat format,
                                       const std::filesystem::path& file,
                                       const torch::Tensor& inputs);

}  // namespace fovea::core
