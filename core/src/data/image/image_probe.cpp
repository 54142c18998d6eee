#include "fovea/core/image/image_probe.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <optional>
#include <system_error>
#include <vector>

#include "jpeg_end.h"

namespace fovea::core {

namespace {

// The probe reads at most this much at the start of a file: every format's size fields sit in
// the first few dozen bytes except JPEG's frame header (behind EXIF/ICC segments, each at most
// 64 KiB) and TIFF's IFD0 (anywhere), which are reached by seeking, never by reading the file.
constexpr std::size_t kPrefixBytes = 64 * 1024;

// Random access to the bytes being probed: a prefix held in memory, and for files the rest
// reached by seeking. Reads past the end return fewer bytes, which parsers report as truncated.
class ByteSource {
  public:
    ByteSource(const std::uint8_t* data, std::size_t size, std::uint64_t totalSize,
               std::ifstream* stream)
        : m_data(data), m_size(size), m_totalSize(totalSize), m_stream(stream) {}

    std::uint64_t size() const { return m_totalSize; }

    // Copies `count` bytes at `offset` into `out`; false when they are not all there.
    bool read(std::uint64_t offset, std::uint8_t* out, std::size_t count) const {
        if (offset > m_totalSize || count > m_totalSize - offset) {
            return false;
        }
        if (offset + count <= m_size) {
            std::copy_n(m_data + offset, count, out);
            return true;
        }
        if (m_stream == nullptr) {
            return false;
        }
        m_stream->clear();
        m_stream->seekg(static_cast<std::streamoff>(offset));
        m_stream->read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(count));
        return m_stream->good() && m_stream->gcount() == static_cast<std::streamsize>(count);
    }

  private:
    const std::uint8_t* m_data;
    std::size_t m_size;
    std::uint64_t m_totalSize;
    std::ifstream* m_stream;
};

std::uint32_t be16(const std::uint8_t* p) { return (std::uint32_t{p[0]} << 8) | p[1]; }
std::uint32_t le16(const std::uint8_t* p) { return (std::uint32_t{p[1]} << 8) | p[0]; }
std::uint32_t be32(const std::uint8_t* p) { return (be16(p) << 16) | be16(p + 2); }
std::uint32_t le32(const std::uint8_t* p) { return (le16(p + 2) << 16) | le16(p); }
std::uint64_t le64(const std::uint8_t* p) { return (std::uint64_t{le32(p + 4)} << 32) | le32(p); }
std::uint64_t be64(const std::uint8_t* p) { return (std::uint64_t{be32(p)} << 32) | be32(p + 4); }

// Parsers return the stored dimensions (unchecked: the caller refuses zero and absurd ones)
// or an Error whose message completes "<file>: ...".
struct Dimensions {
    std::uint64_t width = 0;
    std::uint64_t height = 0;
};

Error truncated(const char* format, const char* what) {
    return Error{std::string("truncated ") + format + " header (the file ends inside the " + what +
                 ")"};
}

Result<Dimensions> probeJpeg(const ByteSource& src) {
    // Walk the marker segments (ITU T.81, B.1.1) to the first SOFn frame header; each segment is
    // skipped by its length, so only 4 bytes per segment are read.
    std::uint64_t pos = 2;
    for (;;) {
        std::uint8_t marker[2];
        if (!src.read(pos, marker, 2)) {
            return truncated("JPEG", "markers before the frame header");
        }
        if (marker[0] != 0xFF) {
            return Error{"corrupt JPEG header (no marker at byte " + std::to_string(pos) + ")"};
        }
        if (marker[1] == 0xFF) {  // fill byte before a marker (T.81 B.1.1.2)
            ++pos;
            continue;
        }
        const std::uint8_t m = marker[1];
        pos += 2;
        if (m == 0x01 || m == 0xD8 || (m >= 0xD0 && m <= 0xD7)) {
            continue;  // standalone markers carry no length
        }
        if (m == 0xD9 || m == 0xDA) {
            return Error{"corrupt JPEG header (no frame header before the image data)"};
        }
        std::uint8_t lengthBytes[2];
        if (!src.read(pos, lengthBytes, 2)) {
            return truncated("JPEG", "markers before the frame header");
        }
        const std::uint32_t length = be16(lengthBytes);
        if (length < 2) {
            return Error{"corrupt JPEG header (segment length " + std::to_string(length) + ")"};
        }
        // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
        const bool isFrame = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
        if (isFrame) {
            std::uint8_t frame[7];  // length(2) precision(1) lines(2) samplesPerLine(2)
            if (length < 7 || !src.read(pos, frame, sizeof frame)) {
                return truncated("JPEG", "frame header");
            }
            return Dimensions{be16(frame + 5), be16(frame + 3)};
        }
        pos += length;
    }
}

Result<Dimensions> probePng(const ByteSource& src) {
    // Signature (8), then the first chunk must be IHDR: length(4) type(4) width(4) height(4).
    std::uint8_t head[24];
    if (!src.read(0, head, sizeof head)) {
        return truncated("PNG", "IHDR chunk");
    }
    if (std::string(reinterpret_cast<const char*>(head + 12), 4) != "IHDR") {
        return Error{"corrupt PNG header (the first chunk is not IHDR)"};
    }
    return Dimensions{be32(head + 16), be32(head + 20)};
}

Result<Dimensions> probeBmp(const ByteSource& src) {
    // BITMAPFILEHEADER (14 bytes), then the DIB header whose first field is its own size.
    std::uint8_t head[26];
    if (!src.read(0, head, 18)) {
        return truncated("BMP", "file header");
    }
    const std::uint32_t dibSize = le32(head + 14);
    if (dibSize == 12) {  // BITMAPCOREHEADER (OS/2 1.x): unsigned 16-bit sizes
        if (!src.read(0, head, 22)) {
            return truncated("BMP", "bitmap header");
        }
        return Dimensions{le16(head + 18), le16(head + 20)};
    }
    if (dibSize < 16) {
        return Error{"corrupt BMP header (bitmap header size " + std::to_string(dibSize) + ")"};
    }
    // BITMAPINFOHEADER (40), OS/2 2.x (16..64), V2/V3 (52, 56), V4 (108), V5 (124): signed 32-bit.
    if (!src.read(0, head, 26)) {
        return truncated("BMP", "bitmap header");
    }
    const auto width = static_cast<std::int32_t>(le32(head + 18));
    const auto height = static_cast<std::int32_t>(le32(head + 22));
    if (width < 0) {
        return Error{"corrupt BMP header (negative width " + std::to_string(width) + ")"};
    }
    // A negative height marks a top-down bitmap; the magnitude is the height.
    const std::int64_t rows = height < 0 ? -std::int64_t{height} : std::int64_t{height};
    return Dimensions{static_cast<std::uint64_t>(width), static_cast<std::uint64_t>(rows)};
}

Result<Dimensions> probeWebp(const ByteSource& src) {
    // RIFF container; the first chunk (at 12) is VP8 (lossy), VP8L (lossless) or VP8X (extended).
    std::uint8_t head[30];
    if (!src.read(0, head, 20)) {
        return truncated("WebP", "first chunk");
    }
    const std::string chunk(reinterpret_cast<const char*>(head + 12), 4);
    if (chunk == "VP8 ") {
        // RFC 6386 9.1: 3-byte frame tag, start code 9D 01 2A, then 14-bit width and height.
        if (!src.read(0, head, 30)) {
            return truncated("WebP", "VP8 frame header");
        }
        if (head[23] != 0x9D || head[24] != 0x01 || head[25] != 0x2A) {
            return Error{"corrupt WebP header (no VP8 start code)"};
        }
        return Dimensions{le16(head + 26) & 0x3FFF, le16(head + 28) & 0x3FFF};
    }
    if (chunk == "VP8L") {
        // Signature 0x2F, then (width - 1) and (height - 1) as two 14-bit fields, LSB first.
        if (!src.read(0, head, 25)) {
            return truncated("WebP", "VP8L header");
        }
        if (head[20] != 0x2F) {
            return Error{"corrupt WebP header (no VP8L signature)"};
        }
        const std::uint32_t bits = le32(head + 21);
        return Dimensions{(bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
    }
    if (chunk == "VP8X") {
        // Flags (4 bytes), then canvas (width - 1) and (height - 1) as 24-bit little-endian.
        if (!src.read(0, head, 30)) {
            return truncated("WebP", "VP8X header");
        }
        const std::uint32_t w = head[24] | (head[25] << 8) | (head[26] << 16);
        const std::uint32_t h = head[27] | (head[28] << 8) | (head[29] << 16);
        return Dimensions{std::uint64_t{w} + 1, std::uint64_t{h} + 1};
    }
    return Error{"corrupt WebP header (unknown first chunk \"" + chunk + "\")"};
}

Result<Dimensions> probeTiff(const ByteSource& src) {
    // TIFF 6.0 section 2 (and BigTIFF): byte order, magic, offset of IFD0, whose ImageWidth (256)
    // and ImageLength (257) entries hold SHORT, LONG (or LONG8) values inline.
    std::uint8_t head[16];
    if (!src.read(0, head, 8)) {
        return truncated("TIFF", "file header");
    }
    const bool little = head[0] == 'I';
    auto u16 = [little](const std::uint8_t* p) { return little ? le16(p) : be16(p); };
    auto u32 = [little](const std::uint8_t* p) { return little ? le32(p) : be32(p); };
    auto u64 = [little](const std::uint8_t* p) { return little ? le64(p) : be64(p); };
    const bool big = u16(head + 2) == 43;
    std::uint64_t ifd = 0;
    if (big) {
        if (!src.read(0, head, 16)) {
            return truncated("TIFF", "file header");
        }
        ifd = u64(head + 8);
    } else {
        ifd = u32(head + 4);
    }
    const std::size_t countSize = big ? 8 : 2;
    const std::size_t entrySize = big ? 20 : 12;
    std::uint8_t countBytes[8];
    if (!src.read(ifd, countBytes, countSize)) {
        return truncated("TIFF", "first image directory");
    }
    const std::uint64_t count = big ? u64(countBytes) : u16(countBytes);
    std::optional<std::uint64_t> width;
    std::optional<std::uint64_t> height;
    // Entries are sorted by tag, so the walk stops after ImageLength; a crafted huge count ends
    // at the file's end (each read is a few bytes, nothing is allocated).
    for (std::uint64_t i = 0; i < count && !(width && height); ++i) {
        std::uint8_t entry[20];
        if (!src.read(ifd + countSize + i * entrySize, entry, entrySize)) {
            return truncated("TIFF", "first image directory");
        }
        const std::uint32_t tag = u16(entry);
        if (tag != 256 && tag != 257) {
            if (tag > 257) {
                break;
            }
            continue;
        }
        const std::uint32_t type = u16(entry + 2);
        const std::uint8_t* value = entry + (big ? 12 : 8);
        std::uint64_t v = 0;
        if (type == 3) {
            v = u16(value);
        } else if (type == 4) {
            v = u32(value);
        } else if (type == 16 && big) {
            v = u64(value);
        } else {
            return Error{"corrupt TIFF header (image size stored as type " + std::to_string(type) +
                         ")"};
        }
        (tag == 256 ? width : height) = v;
    }
    if (!width || !height) {
        return Error{
            "corrupt TIFF header (the first image directory has no ImageWidth or "
            "ImageLength)"};
    }
    return Dimensions{*width, *height};
}

std::optional<ImageFormat> sniff(const std::uint8_t* p, std::size_t n) {
    auto starts = [p, n](std::initializer_list<std::uint8_t> magic) {
        return n >= magic.size() && std::equal(magic.begin(), magic.end(), p);
    };
    if (starts({0xFF, 0xD8, 0xFF})) {
        return ImageFormat::Jpeg;
    }
    if (starts({0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A})) {
        return ImageFormat::Png;
    }
    if (starts({'B', 'M'})) {
        return ImageFormat::Bmp;
    }
    if (n >= 12 && starts({'R', 'I', 'F', 'F'}) && std::equal(p + 8, p + 12, "WEBP")) {
        return ImageFormat::Webp;
    }
    if (starts({'I', 'I', 42, 0}) || starts({'M', 'M', 0, 42}) || starts({'I', 'I', 43, 0}) ||
        starts({'M', 'M', 0, 43})) {
        return ImageFormat::Tiff;
    }
    return std::nullopt;
}

// A JPEG cut short (an interrupted copy or download) has a good header, so without this the
// import would take it and only the loader find it broken. A complete file almost always ends
// with its end-of-image marker: one 2-byte read. Otherwise (cut short, or data appended after
// the marker, as phones' motion photos do) the whole file decides, as the decoder checks it.
std::optional<Error> checkJpegTail(const ByteSource& src, const std::string& name) {
    std::uint8_t tail[2] = {};
    if (src.read(src.size() - std::min<std::uint64_t>(src.size(), 2), tail, 2) && tail[0] == 0xFF &&
        tail[1] == 0xD9) {
        return std::nullopt;
    }
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(src.size()));
    if (!src.read(0, bytes.data(), bytes.size())) {
        return Error{name + ": cannot read the whole JPEG to check its end"};
    }
    return jpegEndError(checkJpegEnd(bytes), name);
}

Result<ImageInfo> probeSource(const ByteSource& src, const std::uint8_t* prefix,
                              std::size_t prefixSize, const std::string& name) {
    if (src.size() == 0) {
        return Error{name + ": empty file (0 bytes)"};
    }
    const std::optional<ImageFormat> format = sniff(prefix, prefixSize);
    if (!format) {
        return Error{name +
                     ": not an image (unrecognised content; Fovea reads JPEG, PNG, BMP, "
                     "WebP and TIFF)"};
    }
    Result<Dimensions> dims = Error{};
    switch (*format) {
        case ImageFormat::Jpeg:
            dims = probeJpeg(src);
            break;
        case ImageFormat::Png:
            dims = probePng(src);
            break;
        case ImageFormat::Bmp:
            dims = probeBmp(src);
            break;
        case ImageFormat::Webp:
            dims = probeWebp(src);
            break;
        case ImageFormat::Tiff:
            dims = probeTiff(src);
            break;
    }
    if (!dims) {
        return Error{name + ": " + dims.error().message};
    }
    if (*format == ImageFormat::Jpeg) {
        if (auto cut = checkJpegTail(src, name)) return *cut;
    }
    const auto [width, height] = dims.value();
    const std::string size = std::to_string(width) + "x" + std::to_string(height);
    if (width == 0 || height == 0) {
        return Error{name + ": " + imageFormatName(*format) + " header declares " + size +
                     " pixels (zero width or height)"};
    }
    // Both factors are below 2^32, so the product cannot overflow 64 bits.
    if (width > static_cast<std::uint64_t>(kMaxImageSide) ||
        height > static_cast<std::uint64_t>(kMaxImageSide) ||
        width * height > static_cast<std::uint64_t>(kMaxImagePixels)) {
        return Error{name + ": declares " + size + " pixels, more than Fovea's limit of " +
                     std::to_string(kMaxImageSide) + " pixels a side and " +
                     std::to_string(kMaxImagePixels / 1000000) + " megapixels"};
    }
    ImageInfo info;
    info.format = *format;
    info.width = static_cast<int>(width);
    info.height = static_cast<int>(height);
    info.fileSize = src.size();
    return info;
}

}  // namespace

const char* imageFormatName(ImageFormat format) {
    switch (format) {
        case ImageFormat::Jpeg:
            return "JPEG";
        case ImageFormat::Png:
            return "PNG";
        case ImageFormat::Bmp:
            return "BMP";
        case ImageFormat::Webp:
            return "WebP";
        case ImageFormat::Tiff:
            return "TIFF";
    }
    return "unknown";
}

Result<ImageInfo> probeImage(const std::filesystem::path& file) {
    const std::string name = file.string();
    std::error_code ec;
    const std::filesystem::file_status status = std::filesystem::status(file, ec);
    if (!std::filesystem::exists(status)) {
        return Error{name + ": cannot open (no such file)"};
    }
    if (std::filesystem::is_directory(status)) {
        return Error{name + ": cannot open (it is a folder, not an image file)"};
    }
    const std::uintmax_t size = std::filesystem::file_size(file, ec);
    if (ec) {
        return Error{name + ": cannot read (" + ec.message() + ")"};
    }
    std::ifstream stream(file, std::ios::binary);
    if (!stream) {
        return Error{name + ": cannot open (permission denied or unreadable)"};
    }
    const std::size_t want = static_cast<std::size_t>(std::min<std::uintmax_t>(size, kPrefixBytes));
    std::vector<std::uint8_t> prefix(want);
    stream.read(reinterpret_cast<char*>(prefix.data()), static_cast<std::streamsize>(want));
    if (stream.gcount() != static_cast<std::streamsize>(want)) {
        return Error{name + ": cannot read (the read stopped after " +
                     std::to_string(stream.gcount()) + " of " + std::to_string(want) + " bytes)"};
    }
    const ByteSource src(prefix.data(), prefix.size(), size, &stream);
    return probeSource(src, prefix.data(), prefix.size(), name);
}

Result<ImageInfo> probeImageBytes(const std::uint8_t* data, std::size_t size,
                                  const std::string& name) {
    if (data == nullptr) {
        size = 0;
    }
    const ByteSource src(data, size, size, nullptr);
    return probeSource(src, data, size, name);
}

bool hasImageExtension(const std::filesystem::path& file) {
    std::string ext = file.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    static constexpr std::array<const char*, 9> kExtensions = {
        ".jpg", ".jpeg", ".jpe", ".png", ".bmp", ".dib", ".webp", ".tif", ".tiff"};
    return std::find(kExtensions.begin(), kExtensions.end(), ext) != kExtensions.end();
}

}  // namespace fovea::core
