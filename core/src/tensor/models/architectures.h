#pragma once

// Constructors of the zoo architectures; fovea/core/models/zoo.h is the public way in.
#include <cstdint>

#include "fovea/core/models/network.h"

namespace fovea::core::build {

NetworkPtr resnet(int depth, int64_t numClasses);               // 18, 34, 50
NetworkPtr vgg(int depth, bool batchNorm, int64_t numClasses);  // 11, 16
NetworkPtr mobileNetV2(int64_t numClasses);
NetworkPtr mobileNetV3(bool large, int64_t numClasses);  // mobilenet_v3_large / _small
NetworkPtr efficientNetB0(int64_t numClasses);
// transformInput: torchvision's transform_input, which its inception_v3 turns on when loading the
// ImageNet weights (they expect inputs scaled to [-1, 1]; the flag converts from ImageNet
// normalisation). Off by default, as in torchvision's constructor.
NetworkPtr inceptionV3(int64_t numClasses, bool transformInput = false);

}  // namespace fovea::core::build
