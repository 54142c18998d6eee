#pragma once

// Small networks and inputs shared by the export tests.
#include <torch/torch.h>

#include <string>

#include "fovea/core/models/zoo.h"

namespace fovea::test {

// A zoo network with `classes` outputs at a small crop size (fast), its BatchNorm statistics
// randomised (so eval mode really uses them) and non-default preprocessing numbers (so a
// missing normalisation shows).
inline core::NetworkPtr smallNetwork(const std::string& architecture, int64_t classes,
                                     int cropSize) {
    auto created = core::createNetwork(architecture, classes);
    if (!created) throw std::runtime_error(created.error().message);
    core::NetworkPtr network = created.value();
    torch::manual_seed(7);
    torch::NoGradGuard noGrad;
    for (auto& item : network->named_buffers()) {
        if (item.key().find("running_mean") != std::string::npos) item.value().uniform_(-0.3, 0.3);
        if (item.key().find("running_var") != std::string::npos) item.value().uniform_(0.5, 1.5);
    }
    core::Preprocessing preprocessing = network->preprocessing();
    preprocessing.cropSize = cropSize;
    preprocessing.resizeShorterSide = cropSize + cropSize / 7;
    preprocessing.mean = {0.45f, 0.5f, 0.55f};
    preprocessing.std = {0.2f, 0.25f, 0.3f};
    network->setPreprocessing(preprocessing);
    network->eval();
    return network;
}

// A deterministic [count, 3, size, size] input in [0, 1) that Python can rebuild exactly:
// element i is ((i * 7919) mod 1000) / 1000 in float32.
inline torch::Tensor patternInput(int64_t count, int64_t size) {
    const auto index = torch::arange(count * 3 * size * size, torch::kInt64);
    return ((index * 7919) % 1000).to(torch::kFloat32).div(1000.0f).view({count, 3, size, size});
}

}  // namespace fovea::test
