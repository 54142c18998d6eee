#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/models/network.h"
#include "fovea/core/result.h"
#include "fovea/core/training/training_config.h"

namespace fovea::core {

// `--batch-size auto` (and the Train page's "auto"): the largest power of two whose training
// step fits in the device's memory.
struct BatchSizeSearch {
    std::int64_t batchSize = 0;            // 0: not even one image fits
    std::vector<std::int64_t> fitted;      // sizes tried that fit, ascending
    std::optional<std::int64_t> failedAt;  // the first size that ran out of memory
    std::string explanation;               // one line for the log and the CLI
};

enum class BatchTrial { Fits, OutOfMemory };

// Doubles from 1 while `trial` fits, up to `maxBatch`; the largest size that fitted (batchSize 0
// when not even one image fits). An error from `trial` (anything but running out of memory) ends
// the search with that error.
Result<BatchSizeSearch> searchBatchSize(
    const std::function<Result<BatchTrial>(std::int64_t)>& trial, std::int64_t maxBatch);

// One training step of `network` at `batchSize` images of imageSize x imageSize on `device`,
// with the config's precision and memory format and the optimizer state's memory held, to see
// whether it fits. Weights, buffers and gradients are as they were afterwards.
Result<BatchTrial> tryTrainingStep(NetworkImpl& network, const TrainingConfig& config,
                                   const torch::Device& device, std::int64_t batchSize,
                                   std::int64_t imageSize);

// The search on the network itself, on the config's device. On the CPU memory is not what
// limits the batch (the host swaps long before it fails): there it picks kCpuAutoBatchSize
// without trials.
constexpr std::int64_t kCpuAutoBatchSize = 32;
Result<BatchSizeSearch> findLargestBatchSize(NetworkImpl& network, const TrainingConfig& config,
                                             std::int64_t imageSize, std::int64_t maxBatch);

}  // namespace fovea::core
