// Regression tests for a crash found by tests/fuzz/image_fuzzer: rotate() threw cv::Exception
// (OpenCV's remap asserts every side < SHRT_MAX) for images wider than 32766 pixels, which the
// probe accepts (up to 65535 a side). The fuzzer's input was a 140-byte JPEG declaring 62984x5.

#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <vector>

#include "fovea/core/image/image_decode.h"
#include "fovea/core/image/transforms.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

// A smooth pattern, so OpenCV's fixed-point bilinear weights (1/32 pixel) stay within a few
// levels of exact bilinear interpolation.
cv::Mat smoothImage(int width, int height) {
    cv::Mat image(height, width, CV_8UC3);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            image.at<cv::Vec3b>(y, x) =
                cv::Vec3b(static_cast<std::uint8_t>(128 + 100 * std::sin(x / 40.0)),
                          static_cast<std::uint8_t>(128 + 100 * std::cos(y / 9.0 + x / 300.0)),
                          static_cast<std::uint8_t>((x / 64 + y) % 200));
        }
    }
    return image;
}

// torchvision's rotate for one output pixel, computed directly: bilinear, zeros outside.
cv::Vec3d expectedPixel(const cv::Mat& rgb, double degrees, int x, int y) {
    const double a = degrees * CV_PI / 180.0;
    const double cx = (rgb.cols - 1) * 0.5;
    const double cy = (rgb.rows - 1) * 0.5;
    const double sx = std::cos(a) * (x - cx) - std::sin(a) * (y - cy) + cx;
    const double sy = std::sin(a) * (x - cx) + std::cos(a) * (y - cy) + cy;
    const int x0 = static_cast<int>(std::floor(sx));
    const int y0 = static_cast<int>(std::floor(sy));
    cv::Vec3d sum(0, 0, 0);
    for (int dy = 0; dy < 2; ++dy) {
        for (int dx = 0; dx < 2; ++dx) {
            const int px = x0 + dx;
            const int py = y0 + dy;
            if (px < 0 || py < 0 || px >= rgb.cols || py >= rgb.rows) continue;
            const double weight = (dx ? sx - x0 : 1 - (sx - x0)) * (dy ? sy - y0 : 1 - (sy - y0));
            const cv::Vec3b value = rgb.at<cv::Vec3b>(py, px);
            for (int c = 0; c < 3; ++c) sum[c] += weight * value[c];
        }
    }
    return sum;
}

TEST(RotateWideImage, PanoramaWiderThanOpenCvRemapLimitIsRotatedCorrectly) {
    const cv::Mat image = smoothImage(40000, 7);
    for (const double degrees : {0.0, 0.01, -0.007, 180.0, 90.0}) {
        SCOPED_TRACE(degrees);
        cv::Mat rotated;
        ASSERT_NO_THROW(rotated = rotate(image, degrees));
        ASSERT_EQ(rotated.size(), image.size());
        ASSERT_EQ(rotated.type(), CV_8UC3);
        int worst = 0;
        // Every column near the tile seams (multiples of 8192) and a spread of others.
        std::vector<int> columns;
        for (int x = 0; x < image.cols; x += 997) columns.push_back(x);
        for (int seam = 8192; seam < image.cols; seam += 8192) {
            for (int x = seam - 3; x <= seam + 3; ++x) columns.push_back(x);
        }
        columns.push_back(image.cols - 1);
        for (const int x : columns) {
            for (int y = 0; y < image.rows; ++y) {
                const cv::Vec3d want = expectedPixel(image, degrees, x, y);
                const cv::Vec3b got = rotated.at<cv::Vec3b>(y, x);
                for (int c = 0; c < 3; ++c) {
                    worst =
                        std::max(worst, static_cast<int>(std::lround(std::abs(got[c] - want[c]))));
                }
            }
        }
        // OpenCV's untiled warp of a 30000-wide image differs from exact bilinear by up to 4
        // levels here too (its weights are quantised to 1/32 pixel).
        EXPECT_LE(worst, 4) << "largest difference from exact bilinear rotation";
    }
}

TEST(RotateWideImage, TallImageAndTheFuzzersJpegDoNotThrow) {
    const cv::Mat tall = smoothImage(3, 33000);
    EXPECT_NO_THROW(EXPECT_EQ(rotate(tall, 12.5).size(), tall.size()));

    // The fuzzer's reproducer, byte for byte: a damaged JPEG that decodes to 62984x5 gray.
    const std::vector<std::uint8_t> jpeg = {
        0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00,
        0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0xff, 0xdb, 0x00, 0x43, 0x00, 0x0d, 0x0b, 0x0c,
        0x0e, 0x0c, 0x0a, 0x10, 0x0e, 0x0d, 0x0e, 0x12, 0x11, 0x10, 0x13, 0x18, 0x28, 0x1a,
        0x18, 0x16, 0x16, 0x18, 0x31, 0x23, 0x25, 0x1d, 0x28, 0x3a, 0x33, 0x3d, 0x3c, 0x39,
        0x33, 0x38, 0x37, 0x40, 0x48, 0x5c, 0x4e, 0x40, 0x44, 0x57, 0x45, 0x37, 0x38, 0x50,
        0x6d, 0x51, 0x57, 0x5f, 0x62, 0x67, 0x68, 0x67, 0x3e, 0x4d, 0x71, 0x79, 0x70, 0x64,
        0x78, 0x5c, 0x65, 0x67, 0x63, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x05, 0xf6, 0x08,
        0x01, 0x01, 0x11, 0x00, 0x89, 0xaa, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
        0x9a, 0xa2, 0xa3, 0xfa, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0xff, 0xff,
        0xff, 0x0c, 0x11, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xd9, 0x16, 0x15};
    const test::TempFolder folder("fovea-fuzz-wide");
    const std::filesystem::path file = folder / "fuzz-wide.jpg";
    std::ofstream(file, std::ios::binary)
        .write(reinterpret_cast<const char*>(jpeg.data()),
               static_cast<std::streamsize>(jpeg.size()));
    const auto decoded = decodeImage(file);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    ASSERT_EQ(decoded.value().rgb.size(), cv::Size(62984, 5));
    EXPECT_NO_THROW(EXPECT_EQ(rotate(decoded.value().rgb, -3.0).size(), cv::Size(62984, 5)));
}

}  // namespace
}  // namespace fovea::core
