// Decoding real files: written here by OpenCV, by PIL (make_image_fixtures.py, for what OpenCV
// cannot write, with PIL's pixels as the reference) and Debian's scikit-image sample photos.
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "fovea/core/image/image_decode.h"
#include "image_test_files.h"
#include "png_chunks.h"
#include "progressive_jpeg.h"
#include "run_process.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;
using test::Bytes;
using test::maxAbsDiff;
using test::meanAbsDiff;
using test::readFile;
using test::TempFolder;
using test::writeFile;

// Debian's python has PIL and numpy; a pyenv `python3` earlier on PATH may not.
constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kSkimageData = "/usr/lib/python3/dist-packages/skimage/data";

class ImageDecode : public testing::Test {
  protected:
    static void SetUpTestSuite() {
        s_folder = std::make_unique<TempFolder>("fovea-decode");
        s_fixtures = s_folder->path() / "pil";
        const std::string script =
            test::foveaSourceDir() + "/tests/core/data/image/make_image_fixtures.py";
        const test::ProcessResult run =
            test::runProcess(kPython, {script, s_fixtures.string()}, {}, true);
        s_fixtureStatus = run.exitCode;
        s_fixtureOutput = run.output;
    }
    static void TearDownTestSuite() { s_folder.reset(); }

    // Skips tests that need the PIL fixtures on a machine without PIL (exit 77 from the script).
    static bool needFixtures() {
        if (s_fixtureStatus == 77) {
            return false;
        }
        EXPECT_EQ(s_fixtureStatus, 0) << s_fixtureOutput;
        return s_fixtureStatus == 0;
    }

    static fs::path path(const std::string& name) { return *s_folder / name; }

    static fs::path write(const std::string& name, const cv::Mat& image,
                          const std::vector<int>& params = {}) {
        // imencode + our own write: cv::imwrite would need the native name on every platform.
        std::vector<std::uint8_t> encoded;
        const std::string ext = fs::u8path(name).extension().string();
        EXPECT_TRUE(cv::imencode(ext, image, encoded, params)) << name;
        const fs::path file = path(name);
        writeFile(file, encoded);
        return file;
    }

    static DecodedImage decode(const fs::path& file, const DecodeOptions& options = {}) {
        Result<DecodedImage> decoded = decodeImage(file, options);
        if (!decoded) {
            ADD_FAILURE() << decoded.error().message;
            return {};
        }
        EXPECT_EQ(decoded.value().rgb.type(), CV_8UC3) << file;
        return std::move(decoded).value();
    }

    // A reference written by make_image_fixtures.py (plain 8-bit RGB PNG), as RGB.
    static cv::Mat expected(const std::string& name) {
        const cv::Mat bgr = cv::imread((s_fixtures / (name + ".expected.png")).string());
        EXPECT_FALSE(bgr.empty()) << name;
        return bgr.empty() ? bgr : test::toRgb(bgr);
    }

    static void expectError(const fs::path& file, const std::string& word) {
        const Result<DecodedImage> decoded = decodeImage(file);
        ASSERT_FALSE(decoded) << file << " decoded as " << decoded.value().rgb.cols << "x"
                              << decoded.value().rgb.rows;
        const std::string& message = decoded.error().message;
        EXPECT_NE(message.find(file.string()), std::string::npos) << message;
        EXPECT_NE(message.find(word), std::string::npos) << message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }

    static void expectSameSize(const cv::Mat& a, const cv::Mat& b) {
        ASSERT_EQ(a.cols, b.cols);
        ASSERT_EQ(a.rows, b.rows);
    }

    static std::unique_ptr<TempFolder> s_folder;
    static fs::path s_fixtures;
    static int s_fixtureStatus;
    static std::string s_fixtureOutput;
};

std::unique_ptr<TempFolder> ImageDecode::s_folder;
fs::path ImageDecode::s_fixtures;
int ImageDecode::s_fixtureStatus = -1;
std::string ImageDecode::s_fixtureOutput;

TEST_F(ImageDecode, LosslessFormatsRoundTripExactlyAsRgb) {
    const cv::Mat bgr = test::patternBgr(37, 23);
    const cv::Mat rgb = test::toRgb(bgr);
    for (const auto& [name, params] : std::vector<std::pair<std::string, std::vector<int>>>{
             {"a.png", {}},
             {"a.bmp", {}},
             {"a.tif", {}},
             {"a.webp", {cv::IMWRITE_WEBP_QUALITY, 101}}}) {
        const DecodedImage decoded = decode(write(name, bgr, params));
        expectSameSize(decoded.rgb, rgb);
        EXPECT_EQ(maxAbsDiff(decoded.rgb, rgb), 0) << name;
        EXPECT_EQ(decoded.reduction, 1);
        EXPECT_EQ(decoded.info.width, 37);
        EXPECT_EQ(decoded.info.height, 23);
    }
}

TEST_F(ImageDecode, LossyFormatsCloseToTheOriginal) {
    const cv::Mat bgr = test::patternBgr(64, 48);
    const cv::Mat rgb = test::toRgb(bgr);
    for (const auto& [name, params] : std::vector<std::pair<std::string, std::vector<int>>>{
             {"q95.jpg", {cv::IMWRITE_JPEG_QUALITY, 95}},
             {"progressive.jpg", {cv::IMWRITE_JPEG_QUALITY, 95, cv::IMWRITE_JPEG_PROGRESSIVE, 1}},
             {"lossy.webp", {cv::IMWRITE_WEBP_QUALITY, 95}}}) {
        const DecodedImage decoded = decode(write(name, bgr, params));
        expectSameSize(decoded.rgb, rgb);
        EXPECT_LT(meanAbsDiff(decoded.rgb, rgb), 4.0) << name;
    }
    // Progressive and baseline encode the same coefficients: they decode (nearly) the same.
    const DecodedImage baseline = decode(path("q95.jpg"));
    const DecodedImage progressive = decode(path("progressive.jpg"));
    EXPECT_LE(maxAbsDiff(baseline.rgb, progressive.rgb), 1);
}

// Whether the JPEG's frame header is SOF2 (progressive, Huffman).
bool isProgressiveJpeg(const std::vector<std::uint8_t>& bytes) {
    for (std::size_t i = 2; i + 3 < bytes.size() && bytes[i] == 0xFF;) {
        const std::uint8_t marker = bytes[i + 1];
        if (marker == 0xC2) return true;
        if (marker == 0xC0 || marker == 0xC1 || marker == 0xDA) return false;
        i += 2 + (static_cast<std::size_t>(bytes[i + 2]) << 8 | bytes[i + 3]);
    }
    return false;
}

// A progressive JPEG at 1/8 scale is decoded without its luma AC scans: the pixels must be those
// of OpenCV's full 1/8 decode (cv::IMREAD_REDUCED_COLOR_8, EXIF orientation applied), for
// colour, grey, 4:2:0 and 4:4:4, turned images and real photographs.
TEST_F(ImageDecode, ProgressiveJpegAtOneEighthWithoutLumaAcScansEqualsTheFullDecode) {
    cv::Mat noisy = test::patternBgr(640, 480);
    cv::Mat noise(480, 640, CV_8UC3);
    cv::randu(noise, cv::Scalar::all(0), cv::Scalar::all(40));
    noisy += noise;
    cv::Mat grey;
    cv::cvtColor(noisy, grey, cv::COLOR_BGR2GRAY);
    std::vector<fs::path> files = {
        write("p420.jpg", noisy, {cv::IMWRITE_JPEG_QUALITY, 90, cv::IMWRITE_JPEG_PROGRESSIVE, 1}),
        write("pgrey.jpg", grey, {cv::IMWRITE_JPEG_QUALITY, 90, cv::IMWRITE_JPEG_PROGRESSIVE, 1}),
        write("baseline.jpg", noisy, {cv::IMWRITE_JPEG_QUALITY, 90})};
    if (needFixtures()) {
        for (const char* name :
             {"progressive_exif1.jpg", "progressive_exif6.jpg", "progressive_exif8.jpg"}) {
            files.push_back(s_fixtures / name);
        }
    }
    // Real photographs where the system has them (Debian's mate-backgrounds, some progressive).
    std::error_code error;
    for (const auto& entry : fs::directory_iterator("/usr/share/backgrounds/mate/nature", error)) {
        if (entry.path().extension() == ".jpg") files.push_back(entry.path());
    }
    DecodeOptions eighth;
    eighth.minShorterSide = 48;
    for (const fs::path& file : files) {
        SCOPED_TRACE(file);
        const std::vector<std::uint8_t> bytes = readFile(file);
        const DecodedImage decoded = decode(file, eighth);
        ASSERT_EQ(decoded.reduction, 8) << file;
        const cv::Mat bgr = cv::imdecode(bytes, cv::IMREAD_REDUCED_COLOR_8);
        ASSERT_FALSE(bgr.empty()) << file;
        const cv::Mat expected = test::toRgb(bgr);
        ASSERT_EQ(decoded.rgb.size(), expected.size());
        EXPECT_EQ(maxAbsDiff(decoded.rgb, expected), 0);
        // And it was this path that decoded it, for every progressive file.
        const bool progressive = file.filename() != "baseline.jpg" && isProgressiveJpeg(bytes);
        const auto fast = decodeProgressiveJpegAtOneEighth(bytes, file.string());
        EXPECT_EQ(fast.has_value(), progressive);
        if (fast && fast->ok()) {
            EXPECT_EQ(maxAbsDiff(fast->value(), expected), 0);
        }
    }
}

TEST_F(ImageDecode, SixteenBitScaledToEightBit) {
    const cv::Mat bgr = test::patternBgr(30, 20);
    cv::Mat wide;
    bgr.convertTo(wide, CV_16U, 257.0);                       // v * 257 maps back to exactly v
    wide.at<cv::Vec3w>(19, 29) = cv::Vec3w(128, 65535, 384);  // 0.498 -> 0, 255, 1.494 -> 1
    cv::Mat rgb = test::toRgb(bgr);
    rgb.at<cv::Vec3b>(19, 29) = cv::Vec3b(1, 255, 0);
    for (const char* name : {"wide.png", "wide.tif"}) {
        const DecodedImage decoded = decode(write(name, wide));
        expectSameSize(decoded.rgb, rgb);
        EXPECT_EQ(maxAbsDiff(decoded.rgb, rgb), 0) << name;
    }
    cv::Mat gray16(10, 12, CV_16UC1, cv::Scalar(257 * 200));
    const DecodedImage gray = decode(write("gray16.png", gray16));
    EXPECT_EQ(gray.rgb.at<cv::Vec3b>(5, 5), cv::Vec3b(200, 200, 200));
}

TEST_F(ImageDecode, FloatTiffTakenAsZeroToOne) {
    cv::Mat values(4, 6, CV_32FC3, cv::Scalar(0.5f, 0.0f, 1.0f));  // BGR
    values.at<cv::Vec3f>(0, 0) = cv::Vec3f(-3.0f, 7.0f, 0.2f);     // clamped
    // Uncompressed: OpenCV's default for float TIFF is SGILOG (LogLuv), which mixes channels.
    const DecodedImage decoded =
        decode(write("float.tif", values, {cv::IMWRITE_TIFF_COMPRESSION, 1}));
    EXPECT_EQ(decoded.rgb.at<cv::Vec3b>(1, 1), cv::Vec3b(255, 0, 128));
    EXPECT_EQ(decoded.rgb.at<cv::Vec3b>(0, 0), cv::Vec3b(51, 255, 0));
}

TEST_F(ImageDecode, GrayExpandedToRgb) {
    cv::Mat gray(9, 11, CV_8UC1);
    cv::randu(gray, 0, 256);
    for (const char* name : {"gray.png", "gray.bmp", "gray.tif", "gray.jpg"}) {
        const DecodedImage decoded = decode(write(name, gray, {cv::IMWRITE_JPEG_QUALITY, 100}));
        expectSameSize(decoded.rgb, gray);
        cv::Mat channels[3];
        cv::split(decoded.rgb, channels);
        EXPECT_EQ(maxAbsDiff(channels[0], channels[1]), 0) << name;
        EXPECT_EQ(maxAbsDiff(channels[1], channels[2]), 0) << name;
        EXPECT_LE(maxAbsDiff(channels[0], gray), std::string(name) == "gray.jpg" ? 3 : 0) << name;
    }
}

TEST_F(ImageDecode, AlphaCompositedOnWhite) {
    cv::Mat bgra(4, 5, CV_8UC4);
    for (int x = 0; x < 5; ++x) {
        for (int y = 0; y < 4; ++y) {
            bgra.at<cv::Vec4b>(y, x) =
                cv::Vec4b(static_cast<std::uint8_t>(20 * x), 100, 200,
                          static_cast<std::uint8_t>(std::min(255, 64 * y + x)));
        }
    }
    // out = a*c + (1-a)*255, rounded, per channel; RGB order.
    auto expectedAt = [&](int y, int x) {
        const cv::Vec4b p = bgra.at<cv::Vec4b>(y, x);
        cv::Vec3b out;
        for (int k = 0; k < 3; ++k) {
            const int c = p[2 - k];
            out[k] = static_cast<std::uint8_t>((p[3] * c + (255 - p[3]) * 255 + 127) / 255);
        }
        return out;
    };
    for (const char* name : {"bgra.png", "bgra.webp"}) {
        const DecodedImage decoded = decode(write(name, bgra, {cv::IMWRITE_WEBP_QUALITY, 101}));
        ASSERT_EQ(decoded.rgb.size(), bgra.size()) << name;
        for (int y = 0; y < 4; ++y) {
            for (int x = 0; x < 5; ++x) {
                EXPECT_EQ(decoded.rgb.at<cv::Vec3b>(y, x), expectedAt(y, x))
                    << name << " at " << x << "," << y;
            }
        }
    }
    // Fully transparent pixels are the background whatever colour they store.
    cv::Mat clear(3, 3, CV_8UC4, cv::Scalar(0, 0, 0, 0));
    const DecodedImage decoded = decode(write("clear.png", clear));
    EXPECT_EQ(decoded.rgb.at<cv::Vec3b>(1, 1),
              cv::Vec3b(kAlphaBackgroundRgb[0], kAlphaBackgroundRgb[1], kAlphaBackgroundRgb[2]));
}

TEST_F(ImageDecode, AlphaFixturesMatchPil) {
    if (!needFixtures()) GTEST_SKIP() << "PIL fixtures need /usr/bin/python3 with PIL and numpy";
    // Gray+alpha PNG and palette PNG with tRNS (straight alpha), and an RGBA TIFF, which
    // OpenCV reads through libtiff's premultiplying RGBA interface.
    for (const char* name : {"gray_alpha.png", "palette_trns.png", "rgba.tif"}) {
        const DecodedImage decoded = decode(s_fixtures / name);
        const cv::Mat reference = expected(name);
        expectSameSize(decoded.rgb, reference);
        // PIL's alpha_composite and libtiff's premultiplication round differently by one.
        EXPECT_LE(maxAbsDiff(decoded.rgb, reference), 1) << name;
    }
}

// What the process writes to file descriptor 2 while `work` runs (libpng prints there itself).
template <class Work>
std::string stderrDuring(const fs::path& capture, Work work) {
    std::fflush(stderr);
    const int saved = ::dup(2);
    const int file = ::open(capture.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(file, 2);
    work();
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(file);
    ::close(saved);
    const Bytes bytes = readFile(capture);
    return std::string(bytes.begin(), bytes.end());
}

TEST_F(ImageDecode, BrokenColourProfileDecodesSilently) {
    if (!needFixtures()) GTEST_SKIP() << "PIL fixtures need /usr/bin/python3 with PIL and numpy";
    // Thousands of such files in a dataset made thousands of libpng warnings on stderr.
    DecodedImage decoded;
    const std::string printed =
        stderrDuring(path("stderr.txt"), [&] { decoded = decode(s_fixtures / "bad_profile.png"); });
    EXPECT_EQ(printed, "");
    const cv::Mat reference = expected("bad_profile.png");
    expectSameSize(decoded.rgb, reference);
    EXPECT_EQ(maxAbsDiff(decoded.rgb, reference), 0);
}

TEST(PngChunks, ProfileRemovedWholeAndBrokenFilesLeftAlone) {
    const auto chunk = [](const std::string& type, const Bytes& data) {
        Bytes out = {0, 0, 0, static_cast<std::uint8_t>(data.size())};
        for (const char c : type) out.push_back(static_cast<std::uint8_t>(c));
        out.insert(out.end(), data.begin(), data.end());
        out.insert(out.end(), 4, 0xAB);  // CRC, not checked here
        return out;
    };
    const Bytes signature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    const Bytes header = chunk("IHDR", Bytes(13, 1));
    const Bytes profile = chunk("iCCP", Bytes(7, 2));
    const Bytes pixels = chunk("IDAT", Bytes(5, 3));
    const Bytes end = chunk("IEND", {});
    const auto join = [](std::initializer_list<Bytes> parts) {
        Bytes out;
        for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
        return out;
    };
    const Bytes with = join({signature, header, profile, pixels, end});
    const auto stripped = pngWithoutColourProfile(with.data(), with.size());
    ASSERT_TRUE(stripped);
    EXPECT_EQ(*stripped, join({signature, header, pixels, end}));

    const Bytes without = join({signature, header, pixels, end});
    EXPECT_FALSE(pngWithoutColourProfile(without.data(), without.size()));
    // A chunk length running past the end: nothing is cut, the decoder judges the file.
    Bytes truncated = join({signature, header, profile});
    truncated.resize(truncated.size() - 3);
    EXPECT_FALSE(pngWithoutColourProfile(truncated.data(), truncated.size()));
    // A profile after the image data is not a profile (PNG chunk ordering).
    const Bytes late = join({signature, header, pixels, profile, end});
    EXPECT_FALSE(pngWithoutColourProfile(late.data(), late.size()));
}

TEST_F(ImageDecode, TopDownBmp) {
    // 2x2 24-bit BMP with negative height: the first stored row is the top one.
    Bytes bytes(54 + 2 * 8, 0);
    bytes[0] = 'B';
    bytes[1] = 'M';
    test::putLe32(bytes, 2, static_cast<std::uint32_t>(bytes.size()));
    test::putLe32(bytes, 10, 54);
    test::putLe32(bytes, 14, 40);
    test::putLe32(bytes, 18, 2);
    test::putLe32(bytes, 22, static_cast<std::uint32_t>(-2));
    test::putLe16(bytes, 26, 1);
    test::putLe16(bytes, 28, 24);
    const std::uint8_t pixels[2][6] = {{0, 0, 255, 0, 255, 0}, {255, 0, 0, 255, 255, 255}};  // BGR
    for (int row = 0; row < 2; ++row) std::copy_n(pixels[row], 6, bytes.begin() + 54 + row * 8);
    writeFile(path("topdown.bmp"), bytes);
    const DecodedImage decoded = decode(path("topdown.bmp"));
    ASSERT_EQ(decoded.rgb.size(), cv::Size(2, 2));
    EXPECT_EQ(decoded.rgb.at<cv::Vec3b>(0, 0), cv::Vec3b(255, 0, 0));  // red on top
    EXPECT_EQ(decoded.rgb.at<cv::Vec3b>(1, 1), cv::Vec3b(255, 255, 255));
}

TEST_F(ImageDecode, ExifOrientationAllEightInJpegPngWebp) {
    if (!needFixtures()) GTEST_SKIP() << "PIL fixtures need /usr/bin/python3 with PIL and numpy";
    for (int orientation = 1; orientation <= 8; ++orientation) {
        for (const char* ext : {"jpg", "png", "webp"}) {
            const std::string name = "exif" + std::to_string(orientation) + "." + ext;
            const DecodedImage decoded = decode(s_fixtures / name);
            const cv::Mat reference = expected(name);
            // Stored 64x48; orientations 5..8 turn it to 48x64 when shown.
            EXPECT_EQ(decoded.info.width, 64) << name;
            ASSERT_EQ(decoded.rgb.size(), reference.size()) << name;
            ASSERT_EQ(decoded.rgb.cols, orientation >= 5 ? 48 : 64) << name;
            if (std::string(ext) == "jpg") {
                EXPECT_LE(maxAbsDiff(decoded.rgb, reference), 2) << name;
            } else {
                EXPECT_EQ(maxAbsDiff(decoded.rgb, reference), 0) << name;
            }
        }
    }
}

TEST_F(ImageDecode, TiffOrientationAppliedOnce) {
    if (!needFixtures()) GTEST_SKIP() << "PIL fixtures need /usr/bin/python3 with PIL and numpy";
    for (const char* name : {"tiff_orient3.tif", "tiff_orient6.tif"}) {
        const DecodedImage decoded = decode(s_fixtures / name);
        const cv::Mat reference = expected(name);
        expectSameSize(decoded.rgb, reference);
        EXPECT_EQ(maxAbsDiff(decoded.rgb, reference), 0) << name;
    }
}

TEST_F(ImageDecode, CmykJpegMatchesPil) {
    if (!needFixtures()) GTEST_SKIP() << "PIL fixtures need /usr/bin/python3 with PIL and numpy";
    const DecodedImage decoded = decode(s_fixtures / "cmyk.jpg");
    const cv::Mat reference = expected("cmyk.jpg");
    expectSameSize(decoded.rgb, reference);
    // Both invert Adobe CMYK and multiply by K, rounding differently.
    EXPECT_LE(maxAbsDiff(decoded.rgb, reference), 2);
    EXPECT_LT(meanAbsDiff(decoded.rgb, reference), 1.0);
}

TEST_F(ImageDecode, SkimagePhotosMatchPil) {
    if (!needFixtures()) GTEST_SKIP() << "PIL fixtures need /usr/bin/python3 with PIL and numpy";
    int compared = 0;
    for (const char* name : {"chelsea.png", "coffee.png", "astronaut.png", "rocket.jpg",
                             "motorcycle_left.png", "camera.png"}) {
        const fs::path photo = fs::path(kSkimageData) / name;
        if (!fs::exists(photo)) continue;
        const DecodedImage decoded = decode(photo);
        const cv::Mat reference = expected(std::string("skimage_") + name);
        expectSameSize(decoded.rgb, reference);
        if (std::string(name).find(".jpg") != std::string::npos) {
            // Same libjpeg-turbo here, but allow for a different build or IDCT elsewhere.
            EXPECT_LE(meanAbsDiff(decoded.rgb, reference), 0.5) << name;
            EXPECT_LE(maxAbsDiff(decoded.rgb, reference), 8) << name;
        } else {
            EXPECT_EQ(maxAbsDiff(decoded.rgb, reference), 0) << name;
        }
        ++compared;
    }
    if (compared == 0) GTEST_SKIP() << "python3-skimage sample photos not installed";
}

TEST_F(ImageDecode, ReducedJpegDecode) {
    // A smooth 4000x3000 picture (gradients and a few shapes), as a camera photo downsized.
    cv::Mat big(3000, 4000, CV_8UC3);
    for (int y = 0; y < big.rows; ++y) {
        auto* row = big.ptr<cv::Vec3b>(y);
        for (int x = 0; x < big.cols; ++x) {
            row[x] = cv::Vec3b(static_cast<std::uint8_t>(x * 255 / 3999),
                               static_cast<std::uint8_t>(y * 255 / 2999),
                               static_cast<std::uint8_t>((x + y) % 256));
        }
    }
    cv::circle(big, {1200, 900}, 500, cv::Scalar(20, 30, 240), -1);
    cv::rectangle(big, cv::Rect(2500, 1800, 1000, 700), cv::Scalar(240, 240, 240), -1);
    const fs::path file = write("big 4000x3000.jpg", big, {cv::IMWRITE_JPEG_QUALITY, 90});

    const DecodedImage full = decode(file, DecodeOptions{0});
    EXPECT_EQ(full.reduction, 1);
    EXPECT_EQ(full.rgb.size(), cv::Size(4000, 3000));

    struct Case {
        int minShorterSide;
        int reduction;
    };
    // 3000 / 8 = 375 is the edge of 1/8; 3000 / 2 = 1500 the edge of any reduction.
    for (const Case& c :
         {Case{224, 8}, Case{375, 8}, Case{376, 4}, Case{1000, 2}, Case{1500, 2}, Case{1501, 1}}) {
        const DecodedImage decoded = decode(file, DecodeOptions{c.minShorterSide});
        EXPECT_EQ(decoded.reduction, c.reduction) << c.minShorterSide;
        EXPECT_EQ(decoded.rgb.size(), cv::Size(4000 / c.reduction, 3000 / c.reduction))
            << c.minShorterSide;
        EXPECT_GE(std::min(decoded.rgb.cols, decoded.rgb.rows), std::min(c.minShorterSide, 3000));
        EXPECT_EQ(decoded.info.width, 4000);
        if (c.reduction > 1 && c.minShorterSide < 1000) {
            cv::Mat shrunk;
            cv::resize(full.rgb, shrunk, decoded.rgb.size(), 0, 0, cv::INTER_AREA);
            EXPECT_LT(meanAbsDiff(decoded.rgb, shrunk), 3.0) << c.minShorterSide;
        }
    }
    // Options affect JPEG only: a PNG is always decoded at full size.
    const DecodedImage png =
        decode(write("small.png", test::patternBgr(800, 600)), DecodeOptions{100});
    EXPECT_EQ(png.reduction, 1);
    EXPECT_EQ(png.rgb.size(), cv::Size(800, 600));
}

TEST_F(ImageDecode, ReducedDecodeKeepsExifOrientation) {
    if (!needFixtures()) GTEST_SKIP() << "PIL fixtures need /usr/bin/python3 with PIL and numpy";
    // The fixture is 64x48, stored with orientation 6: at 1/2 it shows as 24x32.
    const DecodedImage decoded = decode(s_fixtures / "exif6.jpg", DecodeOptions{20});
    EXPECT_EQ(decoded.reduction, 2);
    EXPECT_EQ(decoded.rgb.size(), cv::Size(24, 32));
    cv::Mat shrunk;
    cv::resize(expected("exif6.jpg"), shrunk, decoded.rgb.size(), 0, 0, cv::INTER_AREA);
    EXPECT_LT(meanAbsDiff(decoded.rgb, shrunk), 12.0);
}

TEST_F(ImageDecode, NonAsciiAndSpacesInNames) {
    const cv::Mat bgr = test::patternBgr(21, 13);
    for (const char* name : {"crème brûlée 猫.png", "a b c.jpg", "ünïcødé 写真.webp"}) {
        const DecodedImage decoded = decode(write(name, bgr, {cv::IMWRITE_WEBP_QUALITY, 101}));
        EXPECT_EQ(decoded.rgb.size(), bgr.size()) << name;
    }
    const fs::path text = path("notes crème 猫.jpg");
    writeFile(text, std::string("not an image"));
    expectError(text, "not an image");
}

TEST_F(ImageDecode, ContentDecidesNotExtension) {
    const cv::Mat bgr = test::patternBgr(21, 13);
    const fs::path png = write("png named.png", bgr);
    fs::copy_file(png, path("png named.jpg"));
    const DecodedImage decoded = decode(path("png named.jpg"));
    EXPECT_EQ(decoded.info.format, ImageFormat::Png);
    EXPECT_EQ(maxAbsDiff(decoded.rgb, test::toRgb(bgr)), 0);
}

TEST_F(ImageDecode, BrokenFilesAreErrorsNamingTheFile) {
    writeFile(path("zero.jpg"), Bytes{});
    expectError(path("zero.jpg"), "empty");
    expectError(path("missing.png"), "cannot open");
    writeFile(path("text.jpg"), std::string("GIF? no: plain text pretending to be a photo\n"));
    expectError(path("text.jpg"), "not an image");

    std::mt19937 random(99);
    Bytes noise(10000);
    for (auto& byte : noise) byte = static_cast<std::uint8_t>(random() & 0xFF);
    noise[0] = 0x00;
    writeFile(path("noise.webp"), noise);
    expectError(path("noise.webp"), "not an image");

    const cv::Mat bgr = test::patternBgr(160, 120);
    const Bytes jpeg = readFile(write("whole.jpg", bgr));
    writeFile(path("half.jpg"), Bytes(jpeg.begin(), jpeg.begin() + jpeg.size() / 2));
    expectError(path("half.jpg"), "truncated");
    const Bytes progressive =
        readFile(write("whole_progressive.jpg", bgr, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}));
    writeFile(path("half progressive.jpg"),
              Bytes(progressive.begin(), progressive.begin() + progressive.size() / 2));
    expectError(path("half progressive.jpg"), "truncated");

    // An embedded thumbnail (here an APP1 segment holding FF D9) ends with EOI too; only an
    // EOI after the main image's first scan counts.
    Bytes withThumbnail(jpeg.begin(), jpeg.begin() + 2);
    const Bytes app1 = {0xFF, 0xE1, 0x00, 0x08, 'E', 'x', 0xFF, 0xD8, 0xFF, 0xD9};
    withThumbnail.insert(withThumbnail.end(), app1.begin(), app1.end());
    withThumbnail.insert(withThumbnail.end(), jpeg.begin() + 2, jpeg.begin() + jpeg.size() / 2);
    writeFile(path("half with thumbnail.jpg"), withThumbnail);
    expectError(path("half with thumbnail.jpg"), "truncated");

    const Bytes png = readFile(write("whole.png", bgr));
    writeFile(path("half.png"), Bytes(png.begin(), png.begin() + png.size() / 2));
    expectError(path("half.png"), "truncated");

    const Bytes webp = readFile(write("whole.webp", bgr, {cv::IMWRITE_WEBP_QUALITY, 90}));
    writeFile(path("half.webp"), Bytes(webp.begin(), webp.begin() + webp.size() / 2));
    expectError(path("half.webp"), "truncated");

    // Headers declaring absurd sizes are refused by the probe, before any decoder runs.
    Bytes hugePng = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    hugePng.resize(33, 0);
    test::putBe32(hugePng, 16, 100000);
    test::putBe32(hugePng, 20, 100000);
    hugePng[24] = 8;
    hugePng[25] = 6;
    writeFile(path("huge.png"), hugePng);
    expectError(path("huge.png"), "100000x100000 pixels");
    Bytes hugeBmp = readFile(write("small.bmp", bgr));
    test::putLe32(hugeBmp, 18, 100000);
    test::putLe32(hugeBmp, 22, 100000);
    writeFile(path("huge.bmp"), hugeBmp);
    expectError(path("huge.bmp"), "pixels");
}

TEST_F(ImageDecode, UnusualButCompleteJpegs) {
    // Phones append data after EOI (a motion-photo video, padding); the picture is complete.
    Bytes jpeg = readFile(write("tail.jpg", test::patternBgr(40, 30)));
    const Bytes tail(5000, 0x42);
    jpeg.insert(jpeg.end(), tail.begin(), tail.end());
    writeFile(path("tail.jpg"), jpeg);
    EXPECT_EQ(decode(path("tail.jpg")).rgb.size(), cv::Size(40, 30));

    // Stray bytes between segments: libjpeg skips them with a warning, so must the EOI check.
    Bytes stray = readFile(write("stray.jpg", test::patternBgr(40, 30)));
    const Bytes sos = {0xFF, 0xDA};
    const auto at = std::search(stray.begin() + 2, stray.end(), sos.begin(), sos.end());
    ASSERT_NE(at, stray.end());
    stray.insert(at, {0x12, 0x34, 0x56});
    writeFile(path("stray.jpg"), stray);
    EXPECT_EQ(decode(path("stray.jpg")).rgb.size(), cv::Size(40, 30));
}

TEST_F(ImageDecode, CorruptScanDataDecodesOrFailsButNeverCrashes) {
    const cv::Mat bgr = test::patternBgr(160, 120);
    Bytes jpeg = readFile(write("corrupt.jpg", bgr));
    std::mt19937 random(5);
    // Overwrite a stretch in the middle of the entropy-coded data, leaving EOI intact.
    for (std::size_t i = jpeg.size() / 2; i < jpeg.size() / 2 + 200; ++i) {
        jpeg[i] = static_cast<std::uint8_t>(random() & 0xFF);
    }
    writeFile(path("corrupt.jpg"), jpeg);
    const Result<DecodedImage> decoded = decodeImage(path("corrupt.jpg"));
    if (decoded) {
        EXPECT_EQ(decoded.value().rgb.size(), bgr.size());
    } else {
        EXPECT_NE(decoded.error().message.find(path("corrupt.jpg").string()), std::string::npos);
    }
}

TEST_F(ImageDecode, MutatedFilesNeverThrowOrCrash) {
    // Cuts at many points and random byte flips of every format, fixed seed: decodeImage must
    // return a value or an Error each time, whatever the decoder libraries make of the bytes.
    const cv::Mat bgr = test::patternBgr(48, 32);
    cv::Mat wide;
    bgr.convertTo(wide, CV_16U, 257.0);
    std::mt19937 random(2024);
    int errors = 0;
    int decoded = 0;
    for (const auto& [name, image] :
         std::vector<std::pair<std::string, cv::Mat>>{{"m.jpg", bgr},
                                                      {"m.png", bgr},
                                                      {"m.bmp", bgr},
                                                      {"m.webp", bgr},
                                                      {"m.tif", bgr},
                                                      {"m16.tif", wide}}) {
        const Bytes original = readFile(write(name, image));
        for (int trial = 0; trial < 40; ++trial) {
            Bytes bytes = original;
            if (trial % 2 == 0) {
                bytes.resize(
                    std::uniform_int_distribution<std::size_t>(1, bytes.size() - 1)(random));
            } else {
                for (int flips = 0; flips < 8; ++flips) {
                    const auto at =
                        std::uniform_int_distribution<std::size_t>(0, bytes.size() - 1)(random);
                    bytes[at] = static_cast<std::uint8_t>(random() & 0xFF);
                }
            }
            const fs::path file = path("mutant_" + std::to_string(trial) + "_" + name);
            writeFile(file, bytes);
            Result<DecodedImage> result = Error{};
            EXPECT_NO_THROW(result = decodeImage(file, DecodeOptions{trial % 3 == 0 ? 10 : 0}));
            if (result) {
                ++decoded;
                EXPECT_EQ(result.value().rgb.type(), CV_8UC3);
                EXPECT_FALSE(result.value().rgb.empty());
            } else {
                ++errors;
                EXPECT_NE(result.error().message.find(file.string()), std::string::npos)
                    << result.error().message;
            }
        }
    }
    EXPECT_GT(errors, 0);
    EXPECT_GT(decoded, 0);
}

}  // namespace
}  // namespace fovea::core
