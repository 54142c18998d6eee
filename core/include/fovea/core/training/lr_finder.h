#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fovea/core/models/network.h"
#include "fovea/core/result.h"
#include "fovea/core/training/batch_source.h"
#include "fovea/core/training/lr_finder_result.h"
#include "fovea/core/training/trainer.h"
#include "fovea/core/training/training_config.h"

namespace fovea::core {

// Runs the range test on `network` with the optimizer, device, precision, gradient clipping
// and loss that `config` trains with (its learningRate, schedule and epochs are ignored), on
// `batches` from epoch 0 on. Runs on the calling thread and sets its own grad mode.
//
// Leaves no trace: the network's parameters, buffers (BatchNorm statistics), gradients,
// train/eval modes and device, and the CPU random generator (and the CUDA one when it ran on
// CUDA) are restored afterwards, also on failure. The config's seed seeds the run, so it is
// repeatable. `control` may stop it between steps (a result with the curve so far) or pause
// it; frozen-block requests are left for the trainer. `progress` gets each step's index
// (0-based), base rate and smoothed loss. Never throws: failures come back as an Error.
Result<LrFinderResult> findLearningRate(
    NetworkImpl& network, BatchSource& batches, const TrainingConfig& config,
    const LrFinderOptions& options, TrainingControl* control = nullptr,
    std::function<void(std::int64_t step, double lr, double loss)> progress = {});

}  // namespace fovea::core
