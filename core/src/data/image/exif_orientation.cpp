#include "exif_orientation.h"

#include <opencv2/core.hpp>

#include <cstring>

namespace fovea::core {

namespace {

constexpr std::uint32_t kOrientationTag = 0x0112;
constexpr std::uint32_t kTypeShort = 3;

std::uint32_t be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           p[3];
}
std::uint32_t le32(const std::uint8_t* p) {
    return (std::uint32_t{p[3]} << 24) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[1]} << 8) |
           p[0];
}

}  // namespace

int exifOrientation(const std::uint8_t* exif, std::size_t size) {
    if (exif == nullptr) {
        return 1;
    }
    // PNG eXIf and WebP EXIF should hold the bare TIFF structure, but some writers keep the
    // "Exif\0\0" prefix of JPEG's APP1 segment; accept both.
    if (size >= 6 && std::memcmp(exif, "Exif\0\0", 6) == 0) {
        exif += 6;
        size -= 6;
    }
    if (size < 8) {
        return 1;
    }
    bool little = false;
    if (std::memcmp(exif, "II*\0", 4) == 0) {
        little = true;
    } else if (std::memcmp(exif, "MM\0*", 4) != 0) {
        return 1;
    }
    auto u16 = [little](const std::uint8_t* p) -> std::uint32_t {
        return little ? (std::uint32_t{p[1]} << 8) | p[0] : (std::uint32_t{p[0]} << 8) | p[1];
    };
    const std::uint32_t ifd = little ? le32(exif + 4) : be32(exif + 4);
    if (ifd > size || size - ifd < 2) {
        return 1;
    }
    const std::uint32_t count = u16(exif + ifd);
    for (std::uint32_t i = 0; i < count; ++i) {
        const std::size_t at = std::size_t{ifd} + 2 + std::size_t{i} * 12;
        if (at + 12 > size) {
            return 1;
        }
        const std::uint8_t* entry = exif + at;
        if (u16(entry) != kOrientationTag) {
            continue;
        }
        // A SHORT with count 1 sits in the first two bytes of the value field.
        if (u16(entry + 2) != kTypeShort) {
            return 1;
        }
        const std::uint32_t value = u16(entry + 8);
        return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
    }
    return 1;
}

int pngOrientation(const std::uint8_t* data, std::size_t size) {
    // Chunks after the 8-byte signature: length(4, big-endian) type(4) data crc(4).
    std::size_t pos = 8;
    while (data != nullptr && pos + 8 <= size) {
        const std::uint32_t length = be32(data + pos);
        const std::uint8_t* type = data + pos + 4;
        if (length > size - pos - 8) {
            return 1;
        }
        if (std::memcmp(type, "eXIf", 4) == 0) {
            return exifOrientation(data + pos + 8, length);
        }
        if (std::memcmp(type, "IEND", 4) == 0) {
            return 1;
        }
        pos += std::size_t{length} + 12;
    }
    return 1;
}

int webpOrientation(const std::uint8_t* data, std::size_t size) {
    // RIFF header (12 bytes), then chunks: fourcc(4) size(4, little-endian) data, padded to even.
    std::size_t pos = 12;
    while (data != nullptr && pos + 8 <= size) {
        const std::uint32_t length = le32(data + pos + 4);
        if (length > size - pos - 8) {
            return 1;
        }
        if (std::memcmp(data + pos, "EXIF", 4) == 0) {
            return exifOrientation(data + pos + 8, length);
        }
        pos += std::size_t{length} + (length & 1) + 8;
    }
    return 1;
}

cv::Mat applyOrientation(const cv::Mat& image, int orientation) {
    cv::Mat out;
    switch (orientation) {
        case 2:
            cv::flip(image, out, 1);
            return out;
        case 3:
            cv::rotate(image, out, cv::ROTATE_180);
            return out;
        case 4:
            cv::flip(image, out, 0);
            return out;
        case 5:
            cv::transpose(image, out);
            return out;
        case 6:
            cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE);
            return out;
        case 7:
            // Transverse: mirror across the anti-diagonal, i.e. transpose then rotate 180.
            cv::transpose(image, out);
            cv::flip(out, out, -1);
            return out;
        case 8:
            cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE);
            return out;
        default:
            return image;
    }
}

}  // namespace fovea::core
