#include "weights_test_support.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "run_process.h"
#include "temp_folder.h"

namespace fovea::test {
namespace {

std::unique_ptr<TempFolder> gFixtures;

// Runs the Python generator once for the whole program: importing torch and building
// resnet18 takes seconds, so each test reading its own copy would be far too slow.
class WeightFixtures : public ::testing::Environment {
  public:
    void SetUp() override {
        // Before creating anything: a missing FOVEA_SOURCE_DIR throws, and gtest then skips
        // TearDown.
        const std::string script = testSourceFile("make_pth_fixtures.py").string();
        gFixtures = std::make_unique<TempFolder>("fovea-weights");
        // Traversable by others: one atomic-write test drops root privileges in a child.
        ::chmod(gFixtures->path().c_str(), 0755);
        const auto result = runProcess(kPython, {script, gFixtures->path().string()}, {}, true);
        ASSERT_EQ(result.exitCode, 0) << "make_pth_fixtures.py failed:\n" << result.output;
    }

    void TearDown() override { gFixtures.reset(); }
};

[[maybe_unused]] ::testing::Environment* const kFixtures =
    ::testing::AddGlobalTestEnvironment(new WeightFixtures);

torch::Dtype dtypeFromPython(const std::string& name) {
    static const std::map<std::string, torch::Dtype> kNames = {
        {"float32", torch::kFloat32},   {"float64", torch::kFloat64}, {"float16", torch::kFloat16},
        {"bfloat16", torch::kBFloat16}, {"int64", torch::kInt64},     {"int32", torch::kInt32},
        {"int16", torch::kInt16},       {"int8", torch::kInt8},       {"uint8", torch::kUInt8},
        {"bool", torch::kBool},
    };
    const auto found = kNames.find(name);
    if (found == kNames.end()) throw std::runtime_error("unknown dtype in expected.json: " + name);
    return found->second;
}

}  // namespace

const std::filesystem::path& fixtureDir() { return gFixtures->path(); }

std::filesystem::path fixture(const std::string& name) { return fixtureDir() / name; }

std::filesystem::path scratchDir(const std::string& name) {
    const auto dir = fixtureDir() / ("scratch-" + name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

std::filesystem::path testSourceFile(const std::string& name) {
    const char* source = std::getenv("FOVEA_SOURCE_DIR");
    if (!source) throw std::runtime_error("FOVEA_SOURCE_DIR is not set; run the tests via ctest");
    return std::filesystem::path(source) / "tests" / "core" / "tensor" / "weights" / name;
}

std::string readBytes(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
}

void writeBytes(const std::filesystem::path& file, const std::string& bytes) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

std::string littleEndian64(std::uint64_t value) {
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
    return bytes;
}

void expectMatchesPython(const core::StateDict& actual, const std::string& setName) {
    const auto index = nlohmann::json::parse(readBytes(fixture("expected.json")));
    ASSERT_TRUE(index.contains(setName)) << setName;
    const auto& set = index.at(setName);
    const std::string data = readBytes(fixture(set.at("bin").get<std::string>()));
    const auto& expected = set.at("tensors");
    ASSERT_EQ(actual.size(), expected.size()) << setName;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const auto& want = expected[i];
        const auto& item = actual.items()[i];
        const std::string name = want.at("name").get<std::string>();
        SCOPED_TRACE(setName + " entry " + std::to_string(i) + " '" + name + "'");
        EXPECT_EQ(item.key(), name);
        const torch::Tensor& tensor = item.value();
        ASSERT_TRUE(tensor.defined());
        EXPECT_EQ(tensor.device().type(), torch::kCPU);
        ASSERT_EQ(tensor.scalar_type(), dtypeFromPython(want.at("dtype").get<std::string>()));
        ASSERT_EQ(tensor.sizes().vec(), want.at("shape").get<std::vector<std::int64_t>>());
        const auto offset = want.at("offset").get<std::size_t>();
        const auto nbytes = want.at("nbytes").get<std::size_t>();
        const torch::Tensor contiguous = tensor.contiguous();
        ASSERT_EQ(static_cast<std::size_t>(contiguous.nbytes()), nbytes);
        ASSERT_LE(offset + nbytes, data.size());
        if (nbytes == 0) continue;
        EXPECT_EQ(std::memcmp(contiguous.data_ptr(), data.data() + offset, nbytes), 0)
            << "values differ from what Python saved";
    }
}

}  // namespace fovea::test
