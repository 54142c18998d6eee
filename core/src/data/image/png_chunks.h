#pragma once

// Internal to fovea_core_data: PNG chunk edits made before OpenCV decodes the bytes.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace fovea::core {

// The PNG file without its iCCP (embedded ICC colour profile) chunk, or nothing when it has none
// or its chunk structure is broken (the decoder then reports the file as it is). OpenCV decodes
// without colour management, so the profile never changes the pixels; but libpng checks it and
// prints "libpng warning: iCCP: known incorrect sRGB profile" to stderr for every decode of the
// many files saved with a faulty profile, through a handler OpenCV gives no way to replace.
std::optional<std::vector<std::uint8_t>> pngWithoutColourProfile(const std::uint8_t* data,
                                                                 std::size_t size);

}  // namespace fovea::core
