#include "class_palette.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace fovea::core::palette {
namespace {

// Tableau 10 without its grey (#bab0ac, next to the grey of unlabeled images), then eleven of
// Tableau 20's darker and lighter tones chosen so that any two of the twenty, and each and that
// grey, are at least 18 CIELAB units (delta E 1976) apart, neighbours 30, and the first ten (a
// ten-class project such as Fashion-MNIST or CIFAR-10) 25: the tenth is a purple, where a second
// green was hard to tell from the fifth. All readable on light and dark backgrounds.
constexpr std::array<const char*, 20> kPalette = {
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
    "#ff9da7", "#9c755f", "#9467bd", "#bcbd22", "#e377c2", "#2ca02c", "#98df8a",
    "#d62728", "#17becf", "#ffbb78", "#aec7e8", "#dbdb8d", "#f7b6d2"};

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

std::string hsvColour(double hue, double saturation, double value) {
    const double c = value * saturation;
    const double h = hue * 6.0;
    const double x = c * (1.0 - std::fabs(std::fmod(h, 2.0) - 1.0));
    double r = 0, g = 0, b = 0;
    switch (static_cast<int>(h) % 6) {
        case 0:
            r = c;
            g = x;
            break;
        case 1:
            r = x;
            g = c;
            break;
        case 2:
            g = c;
            b = x;
            break;
        case 3:
            g = x;
            b = c;
            break;
        case 4:
            r = x;
            b = c;
            break;
        default:
            r = c;
            b = x;
            break;
    }
    const double m = value - c;
    char text[8];
    std::snprintf(text, sizeof text, "#%02x%02x%02x", static_cast<int>((r + m) * 255 + 0.5),
                  static_cast<int>((g + m) * 255 + 0.5), static_cast<int>((b + m) * 255 + 0.5));
    return text;
}

}  // namespace

std::string nextClassColour(const std::vector<std::string>& used) {
    std::vector<std::string> taken;
    taken.reserve(used.size());
    for (const auto& colour : used) taken.push_back(lower(colour));
    const auto isTaken = [&](const std::string& colour) {
        return std::find(taken.begin(), taken.end(), colour) != taken.end();
    };
    for (const char* colour : kPalette) {
        if (!isTaken(colour)) return colour;
    }
    // The golden angle spreads successive hues as far from earlier ones as possible.
    constexpr double kGoldenRatioConjugate = 0.6180339887498949;
    double hue = 0.07;
    for (std::size_t i = 0; i < taken.size() + 1000; ++i) {
        hue = std::fmod(hue + kGoldenRatioConjugate, 1.0);
        const double value = (i / 3) % 2 == 0 ? 0.85 : 0.65;
        std::string colour = hsvColour(hue, 0.6, value);
        if (!isTaken(colour)) return colour;
    }
    return "#808080";
}

bool isColour(const std::string& text) {
    if (text.size() != 7 || text[0] != '#') return false;
    return std::all_of(text.begin() + 1, text.end(),
                       [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

}  // namespace fovea::core::palette
