#pragma once

// Shared by the box-format tests: files on disk, images OpenCV writes, and checks on problems.

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fovea/core/detection/box_annotations.h"
#include "temp_folder.h"

namespace fovea::test {

inline void writeText(const std::filesystem::path& file, const std::string& text) {
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out << text;
}

// A real image file of width x height (format from the extension), for the probe to read.
inline void writeImage(const std::filesystem::path& file, int width, int height) {
    std::filesystem::create_directories(file.parent_path());
    const cv::Mat image(height, width, CV_8UC3, cv::Scalar(40, 120, 200));
    ASSERT_TRUE(cv::imwrite(file.string(), image)) << file;
}

// A JPEG stored width x height whose EXIF Orientation tag is `orientation` (5..8 show it turned
// a quarter): OpenCV's encoder writes no EXIF, so an APP1 segment holding a little-endian TIFF
// IFD0 with the one Orientation entry is put right after the start-of-image marker, as cameras
// write it.
inline void writeJpegWithOrientation(const std::filesystem::path& file, int width, int height,
                                     int orientation) {
    std::vector<std::uint8_t> jpeg;
    ASSERT_TRUE(
        cv::imencode(".jpg", cv::Mat(height, width, CV_8UC3, cv::Scalar(90, 60, 30)), jpeg));
    const std::vector<std::uint8_t> tiff = {
        'I',  'I',  42, 0, 8, 0, 0, 0,  // little-endian TIFF header, IFD0 at 8
        1,    0,                        // one entry
        0x12, 0x01, 3,  0, 1, 0, 0, 0, static_cast<std::uint8_t>(orientation),
        0,    0,    0,  0, 0, 0, 0};  // no next IFD
    std::vector<std::uint8_t> app1 = {0xFF, 0xE1, 0, 0, 'E', 'x', 'i', 'f', 0, 0};
    app1.insert(app1.end(), tiff.begin(), tiff.end());
    const std::size_t length = app1.size() - 2;
    app1[2] = static_cast<std::uint8_t>(length >> 8);
    app1[3] = static_cast<std::uint8_t>(length & 0xFF);
    jpeg.insert(jpeg.begin() + 2, app1.begin(), app1.end());
    std::filesystem::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(jpeg.data()),
              static_cast<std::streamsize>(jpeg.size()));
}

// The 1-based line of `text` on which `marker` first occurs (0 when it does not).
inline int lineOfMarker(const std::string& text, const std::string& marker) {
    const std::size_t at = text.find(marker);
    if (at == std::string::npos) return 0;
    return 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
}

// Expects exactly one problem about `file` at `line` whose message contains `word`.
inline void expectProblem(const std::vector<core::detection::BoxProblem>& problems,
                          const std::filesystem::path& file, int line, const std::string& word) {
    int matches = 0;
    for (const auto& problem : problems) {
        if (problem.file == file && problem.line == line &&
            problem.message.find(word) != std::string::npos) {
            ++matches;
        }
    }
    std::string all;
    for (const auto& problem : problems) all += "\n  " + core::detection::describe(problem);
    EXPECT_EQ(matches, 1) << "no single problem at " << file << " line " << line << " with \""
                          << word << "\"; problems:" << all;
}

inline void expectBox(const core::detection::Box& box, const std::string& className, float x,
                      float y, float w, float h, float tolerance = 1e-4f) {
    EXPECT_EQ(box.className, className);
    EXPECT_NEAR(box.x, x, tolerance) << className;
    EXPECT_NEAR(box.y, y, tolerance) << className;
    EXPECT_NEAR(box.w, w, tolerance) << className;
    EXPECT_NEAR(box.h, h, tolerance) << className;
}

}  // namespace fovea::test
