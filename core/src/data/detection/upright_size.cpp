#include "upright_size.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <vector>

#include "exif_orientation.h"
#include "fovea/core/image/image_probe.h"

namespace fovea::core::detection::box_formats {

namespace {

using Bytes = std::vector<std::uint8_t>;

// `count` bytes at `offset`, or empty when the file ends before them.
Bytes readAt(std::ifstream& in, std::uint64_t offset, std::size_t count) {
    Bytes bytes(count);
    in.clear();
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(count));
    if (!in || in.gcount() != static_cast<std::streamsize>(count)) return {};
    return bytes;
}

std::uint32_t be16(const std::uint8_t* p) { return (std::uint32_t{p[0]} << 8) | p[1]; }
std::uint32_t be32(const std::uint8_t* p) { return (be16(p) << 16) | be16(p + 2); }
std::uint32_t le32(const std::uint8_t* p) {
    return (std::uint32_t{p[3]} << 24) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[1]} << 8) |
           p[0];
}

int orientationOf(const Bytes& exif) { return exifOrientation(exif.data(), exif.size()); }

// The first APP1 Exif segment before the frame header (where EXIF must be, and where OpenCV's
// decoder looks), walked segment by segment as the probe walks to the frame header.
int jpegOrientation(std::ifstream& in) {
    std::uint64_t pos = 2;
    for (;;) {
        const Bytes marker = readAt(in, pos, 2);
        if (marker.empty() || marker[0] != 0xFF) return 1;
        if (marker[1] == 0xFF) {  // fill byte
            ++pos;
            continue;
        }
        const std::uint8_t m = marker[1];
        pos += 2;
        if (m == 0x01 || m == 0xD8 || (m >= 0xD0 && m <= 0xD7)) continue;
        if (m == 0xD9 || m == 0xDA ||
            (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC)) {
            return 1;  // image data or the frame header: no EXIF before it
        }
        const Bytes lengthBytes = readAt(in, pos, 2);
        if (lengthBytes.empty()) return 1;
        const std::uint32_t length = be16(lengthBytes.data());
        if (length < 2) return 1;
        if (m == 0xE1 && length >= 8) {
            const Bytes payload = readAt(in, pos + 2, length - 2);
            if (payload.size() >= 6 && std::memcmp(payload.data(), "Exif\0\0", 6) == 0) {
                return orientationOf(payload);
            }
        }
        pos += length;
    }
}

// Chunks (PNG: length(4, big-endian) type(4) data crc(4); WebP: fourcc(4) size(4,
// little-endian) data, padded to even) from `pos`, to the one of type `exifType`.
int chunkOrientation(std::ifstream& in, std::uint64_t pos, std::uint64_t fileSize, bool png) {
    while (pos + 8 <= fileSize) {
        const Bytes head = readAt(in, pos, 8);
        if (head.empty()) return 1;
        const std::uint32_t length = png ? be32(head.data()) : le32(head.data() + 4);
        const char* type = reinterpret_cast<const char*>(png ? head.data() + 4 : head.data());
        if (length > fileSize - pos - 8) return 1;
        if (std::memcmp(type, png ? "eXIf" : "EXIF", 4) == 0) {
            return orientationOf(readAt(in, pos + 8, length));
        }
        if (png && std::memcmp(type, "IEND", 4) == 0) return 1;
        pos += 8 + std::uint64_t{length} + (png ? 4 : (length & 1));
    }
    return 1;
}

// TIFF: IFD0's Orientation entry. The header and IFD0 are copied into a small buffer, IFD0
// moved to offset 8, so exifOrientation reads them without the rest of the file.
int tiffOrientation(std::ifstream& in) {
    Bytes header = readAt(in, 0, 8);
    if (header.empty() || header[2] + header[3] != 42) return 1;  // BigTIFF: no EXIF reader
    const bool little = header[0] == 'I';
    const std::uint32_t ifd = little ? le32(header.data() + 4) : be32(header.data() + 4);
    const Bytes countBytes = readAt(in, ifd, 2);
    if (countBytes.empty()) return 1;
    const std::uint32_t count =
        little ? (std::uint32_t{countBytes[1]} << 8) | countBytes[0] : be16(countBytes.data());
    const Bytes entries = readAt(in, std::uint64_t{ifd} + 2, std::size_t{count} * 12);
    if (entries.empty() && count > 0) return 1;
    const std::array<std::uint8_t, 4> eight =
        little ? std::array<std::uint8_t, 4>{8, 0, 0, 0} : std::array<std::uint8_t, 4>{0, 0, 0, 8};
    std::copy(eight.begin(), eight.end(), header.begin() + 4);
    header.insert(header.end(), countBytes.begin(), countBytes.end());
    header.insert(header.end(), entries.begin(), entries.end());
    return orientationOf(header);
}

}  // namespace

Result<UprightSize> probeUprightSize(const std::filesystem::path& file) {
    const Result<ImageInfo> info = probeImage(file);
    if (!info) return info.error();
    std::ifstream in(file, std::ios::binary);
    int orientation = 1;
    switch (info.value().format) {
        case ImageFormat::Jpeg:
            orientation = jpegOrientation(in);
            break;
        case ImageFormat::Png:
            orientation = chunkOrientation(in, 8, info.value().fileSize, true);
            break;
        case ImageFormat::Webp:
            orientation = chunkOrientation(in, 12, info.value().fileSize, false);
            break;
        case ImageFormat::Tiff:
            orientation = tiffOrientation(in);
            break;
        case ImageFormat::Bmp:
            break;
    }
    const bool turned = orientation >= 5;
    return UprightSize{turned ? info.value().height : info.value().width,
                       turned ? info.value().width : info.value().height, orientation};
}

}  // namespace fovea::core::detection::box_formats
