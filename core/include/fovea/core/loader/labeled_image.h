#pragma once

#include <cstdint>
#include <filesystem>

namespace fovea::core {

// An image the loader may use: the project's id, where it is, and its class index.
struct LabeledImage {
    std::int64_t id = 0;
    std::filesystem::path path;
    std::int64_t target = 0;
};

}  // namespace fovea::core
