#pragma once

#include <string>
#include <vector>

#include "fovea/core/models/architectures.h"
#include "fovea/core/models/network.h"
#include "fovea/core/result.h"

namespace fovea::core {

// A freshly initialised network (torchvision's initialisation) with `numClasses` outputs.
Result<NetworkPtr> createNetwork(const std::string& name, int64_t numClasses = 1000);

// Multiply-accumulate operations of one forward pass on a 1 x 3 x imageSize x imageSize input,
// counted over convolutions and linear layers (the figure torchvision's docs list as GFLOPS:
// 1.81e9 for resnet18 at 224 px).
int64_t countMultiplyAccumulates(NetworkImpl& network, int imageSize);

}  // namespace fovea::core
