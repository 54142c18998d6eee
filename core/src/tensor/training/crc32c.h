#pragma once

#include <cstddef>
#include <cstdint>

namespace fovea::core {

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum TFRecord framing uses.
// crc32c("123456789") == 0xE3069283.
std::uint32_t crc32c(const void* data, std::size_t size);

// TFRecord stores CRCs "masked": a CRC of data that itself holds CRCs is weak, so TensorFlow
// rotates and offsets the value (tensorflow/core/lib/hash/crc32c.h, Mask()).
std::uint32_t maskedCrc32c(const void* data, std::size_t size);

}  // namespace fovea::core
