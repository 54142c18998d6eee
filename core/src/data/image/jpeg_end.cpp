#include "jpeg_end.h"

namespace fovea::core {

JpegEnd checkJpegEnd(const std::vector<std::uint8_t>& bytes) {
    // Find the first SOS by walking segment lengths, so an EOI inside an EXIF thumbnail (APP1)
    // does not count. The probe already validated the walk up to the frame header.
    std::size_t pos = 2;
    std::size_t scanStart = 0;
    while (scanStart == 0) {
        if (pos + 4 > bytes.size()) {
            return JpegEnd::Truncated;
        }
        if (bytes[pos] != 0xFF) {
            ++pos;  // libjpeg skips such extraneous bytes with a warning; so does this walk
            continue;
        }
        const std::uint8_t marker = bytes[pos + 1];
        if (marker == 0xFF) {
            ++pos;
            continue;
        }
        if (marker == 0x01 || marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7)) {
            pos += 2;
            continue;
        }
        const std::size_t length = (std::size_t{bytes[pos + 2]} << 8) | bytes[pos + 3];
        if (marker == 0xD9 || length < 2) {
            return JpegEnd::Corrupt;
        }
        pos += 2 + length;
        if (marker == 0xDA) {
            scanStart = pos;
        }
    }
    for (std::size_t i = bytes.size(); i > scanStart + 1; --i) {
        if (bytes[i - 1] == 0xD9 && bytes[i - 2] == 0xFF) {
            return JpegEnd::Complete;
        }
    }
    return JpegEnd::Truncated;
}

std::optional<Error> jpegEndError(JpegEnd end, const std::string& name) {
    switch (end) {
        case JpegEnd::Truncated:
            return Error{name + ": truncated JPEG (the data ends before the end-of-image marker)"};
        case JpegEnd::Corrupt:
            return Error{name + ": corrupt JPEG (a segment before the image data is broken)"};
        case JpegEnd::Complete:
            break;
    }
    return std::nullopt;
}

}  // namespace fovea::core
