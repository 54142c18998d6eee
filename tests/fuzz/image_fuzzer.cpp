// libFuzzer target: image probing and decoding (core::probeImageBytes, core::decodeImage) and
// the transforms training applies to a decoded image. Transform parameters come from a hash of
// the input, so a crashing input reproduces alone.

#include <opencv2/core.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fovea/core/image/image_decode.h"
#include "fovea/core/image/image_probe.h"
#include "fovea/core/image/transforms.h"
#include "fovea/core/random.h"
#include "fuzz_support.h"

using namespace fovea::core;

namespace {

// Decoding images the probe allows (up to 128 MP) is legitimate but slow; keep the fuzzer's
// iterations fast by decoding only those up to this size. The probe itself sees every input.
constexpr std::int64_t kMaxFuzzPixels = 4096LL * 4096;

void checkImage(const cv::Mat& rgb) {
    if (rgb.type() != CV_8UC3 || rgb.rows <= 0 || rgb.cols <= 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto probed = probeImageBytes(data, size, "fuzz-input");
    if (!probed.ok()) {
        fovea::fuzz::showError(probed.error().message);
        if (probed.error().message.find("fuzz-input") == std::string::npos) std::abort();
    } else {
        const ImageInfo& info = probed.value();
        if (info.width <= 0 || info.height <= 0) std::abort();
        if (static_cast<std::int64_t>(info.width) * info.height > kMaxFuzzPixels) return 0;
    }

    static const std::filesystem::path file = fovea::fuzz::scratchFolder("image") / "input.img";
    fovea::fuzz::writeBytes(file, data, size);
    std::uint64_t hash = size;
    for (std::size_t i = 0; i < size && i < 64; ++i) hash = mixSeed({hash, data[i]});
    Rng rng(hash);

    DecodeOptions options;
    options.minShorterSide = static_cast<int>(rng.below(3)) * 16;  // 0, 16 or 32
    auto decoded = decodeImage(file, options);
    if (!decoded.ok()) {
        fovea::fuzz::showError(decoded.error().message);
        if (decoded.error().message.find(file.string()) == std::string::npos &&
            decoded.error().message.find("input.img") == std::string::npos) {
            std::abort();  // every error names the file
        }
        return 0;
    }
    const cv::Mat& rgb = decoded.value().rgb;
    checkImage(rgb);

    const int side = 1 + static_cast<int>(rng.below(48));
    checkImage(resizeShorterSide(rgb, side));
    checkImage(resizeTo(rgb, 1 + static_cast<int>(rng.below(40)),
                        1 + static_cast<int>(rng.below(40)),
                        static_cast<ResizeFilter>(rng.below(5))));
    checkImage(
        centerCrop(rgb, 1 + static_cast<int>(rng.below(64)), 1 + static_cast<int>(rng.below(64))));
    const CropBox box = randomResizedCropBox(rgb.cols, rgb.rows, rng);
    checkImage(resizedCrop(rgb, box, 16, 16));
    checkImage(horizontalFlip(rgb));
    checkImage(rotate(rgb, rng.uniform(-180.0, 180.0)));
    ColorJitterAmounts jitter;
    jitter.brightness = rng.uniform(0.0, 1.0);
    jitter.contrast = rng.uniform(0.0, 1.0);
    jitter.saturation = rng.uniform(0.0, 1.0);
    jitter.hue = rng.uniform(0.0, 0.5);
    checkImage(colorJitter(rgb, jitter, rng));
    return 0;
}
