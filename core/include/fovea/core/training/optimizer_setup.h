#pragma once

#include "fovea/core/libtorch_side.h"  // first: the workbench must not reach LibTorch

#include <torch/optim.h>

#include <memory>
#include <string>
#include <vector>

#include "fovea/core/models/network.h"
#include "fovea/core/training/training_config.h"

namespace fovea::core {

// One parameter group: the trainable parameters of one block, with or without weight decay.
struct ParameterGroupInfo {
    std::string block;
    bool weightDecay = true;  // false for biases and normalisation weights (1-D parameters)
    double learningRateMultiplier = 1.0;
    std::int64_t parameters = 0;  // scalar count
};

struct OptimizerSetup {
    std::unique_ptr<torch::optim::Optimizer> optimizer;
    std::vector<ParameterGroupInfo> groups;  // in the optimizer's group order
    double baseLearningRate = 0;
};

// SGD (momentum, Nesterov) or AdamW over the network's trainable parameters, grouped by block so
// each block gets its learning-rate multiplier, and with weight decay only on weight matrices and
// kernels: decaying biases and BatchNorm scales only hurts (Goyal et al. 2017, "no bias decay").
OptimizerSetup makeOptimizer(NetworkImpl& network, const TrainingConfig& config);

// Sets every group's rate to base * multiplier * factor (the schedule's factor for this step).
void applyLearningRateFactor(OptimizerSetup& setup, double factor);
double currentLearningRate(const OptimizerSetup& setup);  // of a multiplier-1 group

}  // namespace fovea::core
