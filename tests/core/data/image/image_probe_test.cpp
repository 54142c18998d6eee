// Header probing on real files written by OpenCV and on headers crafted byte by byte.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include <random>

#include "fovea/core/image/image_probe.h"
#include "image_test_files.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;
using test::Bytes;
using test::readFile;
using test::TempFolder;
using test::writeFile;

class ImageProbe : public testing::Test {
  protected:
    static void SetUpTestSuite() { s_folder = std::make_unique<TempFolder>("fovea-probe"); }
    static void TearDownTestSuite() { s_folder.reset(); }

    static fs::path path(const std::string& name) { return *s_folder / name; }

    static fs::path write(const std::string& name, const cv::Mat& image,
                          const std::vector<int>& params = {}) {
        const fs::path file = path(name);
        EXPECT_TRUE(cv::imwrite(file.string(), image, params)) << name;
        return file;
    }

    // Expects probing to fail with a message naming the file and containing `word`.
    static void expectError(const fs::path& file, const std::string& word) {
        const Result<ImageInfo> info = probeImage(file);
        ASSERT_FALSE(info) << file << " probed as " << info.value().width << "x"
                           << info.value().height;
        const std::string& message = info.error().message;
        EXPECT_NE(message.find(file.string()), std::string::npos) << message;
        EXPECT_NE(message.find(word), std::string::npos) << message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }

    static void expectInfo(const fs::path& file, ImageFormat format, int width, int height) {
        const Result<ImageInfo> info = probeImage(file);
        ASSERT_TRUE(info) << info.error().message;
        EXPECT_EQ(info.value().format, format) << file;
        EXPECT_EQ(info.value().width, width) << file;
        EXPECT_EQ(info.value().height, height) << file;
        EXPECT_EQ(info.value().fileSize, fs::file_size(file));
        // The in-memory probe agrees with the file probe.
        const Bytes bytes = readFile(file);
        const Result<ImageInfo> fromBytes = probeImageBytes(bytes.data(), bytes.size(), "mem");
        ASSERT_TRUE(fromBytes) << fromBytes.error().message;
        EXPECT_EQ(fromBytes.value().width, width);
        EXPECT_EQ(fromBytes.value().height, height);
    }

    // A PNG signature and IHDR chunk declaring width x height (CRC left zero: the probe reads
    // sizes only, and decoding must refuse such a file before libpng would see the CRC).
    static Bytes pngHeader(std::uint32_t width, std::uint32_t height) {
        Bytes bytes = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A,
                       0,    0,   0,   13,  'I',  'H',  'D',  'R'};
        bytes.resize(33, 0);
        test::putBe32(bytes, 16, width);
        test::putBe32(bytes, 20, height);
        bytes[24] = 8;  // bit depth
        bytes[25] = 2;  // colour type RGB
        return bytes;
    }

    // A BITMAPINFOHEADER BMP header for a 24-bit image, without pixel data.
    static Bytes bmpHeader(std::int32_t width, std::int32_t height) {
        Bytes bytes(54, 0);
        bytes[0] = 'B';
        bytes[1] = 'M';
        test::putLe32(bytes, 10, 54);
        test::putLe32(bytes, 14, 40);
        test::putLe32(bytes, 18, static_cast<std::uint32_t>(width));
        test::putLe32(bytes, 22, static_cast<std::uint32_t>(height));
        test::putLe16(bytes, 26, 1);
        test::putLe16(bytes, 28, 24);
        return bytes;
    }

    static std::unique_ptr<TempFolder> s_folder;
};

std::unique_ptr<TempFolder> ImageProbe::s_folder;

TEST_F(ImageProbe, ReadsEveryFormatOpenCvWrites) {
    const cv::Mat image = test::patternBgr(37, 23);  // odd sizes catch swapped or rounded fields
    expectInfo(write("a.jpg", image), ImageFormat::Jpeg, 37, 23);
    expectInfo(write("progressive.jpg", image, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}),
               ImageFormat::Jpeg, 37, 23);
    expectInfo(write("a.png", image), ImageFormat::Png, 37, 23);
    expectInfo(write("a.bmp", image), ImageFormat::Bmp, 37, 23);
    expectInfo(write("lossy.webp", image, {cv::IMWRITE_WEBP_QUALITY, 80}), ImageFormat::Webp, 37,
               23);  // VP8
    expectInfo(write("lossless.webp", image, {cv::IMWRITE_WEBP_QUALITY, 101}), ImageFormat::Webp,
               37, 23);  // VP8L
    expectInfo(write("a.tif", image), ImageFormat::Tiff, 37, 23);
    cv::Mat wide;
    image.convertTo(wide, CV_16U, 257.0);
    expectInfo(write("a16.tif", wide), ImageFormat::Tiff, 37, 23);
    expectInfo(write("a16.png", wide), ImageFormat::Png, 37, 23);
}

TEST_F(ImageProbe, WebpExtendedHeader) {
    // VP8X: an RGBA lossy WebP carries an ALPH chunk, so libwebp writes the extended header.
    cv::Mat bgra;
    cv::cvtColor(test::patternBgr(300, 200), bgra, cv::COLOR_BGR2BGRA);
    bgra(cv::Rect(0, 0, 10, 10)).setTo(cv::Scalar(0, 0, 0, 0));
    const fs::path file = write("alpha.webp", bgra, {cv::IMWRITE_WEBP_QUALITY, 80});
    const Bytes bytes = readFile(file);
    ASSERT_GE(bytes.size(), 16u);
    EXPECT_EQ(std::string(bytes.begin() + 12, bytes.begin() + 16), "VP8X");
    expectInfo(file, ImageFormat::Webp, 300, 200);
}

TEST_F(ImageProbe, ContentDecidesNotExtension) {
    const fs::path png = write("really_a_png.png", test::patternBgr(20, 10));
    const fs::path misnamed = path("misnamed.jpg");
    fs::copy_file(png, misnamed);
    expectInfo(misnamed, ImageFormat::Png, 20, 10);
}

TEST_F(ImageProbe, JpegFrameHeaderBehindLargeSegments) {
    // Two 65533-byte APP2 segments (as a large ICC profile) push SOF0 past the probe's first
    // read; the probe must seek over them instead of giving up or reading everything.
    const Bytes jpeg = [] {
        std::vector<std::uint8_t> encoded;
        cv::imencode(".jpg", test::patternBgr(41, 17), encoded);
        return encoded;
    }();
    Bytes big(jpeg.begin(), jpeg.begin() + 2);  // SOI
    for (int segment = 0; segment < 2; ++segment) {
        const Bytes app2 = {0xFF, 0xE2, 0xFF, 0xFF};
        big.insert(big.end(), app2.begin(), app2.end());
        big.insert(big.end(), 65533, static_cast<std::uint8_t>(segment + 1));
    }
    big.insert(big.end(), jpeg.begin() + 2, jpeg.end());
    const fs::path file = path("big_app2.jpg");
    writeFile(file, big);
    expectInfo(file, ImageFormat::Jpeg, 41, 17);
    EXPECT_GT(fs::file_size(file), 128u * 1024u);
}

TEST_F(ImageProbe, BmpTopDownAndCoreHeader) {
    Bytes topDown = bmpHeader(5, -3);  // negative height: rows stored top to bottom
    topDown.resize(54 + 3 * 16, 0);    // 5 pixels * 3 bytes padded to 16 per row
    writeFile(path("topdown.bmp"), topDown);
    expectInfo(path("topdown.bmp"), ImageFormat::Bmp, 5, 3);

    Bytes core(26, 0);  // BITMAPCOREHEADER (OS/2 1.x): 16-bit unsigned sizes
    core[0] = 'B';
    core[1] = 'M';
    test::putLe32(core, 14, 12);
    test::putLe16(core, 18, 300);
    test::putLe16(core, 20, 200);
    writeFile(path("core.bmp"), core);
    expectInfo(path("core.bmp"), ImageFormat::Bmp, 300, 200);
}

TEST_F(ImageProbe, TiffBothByteOrdersShortAndLong) {
    // Minimal directories: the probe reads ImageWidth/ImageLength in either byte order and type.
    auto tiff = [](bool little, std::uint16_t type, std::uint32_t width, std::uint32_t height) {
        Bytes bytes =
            little ? Bytes{'I', 'I', 42, 0, 8, 0, 0, 0} : Bytes{'M', 'M', 0, 42, 0, 0, 0, 8};
        auto put16 = [&](std::uint32_t v) {
            if (little) {
                bytes.push_back(static_cast<std::uint8_t>(v));
                bytes.push_back(static_cast<std::uint8_t>(v >> 8));
            } else {
                bytes.push_back(static_cast<std::uint8_t>(v >> 8));
                bytes.push_back(static_cast<std::uint8_t>(v));
            }
        };
        auto put32 = [&](std::uint32_t v) {
            if (little) {
                put16(v & 0xFFFF);
                put16(v >> 16);
            } else {
                put16(v >> 16);
                put16(v & 0xFFFF);
            }
        };
        put16(2);
        for (auto [tag, value] : {std::pair{256u, width}, std::pair{257u, height}}) {
            put16(tag);
            put16(type);
            put32(1);
            if (type == 3) {
                put16(value);
                put16(0);
            } else {
                put32(value);
            }
        }
        put32(0);
        return bytes;
    };
    writeFile(path("le_short.tif"), tiff(true, 3, 640, 480));
    writeFile(path("be_short.tif"), tiff(false, 3, 640, 480));
    writeFile(path("le_long.tif"), tiff(true, 4, 70000 / 2, 3));
    writeFile(path("be_long.tif"), tiff(false, 4, 1234, 4321));
    expectInfo(path("le_short.tif"), ImageFormat::Tiff, 640, 480);
    expectInfo(path("be_short.tif"), ImageFormat::Tiff, 640, 480);
    expectInfo(path("le_long.tif"), ImageFormat::Tiff, 35000, 3);
    expectInfo(path("be_long.tif"), ImageFormat::Tiff, 1234, 4321);
    writeFile(path("be_huge.tif"), tiff(false, 4, 100000, 100000));
    expectError(path("be_huge.tif"), "100000x100000 pixels");
}

TEST_F(ImageProbe, RefusesAbsurdDimensionsBeforeAllocating) {
    writeFile(path("huge.png"), pngHeader(100000, 100000));
    expectError(path("huge.png"), "declares 100000x100000 pixels, more than Fovea's limit");
    writeFile(path("huge.bmp"), bmpHeader(100000, -100000));
    expectError(path("huge.bmp"), "100000x100000 pixels");
    // Each side within 65535 but 3.6 GP in all; and one side over the limit with few pixels.
    writeFile(path("square.png"), pngHeader(60000, 60000));
    expectError(path("square.png"), "pixels");
    writeFile(path("wide.png"), pngHeader(65536, 1));
    expectError(path("wide.png"), "pixels");
    writeFile(path("max32.png"), pngHeader(0xFFFFFFFFu, 0xFFFFFFFFu));
    expectError(path("max32.png"), "4294967295x4294967295 pixels");
    // The limits themselves are allowed.
    writeFile(path("limit.png"), pngHeader(65535, 1));
    expectInfo(path("limit.png"), ImageFormat::Png, 65535, 1);
    writeFile(path("limit_area.png"), pngHeader(16000, 8000));
    expectInfo(path("limit_area.png"), ImageFormat::Png, 16000, 8000);
}

TEST_F(ImageProbe, ZeroDimensions) {
    writeFile(path("zero.png"), pngHeader(0, 10));
    expectError(path("zero.png"), "zero width or height");
    writeFile(path("zero.bmp"), bmpHeader(10, 0));
    expectError(path("zero.bmp"), "zero width or height");
}

TEST_F(ImageProbe, BrokenFilesNameTheFileAndTheProblem) {
    expectError(path("does not exist.jpg"), "cannot open");
    fs::create_directories(path("folder.jpg"));
    expectError(path("folder.jpg"), "folder");

    writeFile(path("empty.jpg"), Bytes{});
    expectError(path("empty.jpg"), "empty");

    writeFile(path("notes.jpg"), std::string("these are my holiday notes, not a photo\n"));
    expectError(path("notes.jpg"), "not an image");

    std::mt19937 random(1234);
    Bytes noise(4096);
    for (auto& byte : noise) byte = static_cast<std::uint8_t>(random() & 0xFF);
    noise[0] = 0x00;  // a fixed seed could still start with a magic number; rule it out
    writeFile(path("noise.png"), noise);
    expectError(path("noise.png"), "not an image");

    // Cut inside the header: PNG before the IHDR sizes, JPEG before SOF, BMP, WebP, TIFF.
    Bytes png = pngHeader(10, 10);
    writeFile(path("cut.png"), Bytes(png.begin(), png.begin() + 18));
    expectError(path("cut.png"), "truncated PNG header");
    std::vector<std::uint8_t> jpeg;
    cv::imencode(".jpg", test::patternBgr(16, 16), jpeg);
    writeFile(path("cut.jpg"), Bytes(jpeg.begin(), jpeg.begin() + 25));
    expectError(path("cut.jpg"), "truncated JPEG header");
    writeFile(path("cut.bmp"), Bytes{'B', 'M', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40, 0, 0, 0});
    expectError(path("cut.bmp"), "truncated BMP header");
    writeFile(path("cut.webp"), Bytes{'R', 'I', 'F', 'F', 0,   0, 0, 0, 'W', 'E', 'B',
                                      'P', 'V', 'P', '8', ' ', 0, 0, 0, 0,   0});
    expectError(path("cut.webp"), "truncated WebP header");
    writeFile(path("cut.tif"), Bytes{'I', 'I', 42, 0, 200, 0, 0, 0, 0, 0});
    expectError(path("cut.tif"), "truncated TIFF header");
    writeFile(path("magic_only.jpg"), Bytes{0xFF, 0xD8, 0xFF});
    expectError(path("magic_only.jpg"), "truncated");
}

// Issue 22: a JPEG cut short in its image data has a good header; the probe reads its end so
// that import flags it at once, while data appended after the end-of-image marker (phones'
// motion photos) is accepted.
TEST_F(ImageProbe, AJpegCutShortIsFoundByItsMissingEnd) {
    std::vector<std::uint8_t> jpeg;
    cv::imencode(".jpg", test::patternBgr(64, 48), jpeg);
    writeFile(path("whole.jpg"), Bytes(jpeg.begin(), jpeg.end()));
    EXPECT_TRUE(probeImage(path("whole.jpg")).ok());
    writeFile(path("cut short.jpg"), Bytes(jpeg.begin(), jpeg.begin() + jpeg.size() * 3 / 4));
    expectError(path("cut short.jpg"), "truncated JPEG");
    Bytes motionPhoto(jpeg.begin(), jpeg.end());
    for (int i = 0; i < 5000; ++i) motionPhoto.push_back(static_cast<std::uint8_t>(i * 7));
    writeFile(path("motion photo.jpg"), motionPhoto);
    EXPECT_TRUE(probeImage(path("motion photo.jpg")).ok());
}

TEST_F(ImageProbe, NonAsciiAndSpacesInNames) {
    const fs::path file = path("crème brûlée 猫.png");
    const Bytes png = [] {
        std::vector<std::uint8_t> encoded;
        cv::imencode(".png", test::patternBgr(9, 7), encoded);
        return encoded;
    }();
    writeFile(file, png);
    expectInfo(file, ImageFormat::Png, 9, 7);
    writeFile(path("vide é.png"), Bytes{});
    expectError(path("vide é.png"), "empty");
}

TEST_F(ImageProbe, BytesProbeHandlesNullAndShortInput) {
    EXPECT_FALSE(probeImageBytes(nullptr, 0, "nothing"));
    EXPECT_NE(probeImageBytes(nullptr, 10, "nothing").error().message.find("nothing"),
              std::string::npos);
    const std::uint8_t one[] = {0x89};
    EXPECT_NE(probeImageBytes(one, 1, "one").error().message.find("not an image"),
              std::string::npos);
}

TEST(ImageExtension, CaseInsensitiveKnownList) {
    for (const char* name : {"a.jpg", "a.JPG", "b.jpeg", "c.JPE", "d.png", "e.Bmp", "f.dib",
                             "g.webp", "h.TIF", "i.tiff", "dir.d/j.PnG", "crème 猫.jpg"}) {
        EXPECT_TRUE(hasImageExtension(fs::u8path(name))) << name;
    }
    for (const char* name :
         {"a.gif", "a.txt", "jpg", "a.jpg.txt", "a.", "", ".png.bak", "a.heic"}) {
        EXPECT_FALSE(hasImageExtension(fs::u8path(name))) << name;
    }
}

TEST(ImageFormatName, EveryFormat) {
    EXPECT_STREQ(imageFormatName(ImageFormat::Jpeg), "JPEG");
    EXPECT_STREQ(imageFormatName(ImageFormat::Png), "PNG");
    EXPECT_STREQ(imageFormatName(ImageFormat::Bmp), "BMP");
    EXPECT_STREQ(imageFormatName(ImageFormat::Webp), "WebP");
    EXPECT_STREQ(imageFormatName(ImageFormat::Tiff), "TIFF");
}

}  // namespace
}  // namespace fovea::core
