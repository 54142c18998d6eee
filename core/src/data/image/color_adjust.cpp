// torchvision.transforms.functional_tensor's colour adjustments, transcribed for 8-bit RGB.
// torchvision computes in float32 and converts back with .to(torch.uint8), which truncates; the
// same arithmetic is kept here so results agree to the last bit wherever float rounding allows.
#include <opencv2/core.hpp>

#include <algorithm>
#include <array>
#include <cmath>

#include "fovea/core/image/transforms.h"

namespace fovea::core {
namespace {

// _blend(img1, img2, ratio) = (ratio * img1 + (1 - ratio) * img2).clamp(0, 255).to(uint8)
inline std::uint8_t blend(float ratio, float a, float b) {
    const float value = ratio * a + (1.0f - ratio) * b;
    return static_cast<std::uint8_t>(std::clamp(value, 0.0f, 255.0f));
}

// rgb_to_grayscale for uint8: (0.2989 r + 0.587 g + 0.114 b) in float32, truncated to uint8.
inline std::uint8_t luma(const cv::Vec3b& p) {
    return static_cast<std::uint8_t>(0.2989f * p[0] + 0.587f * p[1] + 0.114f * p[2]);
}

template <class PixelFunction>
cv::Mat mapPixels(const cv::Mat& rgb, PixelFunction function) {
    CV_Assert(rgb.type() == CV_8UC3);
    cv::Mat out(rgb.size(), CV_8UC3);
    for (int y = 0; y < rgb.rows; ++y) {
        const auto* in = rgb.ptr<cv::Vec3b>(y);
        auto* o = out.ptr<cv::Vec3b>(y);
        for (int x = 0; x < rgb.cols; ++x) o[x] = function(in[x]);
    }
    return out;
}

// _rgb2hsv and _hsv2rgb from functional_tensor.py, on [0, 1] floats.
std::array<float, 3> rgbToHsv(float r, float g, float b) {
    const float maxc = std::max({r, g, b});
    const float minc = std::min({r, g, b});
    const bool equal = maxc == minc;
    const float cr = maxc - minc;
    const float s = cr / (equal ? 1.0f : maxc);
    const float divisor = equal ? 1.0f : cr;
    const float rc = (maxc - r) / divisor;
    const float gc = (maxc - g) / divisor;
    const float bc = (maxc - b) / divisor;
    float h = 0.0f;
    if (maxc == r) {
        h = bc - gc;
    } else if (maxc == g) {
        h = 2.0f + rc - bc;
    } else {
        h = 4.0f + gc - rc;
    }
    h = std::fmod(h / 6.0f + 1.0f, 1.0f);
    return {h, s, maxc};
}

std::array<float, 3> hsvToRgb(float h, float s, float v) {
    const float scaled = h * 6.0f;
    const float floorScaled = std::floor(scaled);
    const float f = scaled - floorScaled;
    const int i = ((static_cast<int>(floorScaled) % 6) + 6) % 6;
    const float p = std::clamp(v * (1.0f - s), 0.0f, 1.0f);
    const float q = std::clamp(v * (1.0f - s * f), 0.0f, 1.0f);
    const float t = std::clamp(v * (1.0f - s * (1.0f - f)), 0.0f, 1.0f);
    switch (i) {
        case 0:
            return {v, t, p};
        case 1:
            return {q, v, p};
        case 2:
            return {p, v, t};
        case 3:
            return {p, q, v};
        case 4:
            return {t, p, v};
        default:
            return {v, p, q};
    }
}

}  // namespace

cv::Mat adjustBrightness(const cv::Mat& rgb, double factor) {
    // Blending with black depends on the value only: one lookup table.
    const float ratio = static_cast<float>(factor);
    cv::Mat table(1, 256, CV_8U);
    for (int v = 0; v < 256; ++v) table.at<std::uint8_t>(v) = blend(ratio, float(v), 0.0f);
    cv::Mat out;
    cv::LUT(rgb, table, out);
    return out;
}

cv::Mat adjustContrast(const cv::Mat& rgb, double factor) {
    // Blend with the mean of the (uint8-truncated) grayscale image.
    double sum = 0.0;
    for (int y = 0; y < rgb.rows; ++y) {
        const auto* row = rgb.ptr<cv::Vec3b>(y);
        for (int x = 0; x < rgb.cols; ++x) sum += luma(row[x]);
    }
    const float mean = static_cast<float>(sum / (static_cast<double>(rgb.total())));
    const float ratio = static_cast<float>(factor);
    cv::Mat table(1, 256, CV_8U);
    for (int v = 0; v < 256; ++v) table.at<std::uint8_t>(v) = blend(ratio, float(v), mean);
    cv::Mat out;
    cv::LUT(rgb, table, out);
    return out;
}

cv::Mat adjustSaturation(const cv::Mat& rgb, double factor) {
    const float ratio = static_cast<float>(factor);
    return mapPixels(rgb, [ratio](const cv::Vec3b& p) {
        const float gray = luma(p);
        return cv::Vec3b(blend(ratio, p[0], gray), blend(ratio, p[1], gray),
                         blend(ratio, p[2], gray));
    });
}

cv::Mat adjustHue(const cv::Mat& rgb, double hueShift) {
    const float shift = static_cast<float>(hueShift);
    return mapPixels(rgb, [shift](const cv::Vec3b& p) {
        const auto hsv = rgbToHsv(p[0] / 255.0f, p[1] / 255.0f, p[2] / 255.0f);
        // (h + shift) % 1.0 with Python's sign convention: the result is in [0, 1).
        float h = std::fmod(hsv[0] + shift, 1.0f);
        if (h < 0.0f) h += 1.0f;
        const auto out = hsvToRgb(h, hsv[1], hsv[2]);
        // Back to levels as torchvision's convert_image_dtype does (since 0.15; 0.14 scaled by
        // 255): x (256 - 1e-3), truncated, so every level gets an equal share of [0, 1].
        constexpr float kToLevels = 255.999f;
        return cv::Vec3b(static_cast<std::uint8_t>(out[0] * kToLevels),
                         static_cast<std::uint8_t>(out[1] * kToLevels),
                         static_cast<std::uint8_t>(out[2] * kToLevels));
    });
}

cv::Mat colorJitter(const cv::Mat& rgb, const ColorJitterAmounts& amounts, Rng& rng) {
    // ColorJitter.get_params: a random order first, then the factors in a fixed order.
    std::vector<int> order = {0, 1, 2, 3};
    rng.shuffle(order);
    auto factorRange = [&rng](double amount) {
        return amount > 0 ? rng.uniform(std::max(0.0, 1.0 - amount), 1.0 + amount) : 1.0;
    };
    const double brightness = factorRange(amounts.brightness);
    const double contrast = factorRange(amounts.contrast);
    const double saturation = factorRange(amounts.saturation);
    const double hue = amounts.hue > 0 ? rng.uniform(-amounts.hue, amounts.hue) : 0.0;

    cv::Mat out = rgb;
    for (int step : order) {
        if (step == 0 && amounts.brightness > 0) out = adjustBrightness(out, brightness);
        if (step == 1 && amounts.contrast > 0) out = adjustContrast(out, contrast);
        if (step == 2 && amounts.saturation > 0) out = adjustSaturation(out, saturation);
        if (step == 3 && amounts.hue > 0) out = adjustHue(out, hue);
    }
    return out.data == rgb.data ? rgb.clone() : out;
}

}  // namespace fovea::core
