#pragma once
// The zoo's networks for the model tests: a failure to create one is a test error, not a result.

#include <stdexcept>
#include <string>

#include "fovea/core/models/zoo.h"

namespace fovea::core::test {

inline NetworkPtr makeNetwork(const std::string& name, int64_t classes = 1000) {
    auto created = createNetwork(name, classes);
    if (!created) throw std::runtime_error(created.error().message);
    return created.value();
}

}  // namespace fovea::core::test
