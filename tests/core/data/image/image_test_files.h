#pragma once

// Shared by the image tests: small byte/pixel helpers (and TempFolder, temp_folder.h).

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "temp_folder.h"

namespace fovea::test {

using Bytes = std::vector<std::uint8_t>;

inline Bytes readFile(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void writeFile(const std::filesystem::path& file, const Bytes& bytes) {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
}

inline void writeFile(const std::filesystem::path& file, const std::string& text) {
    writeFile(file, Bytes(text.begin(), text.end()));
}

inline void putBe32(Bytes& bytes, std::size_t at, std::uint32_t value) {
    for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<std::uint8_t>(value >> (24 - 8 * i));
}
inline void putLe32(Bytes& bytes, std::size_t at, std::uint32_t value) {
    for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<std::uint8_t>(value >> (8 * i));
}
inline void putLe16(Bytes& bytes, std::size_t at, std::uint32_t value) {
    bytes[at] = static_cast<std::uint8_t>(value);
    bytes[at + 1] = static_cast<std::uint8_t>(value >> 8);
}

// An asymmetric BGR test picture (quadrants of different colours and a ramp along the top), so
// that any flip or rotation is visible in the pixels. Flat areas keep lossy codecs close.
inline cv::Mat patternBgr(int width, int height) {
    cv::Mat image(height, width, CV_8UC3);
    const int w2 = width / 2;
    const int h2 = height / 2;
    image(cv::Rect(0, 0, w2, h2)).setTo(cv::Scalar(30, 30, 220));            // red
    image(cv::Rect(w2, 0, width - w2, h2)).setTo(cv::Scalar(40, 200, 30));   // green
    image(cv::Rect(0, h2, w2, height - h2)).setTo(cv::Scalar(210, 40, 40));  // blue
    image(cv::Rect(w2, h2, width - w2, height - h2)).setTo(cv::Scalar(40, 220, 230));
    for (int x = 0; x < width; ++x) {
        const auto value = static_cast<std::uint8_t>(x * 255 / std::max(1, width - 1));
        for (int y = 0; y < std::min(8, height); ++y) image.at<cv::Vec3b>(y, x)[2] = value;
    }
    return image;
}

inline cv::Mat toRgb(const cv::Mat& bgr) {
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return rgb;
}

// Largest per-sample difference, and mean absolute difference, of two same-size images.
inline double maxAbsDiff(const cv::Mat& a, const cv::Mat& b) {
    return cv::norm(a, b, cv::NORM_INF);
}
inline double meanAbsDiff(const cv::Mat& a, const cv::Mat& b) {
    return cv::norm(a, b, cv::NORM_L1) / static_cast<double>(a.total() * a.channels());
}

}  // namespace fovea::test
