#pragma once

// bfloat16 values as their 16 bits, for the zoo's own bfloat16 kernels (batch_norm_bfloat16.cpp,
// max_pool_bfloat16.cpp): conversions written as integer operations, which the compiler
// vectorises where c10::BFloat16's are calls per element.
#include <torch/torch.h>

#include <cstdint>
#include <cstring>

// A row kernel marked so is built for AVX-512 and AVX2 besides the baseline, and the best one
// for the CPU is picked when the library loads (GCC's function multi-versioning).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#define FOVEA_VECTOR_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define FOVEA_VECTOR_CLONES
#endif

namespace fovea::core::layers::bf16 {

using Bits = std::uint16_t;

inline float toFloat(Bits bits) {
    const std::uint32_t widened = std::uint32_t{bits} << 16;
    float value;
    std::memcpy(&value, &widened, sizeof value);
    return value;
}

// Round to nearest even, NaN kept a NaN: c10::BFloat16's conversion.
inline Bits toBits(float value) {
    std::uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    const std::uint32_t rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
    return value != value ? Bits{0x7FC0} : static_cast<Bits>(rounded);
}

inline const Bits* bitsOf(const torch::Tensor& tensor) {
    return reinterpret_cast<const Bits*>(tensor.data_ptr<at::BFloat16>());
}

inline Bits* mutableBitsOf(torch::Tensor& tensor) {
    return reinterpret_cast<Bits*>(tensor.data_ptr<at::BFloat16>());
}

}  // namespace fovea::core::layers::bf16
