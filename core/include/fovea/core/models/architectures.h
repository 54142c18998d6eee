#pragma once

// The model zoo's architectures described without building them (torch-free).

#include <cstdint>
#include <string>
#include <vector>

#include "fovea/core/models/preprocessing.h"

namespace fovea::core {

// One architecture of the model zoo, as torchvision 0.14 builds it.
struct ArchitectureInfo {
    std::string name;             // torchvision's builder name, e.g. "resnet18"
    std::string family;           // "ResNet", "VGG", "MobileNet", "Inception", "EfficientNet"
    std::string paper;            // where the architecture comes from
    Preprocessing preprocessing;  // what torchvision's ImageNet weights expect
    // With a 1000-class head, at the preprocessing's crop size: for listing models without
    // building them (the zoo tests check these against the built networks).
    int64_t parameters = 0;
    int64_t multiplyAccumulates = 0;  // one forward pass, convolutions and linear layers
};

// Every architecture, in the order they are offered to users.
const std::vector<ArchitectureInfo>& architectures();
const ArchitectureInfo* findArchitecture(const std::string& name);

}  // namespace fovea::core
