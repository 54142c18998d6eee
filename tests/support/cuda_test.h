#pragma once

// Tests that need a CUDA device skip without one, and say so. packaging/gpu-check.sh sets
// FOVEA_REQUIRE_CUDA=1 on a GPU machine: there a missing device (a CPU-only LibTorch, a broken
// driver) fails these tests instead of letting them skip unnoticed.
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include <cstdlib>

#define FOVEA_SKIP_WITHOUT_CUDA()                                                        \
    do {                                                                                 \
        if (!torch::cuda::is_available()) {                                              \
            if (std::getenv("FOVEA_REQUIRE_CUDA")) {                                     \
                FAIL() << "FOVEA_REQUIRE_CUDA is set, but LibTorch sees no CUDA device"; \
            }                                                                            \
            GTEST_SKIP() << "no CUDA device";                                            \
        }                                                                                \
    } while (false)
