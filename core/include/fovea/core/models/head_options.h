#pragma once

#include <cstdint>

namespace fovea::core {

// A new classification head: `numClasses` logits from the pooled features, optionally through
// dropout and one hidden ReLU layer (Linear(F, hidden) -> ReLU -> Dropout -> Linear(hidden, K)).
struct HeadOptions {
    int64_t numClasses = 1000;
    double dropout = 0.0;     // probability; 0 keeps the head a single Linear
    int64_t hiddenUnits = 0;  // 0 for no hidden layer
};

}  // namespace fovea::core
