#pragma once

// Small networks and inputs shared by the export tests.
#include <torch/torch.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "fovea/core/models/network.h"
#include "fovea/core/models/zoo.h"

namespace fovea::test {

// A deterministic [count, 3, size, size] input in [0, 1) that Python can rebuild exactly:
// element i is ((i * 7919) mod 1000) / 1000 in float32.
inline torch::Tensor patternInput(int64_t count, int64_t size) {
    const auto index = torch::arange(count * 3 * size * size, torch::kInt64);
    return ((index * 7919) % 1000).to(torch::kFloat32).div(1000.0f).view({count, 3, size, size});
}

// Scales the head's output layer so the logits of the pattern input spread about one unit.
// A randomly initialised deep network (inception_v3 above all) ends in logits so large that
// softmax is one-hot, and then rounding differences between runtimes flip the top class, while
// the probabilities compared tell nothing about the rest. Scaling the last Linear layer's
// weight and bias scales the logits exactly.
inline void scaleLogitsToUnitSpread(core::NetworkImpl& network, int cropSize) {
    const double spread = network.forward(patternInput(2, cropSize)).std().item<double>();
    if (!(spread > 1.0)) return;
    const core::BlockSpec& head = network.blocks().back();
    std::string lastWeight;
    for (const auto& item : network.named_parameters()) {
        const bool inHead =
            std::any_of(head.modulePaths.begin(), head.modulePaths.end(),
                        [&](const std::string& path) { return item.key().rfind(path, 0) == 0; });
        if (inHead && item.value().dim() == 2) lastWeight = item.key();
    }
    if (lastWeight.empty()) throw std::runtime_error(network.architecture() + ": no head Linear");
    const std::string layer =
        lastWeight.substr(0, lastWeight.size() - std::string("weight").size());
    for (auto& item : network.named_parameters()) {
        if (item.key() == lastWeight || item.key() == layer + "bias") item.value().div_(spread);
    }
}

// A zoo network with `classes` outputs at a small crop size (fast), its BatchNorm statistics
// randomised (so eval mode really uses them), non-default preprocessing numbers (so a missing
// normalisation shows) and logits of about unit spread (scaleLogitsToUnitSpread). The same
// network every time: seeded before it is built.
inline core::NetworkPtr smallNetwork(const std::string& architecture, int64_t classes,
                                     int cropSize) {
    torch::manual_seed(7);
    auto created = core::createNetwork(architecture, classes);
    if (!created) throw std::runtime_error(created.error().message);
    core::NetworkPtr network = created.value();
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
    scaleLogitsToUnitSpread(*network, cropSize);
    return network;
}

}  // namespace fovea::test
