#pragma once

#include <torch/torch.h>

#include <filesystem>

#include "fovea/core/result.h"
#include "fovea/core/training/training_config.h"
#include "training_state.h"

namespace fovea::core {

// A checkpoint file (LibTorch archive, written atomically): the network's parameters and
// buffers, the optimizer state, the CPU random generator, the best weights so far, and the
// TrainingState, TrainingConfig and frozen blocks as JSON.
Result<void> writeCheckpoint(const std::filesystem::path& file, const NetworkImpl& network,
                             torch::optim::Optimizer& optimizer, const TrainingState& state,
                             const TrainingConfig& config);

struct LoadedCheckpoint {
    TrainingState state;
    torch::serialize::InputArchive optimizerState;  // for Optimizer::load once it exists
};

// Restores the weights and the frozen blocks into `network` (names and shapes must match) and
// the random generator;
// the checkpoint's config must agree with `config` on everything that changes the result.
// Tensors are placed on `device`.
Result<LoadedCheckpoint> readCheckpoint(const std::filesystem::path& file, NetworkImpl& network,
                                        const TrainingConfig& config, const torch::Device& device);

}  // namespace fovea::core
