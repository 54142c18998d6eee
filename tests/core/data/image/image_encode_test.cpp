// Writing RGB images (Grad-CAM overlays from fovea-cli explain): what is written decodes back to
// the same pixels in the same channel order, the format follows the extension, and a failed
// write names the file and leaves what was there.
#include <gtest/gtest.h>

#include "fovea/core/image/image_decode.h"
#include "fovea/core/image/image_encode.h"
#include "image_test_files.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;
using test::TempFolder;

// Red, green and blue stripes, so a swapped channel order cannot pass.
cv::Mat stripes() {
    cv::Mat rgb(24, 30, CV_8UC3);
    for (int y = 0; y < rgb.rows; ++y) {
        for (int x = 0; x < rgb.cols; ++x) {
            const int band = x / 10;
            rgb.at<cv::Vec3b>(y, x) =
                cv::Vec3b(band == 0 ? 250 : 3, band == 1 ? 240 : 7, band == 2 ? 230 : 11);
        }
    }
    return rgb;
}

TEST(WriteRgbImage, PngDecodesToTheSamePixelsInRgbOrder) {
    TempFolder folder("fovea-encode");
    const fs::path file = folder.path() / "overlay.png";
    const cv::Mat rgb = stripes();
    ASSERT_TRUE(writeRgbImage(file, rgb).ok());
    auto decoded = decodeImage(file);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    ASSERT_EQ(decoded.value().rgb.size(), rgb.size());
    EXPECT_EQ(cv::norm(decoded.value().rgb, rgb, cv::NORM_INF), 0.0);
}

TEST(WriteRgbImage, JpegFollowsTheExtension) {
    TempFolder folder("fovea-encode");
    const fs::path file = folder.path() / "overlay.JPG";
    ASSERT_TRUE(writeRgbImage(file, stripes()).ok());
    const test::Bytes bytes = test::readFile(file);
    ASSERT_GE(bytes.size(), 3u);
    EXPECT_EQ(bytes[0], 0xFF);  // JPEG SOI marker
    EXPECT_EQ(bytes[1], 0xD8);
    auto decoded = decodeImage(file);
    ASSERT_TRUE(decoded.ok()) << decoded.error().message;
    // Lossy, and chroma is subsampled at the band edges: compare the middle of each band.
    const cv::Mat expected = stripes();
    for (int x : {5, 15, 25}) {
        const cv::Vec3b got = decoded.value().rgb.at<cv::Vec3b>(12, x);
        const cv::Vec3b want = expected.at<cv::Vec3b>(12, x);
        for (int c = 0; c < 3; ++c)
            EXPECT_NEAR(got[c], want[c], 30) << "x " << x << " channel " << c;
    }
}

TEST(WriteRgbImage, UnknownFormatNamesTheFileAndKeepsWhatWasThere) {
    TempFolder folder("fovea-encode");
    const fs::path file = folder.path() / "overlay.xyz";
    const std::string mine = "the user's file";
    test::writeFile(file, mine);
    auto written = writeRgbImage(file, stripes());
    ASSERT_FALSE(written.ok());
    EXPECT_NE(written.error().message.find(file.string()), std::string::npos)
        << written.error().message;
    EXPECT_EQ(test::readFile(file), test::Bytes(mine.begin(), mine.end()));
}

TEST(WriteRgbImage, MissingFolderAndWrongPixelTypeAreErrors) {
    TempFolder folder("fovea-encode");
    const fs::path inMissing = folder.path() / "no-such-folder" / "overlay.png";
    auto missing = writeRgbImage(inMissing, stripes());
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("no-such-folder"), std::string::npos)
        << missing.error().message;
    auto gray = writeRgbImage(folder.path() / "gray.png", cv::Mat(4, 4, CV_8UC1, cv::Scalar(9)));
    ASSERT_FALSE(gray.ok());
    EXPECT_FALSE(fs::exists(folder.path() / "gray.png"));
}

}  // namespace
}  // namespace fovea::core
