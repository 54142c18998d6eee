#pragma once

// Whether the user tunes glibc's malloc (MALLOC_* variables, or malloc tunables in
// GLIBC_TUNABLES): Fovea's own memory settings then step aside (malloc_policy.cpp,
// tensor_memory.cpp). Free of allocation, so that it can run before malloc is set up.
#include <cstring>

namespace fovea::core {

inline bool userTunesMalloc(const char* const* environment) {
    if (!environment) return false;
    for (; *environment; ++environment) {
        if (std::strncmp(*environment, "MALLOC_", 7) == 0) return true;
        if (std::strncmp(*environment, "GLIBC_TUNABLES=", 15) == 0 &&
            std::strstr(*environment, "glibc.malloc.")) {
            return true;
        }
    }
    return false;
}

}  // namespace fovea::core
