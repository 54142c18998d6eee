#pragma once

#include <torch/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fovea/core/training/trainer.h"
#include "loss_scaler.h"

namespace fovea::core {

// Where a run stands: everything a checkpoint needs besides the weights and optimizer state, so
// that a resumed run continues exactly where the stopped one left off.
struct TrainingState {
    std::int64_t epoch = 0;         // the epoch in progress (0-based)
    std::int64_t batchInEpoch = 0;  // batches of it already trained
    std::int64_t step = 0;          // optimizer steps over the run
    // Sums over the epoch in progress (for its mean loss and accuracy).
    double epochLossSum = 0;
    std::int64_t epochCorrect = 0;
    std::int64_t epochImages = 0;
    // Early stopping.
    std::optional<std::int64_t> bestEpoch;
    double bestMetric = 0;
    std::int64_t epochsWithoutImprovement = 0;
    std::vector<std::pair<std::string, torch::Tensor>> bestWeights;  // CPU copies
    std::vector<EpochReport> history;
    std::optional<LossScaleState> lossScale;  // fp16 runs only

    void startNextEpoch() {
        batchInEpoch = 0;
        epochLossSum = 0;
        epochCorrect = 0;
        epochImages = 0;
    }
};

// CPU copies of every parameter and buffer, by name.
std::vector<std::pair<std::string, torch::Tensor>> copyStateOf(const NetworkImpl& network);
// Copies them back into the network (same names and shapes), on the network's device.
void loadStateInto(NetworkImpl& network,
                   const std::vector<std::pair<std::string, torch::Tensor>>& state);

}  // namespace fovea::core
