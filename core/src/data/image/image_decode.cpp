#include "fovea/core/image/image_decode.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <exception>
#include <fstream>
#include <limits>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "exif_orientation.h"
#include "jpeg_end.h"
#include "png_chunks.h"
#include "progressive_jpeg.h"

namespace fovea::core {

namespace {

// OpenCV's messages carry the source path and a trailing newline; keep the text of the problem
// on one line so it fits a status bar or a log row.
std::string oneLine(std::string text) {
    std::replace(text.begin(), text.end(), '\n', ' ');
    std::replace(text.begin(), text.end(), '\r', ' ');
    const auto last = text.find_last_not_of(' ');
    text.erase(last == std::string::npos ? 0 : last + 1);
    return text;
}

Result<std::vector<std::uint8_t>> readBytes(const std::filesystem::path& file, std::uintmax_t size,
                                            const std::string& name) {
    // std::filesystem::path hands the native (UTF-8 on Linux) name to the stream, so spaces and
    // non-ASCII names open fine; cv::imread would need the same care on Windows.
    std::ifstream stream(file, std::ios::binary);
    if (!stream) {
        return Error{name + ": cannot open for reading"};
    }
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    stream.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
    if (stream.gcount() != static_cast<std::streamsize>(size)) {
        return Error{name + ": cannot read (the file changed size or the read failed after " +
                     std::to_string(stream.gcount()) + " of " + std::to_string(size) + " bytes)"};
    }
    return bytes;
}

// The largest JPEG DCT scaling whose shorter side still covers what the caller needs
// (libjpeg's scaled IDCT is far cheaper than decoding full size and resizing).
int jpegReduction(const ImageInfo& info, int minShorterSide) {
    if (minShorterSide <= 0) {
        return 1;
    }
    const int shorter = std::min(info.width, info.height);
    for (int factor : {8, 4, 2}) {
        if (shorter / factor >= minShorterSide) {
            return factor;
        }
    }
    return 1;
}

int jpegFlags(int reduction) {
    switch (reduction) {
        case 2:
            return cv::IMREAD_REDUCED_COLOR_2;
        case 4:
            return cv::IMREAD_REDUCED_COLOR_4;
        case 8:
            return cv::IMREAD_REDUCED_COLOR_8;
        default:
            return cv::IMREAD_COLOR;
    }
}

// Any depth OpenCV returns for PNG/BMP/WebP/TIFF to 8 bits a sample. Float samples are taken as
// normalised to [0, 1] (the convention of float TIFFs from image tools); values outside are
// clamped, NaN becomes 0. Signed and 32-bit integer TIFFs have no agreed display range.
Result<cv::Mat> toEightBit(const cv::Mat& image, const std::string& name) {
    cv::Mat out;
    switch (image.depth()) {
        case CV_8U:
            return image;
        case CV_16U:
            // 65535 / 257 = 255 exactly, so full scale maps to full scale; convertTo rounds.
            image.convertTo(out, CV_8U, 1.0 / 257.0);
            return out;
        case CV_32F:
        case CV_64F:
            image.convertTo(out, CV_8U, 255.0);
            return out;
        default:
            return Error{name + ": unsupported pixel format (signed or 32-bit integer samples)"};
    }
}

// Blends colour channels `colour` (RGB order, 8-bit) over kAlphaBackgroundRgb with `alpha`.
// Straight alpha: out = a*c + (1-a)*bg. Premultiplied (c already holds a*c): out = c + (1-a)*bg.
cv::Mat composite(const cv::Mat& colour, const cv::Mat& alpha, bool premultiplied) {
    cv::Mat out(colour.rows, colour.cols, CV_8UC3);
    for (int y = 0; y < colour.rows; ++y) {
        const auto* c = colour.ptr<cv::Vec3b>(y);
        const auto* a = alpha.ptr<std::uint8_t>(y);
        auto* o = out.ptr<cv::Vec3b>(y);
        for (int x = 0; x < colour.cols; ++x) {
            const int opacity = a[x];
            for (int k = 0; k < 3; ++k) {
                const int background = kAlphaBackgroundRgb[static_cast<std::size_t>(k)];
                const int under = (255 - opacity) * background;
                const int value = premultiplied ? c[x][k] + (under + 127) / 255
                                                : (opacity * c[x][k] + under + 127) / 255;
                o[x][k] = static_cast<std::uint8_t>(std::min(value, 255));
            }
        }
    }
    return out;
}

// 8-bit 1..4 channel BGR(A)/gray(+alpha) to RGB with alpha composited.
Result<cv::Mat> toRgb(const cv::Mat& image, bool premultipliedAlpha, const std::string& name) {
    cv::Mat rgb;
    switch (image.channels()) {
        case 1:
            cv::cvtColor(image, rgb, cv::COLOR_GRAY2RGB);
            return rgb;
        case 2: {
            cv::Mat planes[2];
            cv::split(image, planes);
            cv::cvtColor(planes[0], rgb, cv::COLOR_GRAY2RGB);
            return composite(rgb, planes[1], premultipliedAlpha);
        }
        case 3:
            cv::cvtColor(image, rgb, cv::COLOR_BGR2RGB);
            return rgb;
        case 4: {
            cv::Mat alpha;
            cv::extractChannel(image, alpha, 3);
            cv::cvtColor(image, rgb, cv::COLOR_BGRA2RGB);
            return composite(rgb, alpha, premultipliedAlpha);
        }
        default:
            return Error{name + ": unsupported image with " + std::to_string(image.channels()) +
                         " channels"};
    }
}

Result<DecodedImage> decodeBytes(const std::vector<std::uint8_t>& bytes, const ImageInfo& info,
                                 const DecodeOptions& options, const std::string& name) {
    DecodedImage result;
    result.info = info;
    const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8U,
                         const_cast<std::uint8_t*>(bytes.data()));
    const std::string format = imageFormatName(info.format);

    if (info.format == ImageFormat::Jpeg) {
        if (auto broken = jpegEndError(checkJpegEnd(bytes), name)) return *broken;
        // IMREAD_COLOR makes libjpeg convert grayscale, YCbCr and (Adobe) CMYK to BGR, and lets
        // OpenCV apply the EXIF orientation, also for the reduced flags.
        result.reduction = jpegReduction(info, options.minShorterSide);
        if (result.reduction == 8) {
            if (auto reduced = decodeProgressiveJpegAtOneEighth(bytes, name)) {
                if (!*reduced) return reduced->error();
                result.rgb = std::move(*reduced).value();
                return result;
            }
        }
        const cv::Mat bgr = cv::imdecode(buffer, jpegFlags(result.reduction));
        if (bgr.empty()) {
            return Error{name + ": corrupt or truncated JPEG data (the decoder gave up)"};
        }
        cv::cvtColor(bgr, result.rgb, cv::COLOR_BGR2RGB);
        return result;
    }

    // IMREAD_UNCHANGED keeps alpha, 16-bit and float samples for the conversions below instead
    // of OpenCV's own (which drops alpha onto black). It also skips OpenCV's EXIF handling, so
    // PNG and WebP orientation is applied here; the TIFF decoder orients its output itself.
    std::optional<std::vector<std::uint8_t>> withoutProfile;
    if (info.format == ImageFormat::Png) {
        withoutProfile = pngWithoutColourProfile(bytes.data(), bytes.size());
    }
    const cv::Mat raw = withoutProfile ? cv::imdecode(*withoutProfile, cv::IMREAD_UNCHANGED)
                                       : cv::imdecode(buffer, cv::IMREAD_UNCHANGED);
    if (raw.empty()) {
        return Error{name + ": corrupt or truncated " + format + " data (the decoder gave up)"};
    }
    Result<cv::Mat> eightBit = toEightBit(raw, name);
    if (!eightBit) {
        return eightBit.error();
    }
    // The TIFF decoder reads 8-bit images through libtiff's RGBA interface, which premultiplies
    // straight alpha; 16-bit TIFFs and every other format come back with straight alpha.
    const bool premultiplied =
        info.format == ImageFormat::Tiff && raw.depth() == CV_8U && raw.channels() == 4;
    Result<cv::Mat> rgb = toRgb(eightBit.value(), premultiplied, name);
    if (!rgb) {
        return rgb.error();
    }
    int orientation = 1;
    if (info.format == ImageFormat::Png) {
        orientation = pngOrientation(bytes.data(), bytes.size());
    } else if (info.format == ImageFormat::Webp) {
        orientation = webpOrientation(bytes.data(), bytes.size());
    }
    result.rgb = applyOrientation(rgb.value(), orientation);
    return result;
}

}  // namespace

Result<DecodedImage> decodeImage(const std::filesystem::path& file, const DecodeOptions& options) {
    const std::string name = file.string();
    // Probe first: an absurd header is refused from its first bytes, before the file is read
    // or any pixel memory exists.
    Result<ImageInfo> info = probeImage(file);
    if (!info) {
        return info.error();
    }
    try {
        // cv::imdecode takes the bytes as a Mat, whose width is an int.
        if (info.value().fileSize > static_cast<std::uintmax_t>(std::numeric_limits<int>::max())) {
            return Error{name + ": file too large to decode (more than 2 GiB)"};
        }
        Result<std::vector<std::uint8_t>> bytes = readBytes(file, info.value().fileSize, name);
        if (!bytes) {
            return bytes.error();
        }
        return decodeBytes(bytes.value(), info.value(), options, name);
    } catch (const cv::Exception& e) {
        return Error{name + ": cannot decode (" + oneLine(e.err.empty() ? e.what() : e.err) + ")"};
    } catch (const std::bad_alloc&) {
        return Error{name + ": not enough memory to decode the image"};
    } catch (const std::exception& e) {
        return Error{name + ": cannot decode (" + oneLine(e.what()) + ")"};
    }
}

}  // namespace fovea::core
