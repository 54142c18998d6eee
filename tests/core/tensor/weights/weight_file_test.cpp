#include "fovea/core/weights/weight_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <torch/torch.h>

#include "fovea/core/weights/safetensors.h"
#include "weights_test_support.h"

namespace fovea::core {
namespace {

using test::fixture;

// The format comes from the bytes, so each file is copied to a name that says nothing.
std::filesystem::path copyAs(const std::string& source, const std::string& name) {
    const auto file = test::scratchDir("dispatch-" + name) / name;
    std::filesystem::copy_file(fixture(source), file);
    return file;
}

TEST(ReadWeightFile, ReadsAZipPthByContent) {
    const auto result = readWeightFile(copyAs("dtypes_zip.pth", "weights.bin"));
    ASSERT_TRUE(result.ok()) << result.error().message;
    test::expectMatchesPython(result.value(), "dtypes");
}

TEST(ReadWeightFile, ReadsALegacyPthByContent) {
    const auto result = readWeightFile(copyAs("views_legacy.pth", "weights.dat"));
    ASSERT_TRUE(result.ok()) << result.error().message;
    test::expectMatchesPython(result.value(), "views");
}

TEST(ReadWeightFile, ReadsSafetensorsByContent) {
    const auto result = readWeightFile(copyAs("python_written.safetensors", "weights.pth"));
    ASSERT_TRUE(result.ok()) << result.error().message;
    test::expectMatchesPython(result.value(), "python_safetensors");
}

TEST(ReadWeightFile, RefusesMaliciousPickles) {
    const auto result = readWeightFile(fixture("evil_posix_system_zip.pth"));
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message.find("refused pickle global 'posix.system'"),
              std::string::npos)
        << result.error().message;
}

TEST(ReadWeightFile, UnknownContentIsAClearError) {
    const auto dir = test::scratchDir("unknown");
    const auto file = dir / "x.bin";
    test::writeBytes(file, "GIF89a not weights at all");
    const auto result = readWeightFile(file);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message, file.string() + ": not a PyTorch .pth or safetensors file");

    const auto empty = dir / "empty.bin";
    test::writeBytes(empty, "");
    const auto emptyResult = readWeightFile(empty);
    ASSERT_FALSE(emptyResult.ok());
    EXPECT_EQ(emptyResult.error().message,
              empty.string() + ": empty file, not a PyTorch .pth or safetensors file");

    const auto missing = readWeightFile(dir / "absent.bin");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message.rfind((dir / "absent.bin").string() + ": cannot open", 0), 0u)
        << missing.error().message;
}

TEST(ReadWeightFile, BrokenSafetensorsKeepsItsSpecificError) {
    const auto file = test::scratchDir("broken-safetensors") / "model.safetensors";
    std::string bytes(8, '\0');
    bytes[0] = 40;  // header size 40, but the file ends sooner
    test::writeBytes(file, bytes + "{\"a\":");
    const auto result = readWeightFile(file);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message.find("header size 40 exceeds the file"), std::string::npos)
        << result.error().message;
}

}  // namespace
}  // namespace fovea::core
