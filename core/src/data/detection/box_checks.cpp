#include "box_checks.h"

#include <algorithm>
#include <cmath>

#include "annotation_text.h"

namespace fovea::core::detection {

std::string describe(const BoxProblem& problem) {
    std::string text = problem.file.string();
    if (problem.line > 0) text += ", line " + std::to_string(problem.line);
    return text + ": " + problem.message;
}

}  // namespace fovea::core::detection

// Helpers private to the box-file formats, apart from the tensor side's detection code.
namespace fovea::core::detection::box_formats {

std::string describeBox(const Box& box) {
    return "box \"" + box.className + "\" at x=" + formatNumber(box.x) +
           " y=" + formatNumber(box.y) + " w=" + formatNumber(box.w) + " h=" + formatNumber(box.h);
}

std::optional<std::string> fitToImage(Box& box, int width, int height) {
    if (!std::isfinite(box.x) || !std::isfinite(box.y) || !std::isfinite(box.w) ||
        !std::isfinite(box.h)) {
        return describeBox(box) + " has a coordinate that is not a finite number";
    }
    if (box.w <= 0 || box.h <= 0) {
        return describeBox(box) + " has zero or negative size";
    }
    const float t = kEdgeTolerancePixels;
    const float right = box.x + box.w;
    const float bottom = box.y + box.h;
    if (box.x < -t || box.y < -t || right > static_cast<float>(width) + t ||
        bottom > static_cast<float>(height) + t) {
        return describeBox(box) + " is outside the " + std::to_string(width) + "x" +
               std::to_string(height) + " image (it spans x " + formatNumber(box.x) + ".." +
               formatNumber(right) + ", y " + formatNumber(box.y) + ".." + formatNumber(bottom) +
               ")";
    }
    const float left = std::max(box.x, 0.0f);
    const float top = std::max(box.y, 0.0f);
    box.w = std::min(right, static_cast<float>(width)) - left;
    box.h = std::min(bottom, static_cast<float>(height)) - top;
    box.x = left;
    box.y = top;
    if (box.w <= 0 || box.h <= 0) {
        return describeBox(box) + " has no area inside the image";
    }
    return std::nullopt;
}

std::size_t classIndex(std::vector<std::string>& classes, const std::string& name) {
    const auto it = std::find(classes.begin(), classes.end(), name);
    if (it != classes.end()) return static_cast<std::size_t>(it - classes.begin());
    classes.push_back(name);
    return classes.size() - 1;
}

}  // namespace fovea::core::detection::box_formats
