#include "image_pipeline.h"

#include <opencv2/core.hpp>

#include <array>
#include <cstdint>
#include <string>

#include "fovea/core/image/image_decode.h"
#include "fovea/core/image/image_probe.h"
#include "fovea/core/image/transforms.h"

namespace fovea::core {

Result<cv::Mat> loadPrepared(const std::filesystem::path& file, const Preprocessing& spec) {
    DecodeOptions options;
    options.minShorterSide = spec.resizeShorterSide;
    auto decoded = decodeImage(file, options);
    if (!decoded) return decoded.error();
    // A thin strip (the probe allows 65535x1) resized to a shorter side of 256 would become
    // gigapixels: refuse what the resize would make larger than any image Fovea decodes.
    const cv::Mat& rgb = decoded.value().rgb;
    const auto [width, height] = shorterSideSize(rgb.cols, rgb.rows, spec.resizeShorterSide);
    if (static_cast<std::int64_t>(width) * height > kMaxImagePixels) {
        return Error{file.string() + ": a " + std::to_string(rgb.cols) + "x" +
                     std::to_string(rgb.rows) + " image resized to a shorter side of " +
                     std::to_string(spec.resizeShorterSide) + " would be " + std::to_string(width) +
                     "x" + std::to_string(height) + " pixels, more than Fovea's limit of " +
                     std::to_string(kMaxImagePixels / 1000000) +
                     " megapixels (the image is too narrow for this input size)"};
    }
    try {
        return prepareForTransform(decoded.value().rgb, spec);
    } catch (const cv::Exception& e) {
        return Error{file.string() + ": cannot resize: " + e.what()};
    }
}

namespace {

// One table per channel: the same float32 arithmetic as F.normalize(x / 255, mean, std).
using NormalisationTables = std::array<std::array<float, 256>, 3>;

NormalisationTables normalisationTables(const Preprocessing& spec) {
    NormalisationTables table;
    for (int c = 0; c < 3; ++c) {
        for (int v = 0; v < 256; ++v) {
            table[c][v] = (static_cast<float>(v) / 255.0f - spec.mean[c]) / spec.std[c];
        }
    }
    return table;
}

}  // namespace

void writeNormalizedChw(const cv::Mat& rgb, const Preprocessing& spec, float* chw) {
    CV_Assert(rgb.type() == CV_8UC3);
    const NormalisationTables table = normalisationTables(spec);
    const std::size_t plane = static_cast<std::size_t>(rgb.rows) * rgb.cols;
    for (int y = 0; y < rgb.rows; ++y) {
        const auto* row = rgb.ptr<cv::Vec3b>(y);
        const std::size_t offset = static_cast<std::size_t>(y) * rgb.cols;
        for (int x = 0; x < rgb.cols; ++x) {
            chw[offset + x] = table[0][row[x][0]];
            chw[plane + offset + x] = table[1][row[x][1]];
            chw[2 * plane + offset + x] = table[2][row[x][2]];
        }
    }
}

void writeNormalizedHwc(const cv::Mat& rgb, const Preprocessing& spec, float* hwc) {
    CV_Assert(rgb.type() == CV_8UC3);
    const NormalisationTables table = normalisationTables(spec);
    for (int y = 0; y < rgb.rows; ++y) {
        const auto* row = rgb.ptr<std::uint8_t>(y);
        float* out = hwc + static_cast<std::size_t>(y) * rgb.cols * 3;
        for (int x = 0; x < 3 * rgb.cols; x += 3) {
            out[x] = table[0][row[x]];
            out[x + 1] = table[1][row[x + 1]];
            out[x + 2] = table[2][row[x + 2]];
        }
    }
}

}  // namespace fovea::core
