#include "crc32c.h"

#include <array>

namespace fovea::core {
namespace {

constexpr std::uint32_t kPolynomial = 0x82F63B78u;  // Castagnoli, bit-reversed
constexpr std::uint32_t kMaskDelta = 0xA282EAD8u;   // TensorFlow's kMaskDelta

// One byte at a time through a 256-entry table, built at compile time: event records are tens
// of bytes, so slicing-by-8 or SSE4.2 would not be measurable next to a training step.
constexpr std::array<std::uint32_t, 256> makeTable() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t byte = 0; byte < 256; ++byte) {
        std::uint32_t crc = byte;
        for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) ? kPolynomial : 0u);
        table[byte] = crc;
    }
    return table;
}

constexpr std::array<std::uint32_t, 256> kTable = makeTable();

}  // namespace

std::uint32_t crc32c(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    std::uint32_t crc = 0xFFFFFFFFu;
    for (std::size_t index = 0; index < size; ++index) {
        crc = (crc >> 8) ^ kTable[(crc ^ bytes[index]) & 0xFFu];
    }
    return crc ^ 0xFFFFFFFFu;
}

std::uint32_t maskedCrc32c(const void* data, std::size_t size) {
    const std::uint32_t crc = crc32c(data, size);
    return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}

}  // namespace fovea::core
