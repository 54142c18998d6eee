// The export writers on their own (no Python, no OpenCV): TorchScript reloaded by LibTorch's
// interpreter, .pth read back by Fovea's own reader, ONNX read back as a protobuf.
#include <gtest/gtest.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <torch/script.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "export_fixtures.h"
#include "fovea/core/export/model_export.h"
#include "fovea/core/models/load_state_dict.h"
#include "fovea/core/weights/pth_reader.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

class ExportTest : public testing::Test {
  protected:
    test::TempFolder m_folder{"fovea-export"};
    const std::vector<std::string> m_labels{"cat", "dog \"quoted\"", "öl"};
};

struct Case {
    std::string architecture;
    int size;
};

class TorchScriptExport : public ExportTest, public testing::WithParamInterface<Case> {};

TEST_P(TorchScriptExport, InterpreterMatchesInAppNetwork) {
    auto network = test::smallNetwork(GetParam().architecture, 3, GetParam().size);
    const auto file = m_folder / "model.pt";
    const auto written = writeTorchScript(*network, m_labels, file);
    ASSERT_TRUE(written) << written.error().message;

    torch::jit::Module module = torch::jit::load(file.string());
    const auto input = test::patternInput(2, GetParam().size);
    torch::NoGradGuard noGrad;
    const auto exported = module.forward({input}).toTensor();
    const auto expected = contractProbabilities(*network, input);
    ASSERT_EQ(exported.sizes(), expected.sizes());
    EXPECT_LT((exported - expected).abs().max().item<float>(), 1e-5);
    // The scripted module is not tied to the traced batch size.
    const auto single = module.forward({input.slice(0, 1, 2)}).toTensor();
    EXPECT_LT((single - expected.slice(0, 1, 2)).abs().max().item<float>(), 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Zoo, TorchScriptExport,
                         testing::Values(Case{"resnet18", 64}, Case{"mobilenet_v2", 64},
                                         Case{"mobilenet_v3_small", 64},
                                         Case{"efficientnet_b0", 64}, Case{"inception_v3", 75},
                                         Case{"mobilenet_v2_keras", 64},
                                         Case{"inception_v3_keras", 75}),
                         [](const auto& info) { return info.param.architecture; });

TEST_F(ExportTest, TorchScriptCarriesLabelsAndPreprocessing) {
    auto network = test::smallNetwork("resnet18", 3, 64);
    const auto file = m_folder / "model.pt";
    ASSERT_TRUE(writeTorchScript(*network, m_labels, file));
    torch::jit::ExtraFilesMap extra{{"labels.json", ""}, {"preprocessing.json", ""}};
    torch::jit::Module module = torch::jit::load(file.string(), c10::nullopt, extra);
    EXPECT_EQ(nlohmann::json::parse(extra["labels.json"]).get<std::vector<std::string>>(),
              m_labels);
    EXPECT_EQ(nlohmann::json::parse(extra["preprocessing.json"]).at("crop_size"), 64);
    const auto labels = module.run_method("class_labels").toList();
    ASSERT_EQ(labels.size(), 3u);
    EXPECT_EQ(labels.get(1).toStringRef(), m_labels[1]);
    EXPECT_NE(module.run_method("input_contract").toStringRef().find("[N, 3, 64, 64]"),
              std::string::npos);
}

TEST_F(ExportTest, ExportLeavesTheNetworkAsItWas) {
    auto network = test::smallNetwork("mobilenet_v2", 3, 64);
    network->setFrozenBlocks({"stem", "block0"});
    network->train();
    std::map<std::string, bool> before;
    for (const auto& item : network->named_parameters())
        before[item.key()] = item.value().requires_grad();
    ASSERT_TRUE(writeOnnx(*network, m_labels, m_folder / "model.onnx"));
    EXPECT_TRUE(network->is_training());
    for (const auto& item : network->named_parameters()) {
        EXPECT_EQ(item.value().requires_grad(), before[item.key()]) << item.key();
    }
}

TEST_F(ExportTest, PthReadsBackIntoAFreshNetwork) {
    auto network = test::smallNetwork("efficientnet_b0", 3, 64);
    const auto file = m_folder / "model.pth";
    ASSERT_TRUE(writePth(*network, m_labels, file));
    auto read = readPth(file);
    ASSERT_TRUE(read) << read.error().message;
    auto fresh = createNetwork("efficientnet_b0", 3).value();
    auto loaded = loadStateDict(*fresh, read.value(), file.string());
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(
        loaded.value().loadedTensors,
        static_cast<int64_t>(network->named_parameters().size() + network->named_buffers().size()));
    fresh->setPreprocessing(network->preprocessing());
    fresh->eval();
    const auto input = test::patternInput(1, 64);
    EXPECT_TRUE(
        torch::equal(contractProbabilities(*fresh, input), contractProbabilities(*network, input)));
}

onnx::ModelProto readOnnx(const fs::path& file) {
    std::ifstream stream(file, std::ios::binary);
    onnx::ModelProto model;
    EXPECT_TRUE(model.ParseFromIstream(&stream));
    return model;
}

TEST_F(ExportTest, OnnxPassesTheCheckerAndCarriesMetadata) {
    auto network = test::smallNetwork("mobilenet_v3_small", 3, 64);
    const auto file = m_folder / "model.onnx";
    const auto written = writeOnnx(*network, m_labels, file);
    ASSERT_TRUE(written) << written.error().message;
    const auto model = readOnnx(file);
    EXPECT_NO_THROW(onnx::checker::check_model(model));
    ASSERT_EQ(model.opset_import_size(), 1);
    EXPECT_GE(model.opset_import(0).version(), 13);
    std::map<std::string, std::string> properties;
    for (const auto& property : model.metadata_props())
        properties[property.key()] = property.value();
    EXPECT_EQ(nlohmann::json::parse(properties.at("fovea.labels")).get<std::vector<std::string>>(),
              m_labels);
    EXPECT_EQ(properties.at("fovea.architecture"), "mobilenet_v3_small");
    EXPECT_NE(properties.at("fovea.input_contract").find("[0, 1]"), std::string::npos);
    EXPECT_EQ(model.graph().input(0).name(), "image");
    EXPECT_EQ(model.graph().output(0).name(), "probabilities");
    // Every state-dict tensor the forward pass uses is an initializer under its own name.
    std::set<std::string> initializers;
    for (const auto& each : model.graph().initializer()) initializers.insert(each.name());
    EXPECT_TRUE(initializers.count("features.0.0.weight"));
    EXPECT_TRUE(initializers.count("classifier.3.weight"));
}

// OpenCV 4.9+ rewrites Mul(a, HardSigmoid(b)) with hardswish's alpha and beta into
// HardSwish(b) even when a is not b; mobilenet_v3's squeeze-and-excitation gates must not have
// that shape (OpenCV 4.6 runs both forms right, so the OpenCV test alone misses it there).
TEST_F(ExportTest, OnnxGatesAreNotMistakenForHardswishByOpenCv) {
    auto network = test::smallNetwork("mobilenet_v3_small", 3, 64);
    const auto file = m_folder / "gates.onnx";
    ASSERT_TRUE(writeOnnx(*network, m_labels, file));
    const auto model = readOnnx(file);
    std::map<std::string, std::string> hardswishGateInput;  // output -> input
    for (const auto& node : model.graph().node()) {
        if (node.op_type() != "HardSigmoid") continue;
        for (const auto& attribute : node.attribute()) {
            if (attribute.name() == "alpha" && std::abs(attribute.f() - 1.0f / 6.0f) < 1e-6f)
                hardswishGateInput[node.output(0)] = node.input(0);
        }
    }
    int hardswishes = 0;
    for (const auto& node : model.graph().node()) {
        if (node.op_type() != "Mul") continue;
        for (int i = 0; i < 2; ++i) {
            const auto gate = hardswishGateInput.find(node.input(i));
            if (gate == hardswishGateInput.end()) continue;
            EXPECT_EQ(node.input(1 - i), gate->second) << "Mul " << node.output(0);
            ++hardswishes;
        }
    }
    EXPECT_GT(hardswishes, 0) << "mobilenet_v3 has hardswish activations";
}

TEST_F(ExportTest, UnwritableDestinationIsAnErrorNamingIt) {
    auto network = test::smallNetwork("resnet18", 3, 64);
    const auto file = m_folder / "missing-folder" / "model.onnx";
    for (const auto& result :
         {writeOnnx(*network, m_labels, file), writeTorchScript(*network, m_labels, file),
          writePth(*network, m_labels, file)}) {
        ASSERT_FALSE(result);
        EXPECT_NE(result.error().message.find(file.string()), std::string::npos)
            << result.error().message;
    }
}

}  // namespace
}  // namespace fovea::core
