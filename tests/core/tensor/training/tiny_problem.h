#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "fovea/core/models/zoo.h"

namespace fovea::test {

// A tiny learnable problem for trainer-level tests (trainer, run folder, LR range test):
// 32x32 images of three classes whose class shows as a brighter colour channel.
constexpr int kTinyProblemClasses = 3;

struct TinyProblem {
    torch::Tensor images;   // [count, 3, 32, 32]
    torch::Tensor targets;  // [count], class i % 3
};

inline TinyProblem makeTinyProblem(int count, std::uint64_t seed) {
    torch::manual_seed(seed);
    TinyProblem p;
    p.targets = torch::arange(count, torch::kInt64).remainder(kTinyProblemClasses);
    p.images = torch::randn({count, 3, 32, 32}) * 0.5;
    for (int i = 0; i < count; ++i) {
        p.images[i][p.targets[i].item<std::int64_t>()] += 1.5;
    }
    return p;
}

// The same freshly initialised network every call (fixed seed).
inline core::NetworkPtr makeTinyNetwork(const std::string& architecture = "mobilenet_v3_small") {
    torch::manual_seed(99);
    return core::createNetwork(architecture, kTinyProblemClasses).value();
}

}  // namespace fovea::test
