#pragma once

// Constructors of the zoo architectures; fovea/core/models/zoo.h is the public way in.
#include <cstdint>

#include "fovea/core/models/network.h"

namespace fovea::core::build {

NetworkPtr resnet(int depth, int64_t numClasses);               // 18, 34, 50
NetworkPtr vgg(int depth, bool batchNorm, int64_t numClasses);  // 11, 16
NetworkPtr mobileNetV2(int64_t numClasses);

}  // namespace fovea::core::build
