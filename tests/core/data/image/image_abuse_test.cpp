// Tiny files whose headers declare gigapixels (tens of GB as RGB) in the formats whose decode
// path had no such test. decodeImage must refuse them with an error naming the file, before a
// decoder allocates anything for the pixels. (PNG and BMP: image_decode_test.cpp,
// BrokenFilesAreErrorsNamingTheFile.)

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <filesystem>
#include <string>

#include "fovea/core/image/image_decode.h"
#include "image_test_files.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;
using test::Bytes;

long peakMiB() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024;
}

void expectRefusedWithoutAllocating(const fs::path& file, const std::string& size) {
    const long before = peakMiB();
    const auto decoded = decodeImage(file);
    ASSERT_FALSE(decoded.ok()) << file << " decoded to " << decoded.value().rgb.cols << "x"
                               << decoded.value().rgb.rows;
    const std::string& message = decoded.error().message;
    EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    EXPECT_NE(message.find("declares " + size + " pixels"), std::string::npos) << message;
    EXPECT_LT(peakMiB() - before, 16) << "decoding " << file << " allocated memory";
}

void putBe16(Bytes& bytes, std::size_t at, unsigned value) {
    bytes[at] = static_cast<std::uint8_t>(value >> 8);
    bytes[at + 1] = static_cast<std::uint8_t>(value);
}

void putLe24(Bytes& bytes, std::size_t at, unsigned value) {
    for (int i = 0; i < 3; ++i) bytes[at + i] = static_cast<std::uint8_t>(value >> (8 * i));
}

class ImageAbuse : public testing::Test {
  protected:
    test::TempFolder m_folder{"image-abuse"};
};

TEST_F(ImageAbuse, JpegDeclaringFourGigapixelsIsRefusedBeforeDecoding) {
    // SOF0 holds 16-bit sizes: 65000 x 65000 is the most a JPEG can declare.
    Bytes jpeg = {0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 8, 0,    0, 0,    0,   3,
                  1,    0x22, 0,    2,    0x11, 1,    3, 0x11, 1, 0xFF, 0xD9};
    putBe16(jpeg, 7, 65000);  // height
    putBe16(jpeg, 9, 65000);  // width
    test::writeFile(m_folder / "huge.jpg", jpeg);
    expectRefusedWithoutAllocating(m_folder / "huge.jpg", "65000x65000");
}

TEST_F(ImageAbuse, WebpDeclaringTenGigapixelsIsRefusedBeforeDecoding) {
    // Extended format (VP8X): the canvas size is stored minus one in 24 bits.
    Bytes webp = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8',
                  'X', 10,  0,   0,   0, 0, 0, 0, 0,   0,   0,   0,   0,   0,   0};
    test::putLe32(webp, 4, static_cast<std::uint32_t>(webp.size() - 8));
    putLe24(webp, 24, 100000 - 1);
    putLe24(webp, 27, 100000 - 1);
    test::writeFile(m_folder / "huge.webp", webp);
    expectRefusedWithoutAllocating(m_folder / "huge.webp", "100000x100000");
}

TEST_F(ImageAbuse, TiffDeclaringTenGigapixelsIsRefusedBeforeDecoding) {
    // Little endian, one IFD with ImageWidth and ImageLength as LONG.
    Bytes tiff = {'I', 'I', 42, 0, 8, 0, 0, 0, 2, 0};
    const auto entry = [&](unsigned tag, std::uint32_t value) {
        Bytes e(12, 0);
        test::putLe16(e, 0, tag);
        test::putLe16(e, 2, 4);  // LONG
        test::putLe32(e, 4, 1);
        test::putLe32(e, 8, value);
        tiff.insert(tiff.end(), e.begin(), e.end());
    };
    entry(256, 100000);
    entry(257, 100000);
    tiff.insert(tiff.end(), {0, 0, 0, 0});
    test::writeFile(m_folder / "huge.tif", tiff);
    expectRefusedWithoutAllocating(m_folder / "huge.tif", "100000x100000");
}

}  // namespace
}  // namespace fovea::core
