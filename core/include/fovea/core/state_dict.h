#pragma once

#include "fovea/core/libtorch_side.h"  // first: the workbench must not reach LibTorch

#include <string>

#include <torch/ordered_dict.h>
#include <torch/types.h>

namespace fovea::core {

// Parameter and buffer name -> tensor, in file (or module) order, with torchvision's names
// ("layer1.0.conv1.weight", "bn1.running_mean", ...). Tensors are on the CPU.
using StateDict = torch::OrderedDict<std::string, torch::Tensor>;

}  // namespace fovea::core
