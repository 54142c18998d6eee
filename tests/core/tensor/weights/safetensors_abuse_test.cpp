// safetensors headers written to make a reader alias, overrun or exhaust memory. Each must be a
// clear error naming the file, found before any tensor memory is allocated. (Plain overlaps,
// gaps and short buffers are in safetensors_test.cpp: SafetensorsMalformed.)

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "fovea/core/weights/safetensors.h"
#include "weights_test_support.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

fs::path writeHeader(const std::string& name, const std::string& header, std::size_t bufferSize) {
    const fs::path file = test::scratchDir("abuse-" + name) / (name + ".safetensors");
    test::writeBytes(file,
                     test::littleEndian64(header.size()) + header + std::string(bufferSize, '\0'));
    return file;
}

void expectError(const fs::path& file, const std::string& problem) {
    const auto result = readSafetensors(file);
    ASSERT_FALSE(result.ok()) << file << " was read; expected: " << problem;
    EXPECT_EQ(result.error().message.rfind(file.string() + ": ", 0), 0u) << result.error().message;
    EXPECT_NE(result.error().message.find(problem), std::string::npos)
        << "message: " << result.error().message << "\nexpected to contain: " << problem;
}

std::string entry(const std::string& name, const std::string& dtype, const std::string& shape,
                  const std::string& begin, const std::string& end) {
    return "\"" + name + "\": {\"dtype\": \"" + dtype + "\", \"shape\": " + shape +
           ", \"data_offsets\": [" + begin + ", " + end + "]}";
}

TEST(SafetensorsAbuse, OffsetsNearTwoToTheSixtyThreeAreOutsideTheBuffer) {
    // 2^63 and 2^64 - 8: differences that look plausible, ends far past the 8-byte buffer.
    expectError(
        writeHeader("end-2e63", "{" + entry("a", "U8", "[2]", "0", "9223372036854775808") + "}", 8),
        "data_offsets [0, 9223372036854775808) outside the 8-byte buffer");
    expectError(
        writeHeader(
            "both-2e63",
            "{" + entry("a", "F32", "[2]", "9223372036854775808", "9223372036854775816") + "}", 8),
        "outside the 8-byte buffer");
    expectError(
        writeHeader(
            "top",
            "{" + entry("a", "F64", "[1]", "18446744073709551608", "18446744073709551615") + "}",
            8),
        "outside the 8-byte buffer");
}

TEST(SafetensorsAbuse, OffsetsBeyondSixtyFourBitsAreNotIntegers) {
    expectError(
        writeHeader("2e64", "{" + entry("a", "U8", "[8]", "0", "18446744073709551616") + "}", 8),
        "data_offsets is not a pair of non-negative integers");
    expectError(writeHeader("float", "{" + entry("a", "U8", "[8]", "0", "8.0") + "}", 8),
                "data_offsets is not a pair of non-negative integers");
    expectError(writeHeader("negative", "{" + entry("a", "U8", "[8]", "-8", "0") + "}", 8),
                "data_offsets is not a pair of non-negative integers");
}

TEST(SafetensorsAbuse, ShapeOfTwoToTheSixtyThreeBytesIsRefusedBeforeAllocating) {
    // The shape's byte count matches its (impossible) offsets exactly.
    expectError(
        writeHeader(
            "exabytes",
            "{" + entry("a", "F32", "[2305843009213693952]", "0", "9223372036854775808") + "}", 8),
        "outside the 8-byte buffer");
    // Dimensions whose product wraps around 2^64 to a small number.
    expectError(
        writeHeader("wrap", "{" + entry("a", "U8", "[4294967296, 4294967296]", "0", "0") + "}", 0),
        "shape too large");
}

TEST(SafetensorsAbuse, TwoTensorsOnTheSameBytesAreRefused) {
    // Aliasing: two names for the same range (a writer of shared weights might do this).
    expectError(writeHeader("alias",
                            "{" + entry("a", "F32", "[2]", "0", "8") + ", " +
                                entry("b", "F32", "[2]", "0", "8") + "}",
                            8),
                "overlaps the bytes of tensor");
    // An empty tensor placed inside another's bytes.
    expectError(writeHeader("empty-inside",
                            "{" + entry("a", "F32", "[2]", "0", "8") + ", " +
                                entry("b", "F32", "[0]", "4", "4") + "}",
                            8),
                "overlaps the bytes of tensor");
}

TEST(SafetensorsAbuse, DeeplyNestedHeaderIsRefusedBeforeParsing) {
    // A few bytes per level, but a parsed JSON value per level: 100 MB of brackets (under the
    // header limit) would become gigabytes of nested arrays.
    const std::string nested(100000, '[');
    expectError(
        writeHeader("nested", "{\"__metadata__\": " + nested + std::string(100000, ']') + "}", 0),
        "nested deeper than");
}

}  // namespace
}  // namespace fovea::core
