#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "fovea/core/result.h"

namespace fovea::core {

// The image formats Fovea reads. Recognised by content (magic bytes), never by extension, so a
// PNG named .jpg still opens and a text file named .jpg is refused as "not an image".
enum class ImageFormat { Jpeg, Png, Bmp, Webp, Tiff };

const char* imageFormatName(ImageFormat format);

// What the header says, read without decoding pixels. width/height are as stored in the file,
// before any EXIF orientation is applied (a 90-degree orientation swaps them when decoded).
struct ImageInfo {
    ImageFormat format = ImageFormat::Jpeg;
    int width = 0;
    int height = 0;
    std::uintmax_t fileSize = 0;  // bytes
};

// Images larger than this are refused before anything is allocated for their pixels
// (a crafted header can declare 100000x100000; 128 MP covers every real camera).
constexpr std::int64_t kMaxImagePixels = 128LL * 1000 * 1000;
constexpr int kMaxImageSide = 65535;

// Reads the first bytes of `file` and returns its format and dimensions. Errors name the file
// and the problem: missing or unreadable, empty (zero bytes), not an image (unknown content),
// truncated header, zero or absurd dimensions.
Result<ImageInfo> probeImage(const std::filesystem::path& file);

// The same on bytes already in memory; `name` is used in messages.
Result<ImageInfo> probeImageBytes(const std::uint8_t* data, std::size_t size,
                                  const std::string& name);

// True for the file extensions a folder scan picks up (case-insensitive): .jpg .jpeg .jpe .png
// .bmp .dib .webp .tif .tiff. Content decides the format; the extension only selects files.
bool hasImageExtension(const std::filesystem::path& file);

}  // namespace fovea::core
