#pragma once

// The network type by name only, for torch-free headers that pass a network through
// (prediction, evaluation, Grad-CAM of one image): their callers need no LibTorch.

#include <memory>

namespace fovea::core {

class NetworkImpl;
using NetworkPtr = std::shared_ptr<NetworkImpl>;

}  // namespace fovea::core
