// The parity gate around every export (fovea/core/session/export_model.h): each format of the
// three architectures CI must cover passes it and lands at its destination; a file that does
// not compute what the model computes fails it, loudly, and leaves nothing behind.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "export_fixtures.h"
#include "fovea/core/session/export_model.h"
#include "fovea/core/session/export_parity.h"
#include "fovea/core/session/model_bundle.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

class ExportGate : public testing::Test {
  protected:
    static TrainedModel model(const std::string& architecture) {
        return TrainedModel{test::smallNetwork(architecture, 3, 64), {"a", "b", "c"}, {}};
    }
    test::TempFolder m_folder{"fovea-gate"};
};

TEST_F(ExportGate, EveryFormatOfTheRequiredArchitecturesPasses) {
    for (const char* architecture : {"resnet18", "mobilenet_v2", "efficientnet_b0"}) {
        const TrainedModel trained = model(architecture);
        for (const ExportFormat format : allExportFormats()) {
            SCOPED_TRACE(std::string(architecture) + " " + exportFormatName(format));
            const fs::path file =
                m_folder / (std::string(architecture) + exportFileExtension(format));
            auto exported = exportModelFile(trained, format, file, {});
            ASSERT_TRUE(exported) << exported.error().message;
            const ParityReport& parity = exported.value().parity;
            EXPECT_TRUE(parity.passed);
            EXPECT_EQ(parity.inputs, "random inputs");  // no images given
            EXPECT_EQ(parity.compared, 16);
            EXPECT_EQ(parity.agreement, 1.0);
            EXPECT_LE(parity.maxProbabilityDifference, kParityMaxProbabilityDifference);
            EXPECT_TRUE(fs::is_regular_file(file));
        }
    }
    // Only the exported files are left: no staging files.
    int files = 0;
    for (const auto& entry : fs::directory_iterator(m_folder.path())) {
        EXPECT_NE(entry.path().filename().string()[0], '.') << entry.path();
        ++files;
    }
    EXPECT_EQ(files, 12);
}

TEST_F(ExportGate, AFileThatComputesSomethingElseFails) {
    // The file holds another network (other weights); the gate compares it with `trained`.
    const TrainedModel trained = model("resnet18");
    TrainedModel other = model("resnet18");
    torch::manual_seed(99);
    {
        torch::NoGradGuard noGrad;
        for (auto& parameter : other.network->parameters()) parameter.normal_(0, 0.5);
    }
    const torch::Tensor inputs = test::patternInput(4, 64);
    for (const ExportFormat format : {ExportFormat::Onnx, ExportFormat::TorchScript}) {
        SCOPED_TRACE(exportFormatName(format));
        const fs::path file = m_folder / (std::string("other") + exportFileExtension(format));
        ASSERT_TRUE(exportModelFile(other, format, file, {}));
        auto parity = checkExportParity(trained, format, file, inputs);
        ASSERT_TRUE(parity) << parity.error().message;
        EXPECT_FALSE(parity.value().passed);
        EXPECT_GT(parity.value().maxProbabilityDifference, kParityMaxProbabilityDifference);
    }
}

TEST_F(ExportGate, BundleHoldsFilesLabelsPreprocessingAndCard) {
    const TrainedModel trained = model("mobilenet_v2");
    ModelCardFacts facts;
    facts.name = "gate test";
    std::vector<std::string> steps;
    auto bundle =
        writeModelBundle(trained, {ExportFormat::Onnx}, m_folder / "bundle", {}, facts,
                         [&](std::size_t done, std::size_t total, const std::string& next) {
                             EXPECT_EQ(done, steps.size());
                             EXPECT_EQ(total, 3u);
                             steps.push_back(next);
                             return true;
                         });
    ASSERT_TRUE(bundle) << bundle.error().message;
    ASSERT_EQ(steps.size(), 3u);
    EXPECT_EQ(steps[0].rfind("model.safetensors: ", 0), 0u) << steps[0];
    EXPECT_EQ(steps[1].rfind("model.onnx: ", 0), 0u) << steps[1];
    ASSERT_EQ(bundle.value().files.size(), 2u);  // model.safetensors always, then ONNX
    for (const char* name : {"model.safetensors", "model.onnx", "labels.json", "preprocessing.json",
                             "parity.json", "README.md"}) {
        EXPECT_TRUE(fs::is_regular_file(m_folder / "bundle" / name)) << name;
    }
    const std::string card = renderModelCard(trained, bundle.value().files, facts);
    EXPECT_NE(card.find("# Model card: gate test"), std::string::npos);
    EXPECT_NE(card.find("mobilenet_v2"), std::string::npos);
    EXPECT_NE(card.find("OpenCV"), std::string::npos);
}

std::string bytesOf(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_F(ExportGate, ACancelledBundleLeavesTheEarlierOneAsItWas) {
    const TrainedModel trained = model("mobilenet_v2");
    const fs::path folder = m_folder / "bundle";
    // The first time: nothing written at all.
    auto first = writeModelBundle(
        trained, {ExportFormat::Onnx}, folder, {}, ModelCardFacts{},
        [](std::size_t done, std::size_t, const std::string&) { return done < 1; });
    ASSERT_FALSE(first);
    EXPECT_EQ(first.error().message, "cancelled");
    EXPECT_TRUE(fs::is_empty(folder));

    // A whole bundle with TorchScript, then a re-export with ONNX cancelled before its card:
    // every file of the first bundle is still there, unchanged, and nothing of the second.
    ASSERT_TRUE(writeModelBundle(trained, {ExportFormat::TorchScript}, folder, {}, {}));
    std::map<std::string, std::string> before;
    for (const auto& entry : fs::directory_iterator(folder)) {
        before[entry.path().filename().string()] = bytesOf(entry.path());
    }
    ASSERT_TRUE(before.count("model.pt") && before.count("README.md"));
    auto second = writeModelBundle(
        trained, {ExportFormat::Onnx}, folder, {}, ModelCardFacts{},
        [](std::size_t done, std::size_t, const std::string&) { return done < 2; });
    ASSERT_FALSE(second);
    std::map<std::string, std::string> after;
    for (const auto& entry : fs::directory_iterator(folder)) {
        after[entry.path().filename().string()] = bytesOf(entry.path());
    }
    EXPECT_EQ(after, before);
    for (const auto& entry : fs::directory_iterator(m_folder.path())) {
        EXPECT_EQ(entry.path().filename().string().find(".partial"), std::string::npos)
            << entry.path();
    }

    // Done whole, the ONNX bundle replaces the TorchScript one: no model.pt is left behind.
    ASSERT_TRUE(writeModelBundle(trained, {ExportFormat::Onnx}, folder, {}, {}));
    EXPECT_TRUE(fs::is_regular_file(folder / "model.onnx"));
    EXPECT_FALSE(fs::exists(folder / "model.pt"));
}

}  // namespace
}  // namespace fovea::core
