#include "png_chunks.h"

#include <cstring>

namespace fovea::core {

namespace {

std::uint32_t be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
}

constexpr std::size_t kSignatureSize = 8;
// length(4, big-endian) type(4) data crc(4)
constexpr std::size_t kChunkOverhead = 12;

}  // namespace

std::optional<std::vector<std::uint8_t>> pngWithoutColourProfile(const std::uint8_t* data,
                                                                 std::size_t size) {
    std::size_t pos = kSignatureSize;
    while (data != nullptr && size >= pos + kChunkOverhead) {
        const std::uint32_t length = be32(data + pos);
        if (length > size - pos - kChunkOverhead) {
            return std::nullopt;
        }
        const std::uint8_t* type = data + pos + 4;
        const std::size_t chunkSize = std::size_t{length} + kChunkOverhead;
        if (std::memcmp(type, "iCCP", 4) == 0) {
            std::vector<std::uint8_t> out(data, data + pos);
            out.insert(out.end(), data + pos + chunkSize, data + size);
            return out;
        }
        // The profile must come before the image data (PNG spec, 5.6 chunk ordering).
        if (std::memcmp(type, "IDAT", 4) == 0 || std::memcmp(type, "IEND", 4) == 0) {
            return std::nullopt;
        }
        pos += chunkSize;
    }
    return std::nullopt;
}

}  // namespace fovea::core
