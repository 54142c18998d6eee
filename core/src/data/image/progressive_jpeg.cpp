#include "progressive_jpeg.h"

// jpeglib.h needs FILE and size_t declared first.
#include <csetjmp>
#include <cstdio>

#include <jpeglib.h>

#include <set>

#include "exif_orientation.h"

namespace fovea::core {
namespace {

// libjpeg reports errors through a callback that must not return: jump back with its message.
struct ErrorManager {
    jpeg_error_mgr base{};
    std::jmp_buf jump{};
    char message[JMSG_LENGTH_MAX] = {};
};

void onError(j_common_ptr info) {
    auto* manager = reinterpret_cast<ErrorManager*>(info->err);
    (*info->err->format_message)(info, manager->message);
    std::longjmp(manager->jump, 1);
}

void onMessage(j_common_ptr, int) {}  // warnings: the caller checked the file is complete

// A libjpeg decompressor that is always destroyed, with errors caught by setjmp at each use.
struct Decompressor {
    jpeg_decompress_struct info{};
    ErrorManager errors;
    Decompressor() {
        info.err = jpeg_std_error(&errors.base);
        errors.base.error_exit = onError;
        errors.base.emit_message = onMessage;
        jpeg_create_decompress(&info);
    }
    ~Decompressor() { jpeg_destroy_decompress(&info); }
    Decompressor(const Decompressor&) = delete;
    Decompressor& operator=(const Decompressor&) = delete;
};

// Whether a component's inverse DCT at the chosen scale reads more than the DC coefficient.
bool readsAcCoefficients(const jpeg_component_info& component) {
#if JPEG_LIB_VERSION >= 70
    return component.DCT_h_scaled_size > 1 || component.DCT_v_scaled_size > 1;
#else
    return component.DCT_scaled_size > 1;
#endif
}

// The ids of the components whose AC scans the 1/8-scale output needs; nullopt when the file
// is not for this path. Reads the header only.
std::optional<std::set<int>> componentsNeedingAc(Decompressor& d) {
    jpeg_read_header(&d.info, TRUE);
    if (!d.info.progressive_mode || d.info.jpeg_color_space == JCS_CMYK ||
        d.info.jpeg_color_space == JCS_YCCK) {
        return std::nullopt;
    }
    d.info.scale_num = 1;
    d.info.scale_denom = 8;
    d.info.out_color_space = JCS_RGB;
    jpeg_calc_output_dimensions(&d.info);
    std::set<int> needed;
    for (int c = 0; c < d.info.num_components; ++c) {
        if (readsAcCoefficients(d.info.comp_info[c]))
            needed.insert(d.info.comp_info[c].component_id);
    }
    return needed;
}

// `bytes` without the AC scans of components outside `needed`: every other segment (tables,
// DC scans, the needed AC scans, restart markers within them) is kept as it is. nullopt when
// the segment structure is not as expected (the general decoder then reports the problem).
std::optional<std::vector<std::uint8_t>> withoutUnneededScans(
    const std::vector<std::uint8_t>& bytes, const std::set<int>& needed) {
    const std::size_t size = bytes.size();
    if (size < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8) return std::nullopt;
    std::vector<std::uint8_t> kept(bytes.begin(), bytes.begin() + 2);
    kept.reserve(size);
    std::size_t pos = 2;
    while (pos + 1 < size) {
        if (bytes[pos] != 0xFF) return std::nullopt;
        const std::uint8_t marker = bytes[pos + 1];
        if (marker == 0xFF) {  // fill byte before a marker
            ++pos;
            continue;
        }
        if (marker == 0xD9) {  // EOI
            kept.insert(kept.end(), {0xFF, 0xD9});
            return kept;
        }
        if (pos + 3 >= size) return std::nullopt;
        const std::size_t length = static_cast<std::size_t>(bytes[pos + 2]) << 8 | bytes[pos + 3];
        const std::size_t headerEnd = pos + 2 + length;
        if (length < 2 || headerEnd > size) return std::nullopt;
        std::size_t segmentEnd = headerEnd;
        bool keep = true;
        if (marker == 0xDA) {  // SOS: the header, then entropy-coded data up to the next marker
            if (length < 6) return std::nullopt;
            const std::size_t count = bytes[pos + 4];
            if (length != 6 + 2 * count) return std::nullopt;
            const std::uint8_t spectralStart = bytes[pos + 5 + 2 * count];
            if (spectralStart > 0) {  // an AC scan, of one component in a progressive file
                for (std::size_t i = 0; i < count; ++i) {
                    if (!needed.count(bytes[pos + 5 + 2 * i])) keep = false;
                }
            }
            while (segmentEnd + 1 < size) {
                if (bytes[segmentEnd] == 0xFF) {
                    const std::uint8_t next = bytes[segmentEnd + 1];
                    if (next != 0x00 && !(next >= 0xD0 && next <= 0xD7)) break;
                }
                ++segmentEnd;
            }
        }
        if (keep) kept.insert(kept.end(), bytes.begin() + pos, bytes.begin() + segmentEnd);
        pos = segmentEnd;
    }
    return std::nullopt;  // no EOI
}

int orientationOf(const jpeg_decompress_struct& info) {
    for (jpeg_saved_marker_ptr marker = info.marker_list; marker; marker = marker->next) {
        if (marker->marker == JPEG_APP0 + 1 && marker->data_length > 6) {
            const int orientation = exifOrientation(marker->data, marker->data_length);
            if (orientation != 1) return orientation;
        }
    }
    return 1;
}

// Decodes `bytes` at 1/8 scale into `rgb`. Must be called under setjmp(d.errors.jump).
void decodeAtOneEighth(Decompressor& d, const std::vector<std::uint8_t>& bytes, cv::Mat& rgb,
                       int& orientation) {
    jpeg_mem_src(&d.info, bytes.data(), static_cast<unsigned long>(bytes.size()));
    jpeg_save_markers(&d.info, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&d.info, TRUE);
    // Now: jpeg_finish_decompress frees the saved markers.
    orientation = orientationOf(d.info);
    d.info.scale_num = 1;
    d.info.scale_denom = 8;
    d.info.out_color_space = JCS_RGB;
    // Smoothing would estimate the AC coefficients of the scans left out; at 1/8 scale the
    // components without them never read those, and the others have theirs complete.
    d.info.do_block_smoothing = FALSE;
    jpeg_start_decompress(&d.info);
    rgb.create(static_cast<int>(d.info.output_height), static_cast<int>(d.info.output_width),
               CV_8UC3);
    while (d.info.output_scanline < d.info.output_height) {
        JSAMPROW row = rgb.ptr<JSAMPLE>(static_cast<int>(d.info.output_scanline));
        jpeg_read_scanlines(&d.info, &row, 1);
    }
    jpeg_finish_decompress(&d.info);
}

}  // namespace

std::optional<Result<cv::Mat>> decodeProgressiveJpegAtOneEighth(
    const std::vector<std::uint8_t>& bytes, const std::string& name) {
    std::optional<std::set<int>> needed;
    {
        Decompressor header;
        if (setjmp(header.errors.jump) != 0) return std::nullopt;  // the general decoder says why
        jpeg_mem_src(&header.info, bytes.data(), static_cast<unsigned long>(bytes.size()));
        needed = componentsNeedingAc(header);
    }
    if (!needed) return std::nullopt;
    const auto filtered = withoutUnneededScans(bytes, *needed);
    if (!filtered) return std::nullopt;

    Decompressor d;
    cv::Mat rgb;
    int orientation = 1;
    if (setjmp(d.errors.jump) != 0) {
        return Result<cv::Mat>(Error{name + ": corrupt JPEG data (" + d.errors.message + ")"});
    }
    decodeAtOneEighth(d, *filtered, rgb, orientation);
    return Result<cv::Mat>(applyOrientation(rgb, orientation));
}

}  // namespace fovea::core
