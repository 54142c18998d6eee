#pragma once

// A count with its noun for people: "1 epoch", "6 epochs", "0 images".

#include <cstdint>
#include <string>

namespace fovea::core {

// `plural` defaults to `singular` + "s".
inline std::string countText(std::int64_t count, const std::string& singular,
                             const std::string& plural = "") {
    return std::to_string(count) + " " +
           (count == 1       ? singular
            : plural.empty() ? singular + "s"
                             : plural);
}

}  // namespace fovea::core
