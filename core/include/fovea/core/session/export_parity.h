#pragma once

// The parity gate: an exported file run by a runtime other than the one that made it, compared
// with the in-app network on the same inputs.
#include <filesystem>

#include <torch/types.h>

#include "fovea/core/session/export_model.h"

namespace fovea::core {

// `inputs`: [N, 3, S, S] float in [0, 1] (the exported input contract); `sources` names each
// input for messages ("validation images" / "random inputs"). OpenCV DNN runs ONNX, the
// TorchScript interpreter runs .pt, loadTrainedModel rebuilds a network from .safetensors, and
// a .pth is read back by Fovea's reader and compared tensor by tensor before running it.
Result<ParityReport> checkExportParity(const TrainedModel& model, ExportFormat format,
                                       const std::filesystem::path& file,
                                       const torch::Tensor& inputs);

// The model's own probabilities for `inputs` in the export contract (normalisation applied
// here), on the CPU.
torch::Tensor inAppProbabilities(NetworkImpl& network, const torch::Tensor& inputs);

}  // namespace fovea::core
