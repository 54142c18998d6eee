// The offline default: fovea-cli converts the nsfwjs npm package into safetensors, and the
// default recipe starts from it with the ImageNet blocks frozen and a new head.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "fovea/core/weights/safetensors.h"
#include "fovea/core/weights_import/offline_default.h"
#include "run_process.h"
#include "temp_folder.h"

namespace fovea::test {
namespace {

namespace fs = std::filesystem;

class OfflineWeights : public testing::Test {
  protected:
    void SetUp() override {
        const char* prefix = std::getenv("FOVEA_NSFWJS_DIR");
        if (!prefix || !*prefix) GTEST_SKIP() << "FOVEA_NSFWJS_DIR is not set";
        m_prefix = prefix;
    }

    ProcessResult prepare(const fs::path& npm, const fs::path& folder) {
        return runProcess(foveaBinary("fovea-cli"),
                          {"prepare-offline-weights", "--npm-dir", npm.string(), "--out-dir",
                           folder.string(), "--json"});
    }

    fs::path m_prefix;
    TempFolder m_folder{"fovea-offline"};
};

TEST_F(OfflineWeights, CliConvertsOnceAndTheRecipeFreezesTheImageNetBlocks) {
    const fs::path file = m_folder / "mobilenet_v2_keras-nsfwjs.safetensors";
    const auto first = prepare(m_prefix, m_folder.path());
    ASSERT_EQ(first.exitCode, 0) << first.output;
    const auto report = nlohmann::json::parse(first.output);
    EXPECT_EQ(report.at("converted"), true);
    EXPECT_EQ(report.at("files").size(), 2u);
    const auto again = prepare(m_prefix, m_folder.path());
    ASSERT_EQ(again.exitCode, 0) << again.output;
    EXPECT_EQ(nlohmann::json::parse(again.output).at("converted"), false);

    auto stored = core::readSafetensors(file);
    ASSERT_TRUE(stored) << stored.error().message;
    EXPECT_EQ(stored.value().metadata.at("fovea.labels"),
              R"(["Drawing","Hentai","Neutral","Porn","Sexy"])");

    auto loaded = core::loadOfflineDefaultNetwork(3, file);
    ASSERT_TRUE(loaded) << loaded.error().message;
    core::NetworkPtr network = loaded.value();
    std::set<std::string> expectedFrozen{"stem"};
    for (int block = 0; block <= 10; ++block)
        expectedFrozen.insert("block" + std::to_string(block));
    EXPECT_EQ(network->frozenBlocks(), expectedFrozen);
    // The backbone holds the converted values; the head is new, for 3 classes.
    EXPECT_TRUE(torch::equal(network->named_parameters()["features.0.0.weight"],
                             *stored.value().tensors.find("features.0.0.weight")));
    torch::NoGradGuard noGrad;
    network->eval();
    EXPECT_EQ(network->forward(torch::rand({1, 3, 224, 224})).sizes(),
              (std::vector<int64_t>{1, 3}));
    const auto counts = core::countParameters(*network);
    EXPECT_GT(counts.trainable, 0);
    EXPECT_LT(counts.trainable, counts.total);

    // The converted InceptionV3 follows the same recipe, frozen through Mixed_6c (Keras mixed5).
    auto inception =
        core::loadOfflineDefaultNetwork(2, m_folder / "inception_v3_keras-nsfwjs.safetensors");
    ASSERT_TRUE(inception) << inception.error().message;
    EXPECT_EQ(inception.value()->architecture(), "inception_v3_keras");
    EXPECT_TRUE(inception.value()->frozenBlocks().count("Mixed_6c"));
    EXPECT_FALSE(inception.value()->frozenBlocks().count("Mixed_6d"));
    EXPECT_EQ(inception.value()->numClasses(), 2);
}

TEST_F(OfflineWeights, MissingPackageIsBadDataNamingTheFolder) {
    const auto result = prepare(m_folder / "no-npm-here", m_folder / "out");
    EXPECT_EQ(result.exitCode, 3);
    EXPECT_NE(result.output.find("no-npm-here"), std::string::npos) << result.output;
    EXPECT_FALSE(fs::exists(m_folder / "out" / "mobilenet_v2_keras-nsfwjs.safetensors"));

    auto missing = core::loadOfflineDefaultNetwork(2, m_folder / "absent.safetensors");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("prepare-offline-weights"), std::string::npos);
}

}  // namespace
}  // namespace fovea::test
