// Detection backbones from classification weights against torchvision itself: Debian's
// python3-torchvision saves a mobilenet_v3_large and a resnet50 with fixed random weights as its
// ImageNet downloads are saved, and builds fasterrcnn_mobilenet_v3_large_fpn and
// fasterrcnn_resnet50_fpn from them through weights_backbone (backbone_weights_reference.py).
// Ours loads the same files with loadBackboneWeights and must hold the same body tensors, train
// the same ones, and compute the same feature maps.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cstdio>
#include <memory>
#include <string>

#include "fovea/core/detection/faster_rcnn.h"
#include "python_fixtures.h"

namespace fovea::core::detection {
namespace {

struct Case {
    std::string name;  // the classification network, as the script names its files
    FasterRcnnArchitecture architecture;
};

class BackboneWeightsParity : public testing::TestWithParam<Case> {
  public:
    static void SetUpTestSuite() {
        s_fixtures = std::make_unique<test::PythonFixtures>("fovea-backbone-weights");
        const auto python =
            s_fixtures->generate("tests/core/tensor/detection/backbone_weights_reference.py", {});
        ASSERT_EQ(python.exitCode, 0) << python.output;
        std::printf("%s", python.output.c_str());
    }
    static void TearDownTestSuite() { s_fixtures.reset(); }

  protected:
    static std::unique_ptr<test::PythonFixtures> s_fixtures;
};
std::unique_ptr<test::PythonFixtures> BackboneWeightsParity::s_fixtures;

TEST_P(BackboneWeightsParity, BodyStartsAsTorchvisionsBuilderStartsIt) {
    const Case& c = GetParam();
    EXPECT_EQ(backboneClassificationArchitecture(c.architecture), c.name);
    // The builder's settings with weights_backbone: FrozenBatchNorm2d, 3 trainable stages.
    FasterRcnnOptions options = fasterRcnnDefaults(c.architecture);
    options.numClasses = 4;
    FasterRcnn model(c.architecture, options);
    const StateDict classification = s_fixtures->read(c.name + "_classification.pth");
    const StateDict reference = s_fixtures->read(c.name + "_detector.pth");

    auto loaded = loadBackboneWeights(*model, classification, c.name + "_classification.pth");
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    int64_t bodyTensors = 0, classifierKeys = 0;
    for (const auto& item : reference) {
        bodyTensors += item.key().rfind("backbone.body.", 0) == 0 ? 1 : 0;
    }
    for (const auto& key : loaded.value().ignoredKeys) {
        EXPECT_TRUE(key.rfind("classifier.", 0) == 0 || key.rfind("fc.", 0) == 0 ||
                    key.find("num_batches_tracked") != std::string::npos)
            << key;
        classifierKeys += key.find("num_batches_tracked") == std::string::npos ? 1 : 0;
    }
    EXPECT_EQ(loaded.value().loadedTensors, bodyTensors);
    EXPECT_EQ(classifierKeys, c.name == "resnet50" ? 2 : 4);
    std::printf("%s: %lld body tensors loaded, %zu file keys not used\n", c.name.c_str(),
                static_cast<long long>(loaded.value().loadedTensors),
                loaded.value().ignoredKeys.size());

    // The same tensors under the same names, and the same ones train.
    int64_t compared = 0;
    for (const auto& group : {model->named_parameters(), model->named_buffers()}) {
        for (const auto& item : group) {
            if (item.key().rfind("backbone.body.", 0) != 0) continue;
            const torch::Tensor* expected = reference.find(item.key());
            ASSERT_NE(expected, nullptr) << item.key() << " is not in torchvision's body";
            EXPECT_TRUE(item.value().equal(*expected)) << item.key();
            const torch::Tensor* trainable = reference.find("trainable." + item.key());
            if (trainable != nullptr) {
                EXPECT_EQ(item.value().requires_grad(), trainable->item<int64_t>() == 1)
                    << item.key();
            }
            ++compared;
        }
    }
    EXPECT_EQ(compared, bodyTensors);

    // The same feature maps.
    torch::NoGradGuard noGrad;
    model->eval();
    const std::vector<torch::Tensor> outputs =
        model->backbone()->body().forward(*reference.find("batch"));
    for (size_t index = 0; index < outputs.size(); ++index) {
        const torch::Tensor* expected = reference.find("output_" + std::to_string(index));
        ASSERT_NE(expected, nullptr) << index;
        const double difference = (outputs[index] - *expected).abs().max().item<double>();
        std::printf("  body output %zu %s: max |difference| %.3g\n", index,
                    c10::str(expected->sizes()).c_str(), difference);
        EXPECT_EQ(difference, 0.0) << "output " << index;
    }
    EXPECT_EQ(reference.find("output_" + std::to_string(outputs.size())), nullptr);
}

// Weights of another network: an error naming the keys, and the model keeps its weights.
TEST_P(BackboneWeightsParity, OtherNetworksWeightsAreRefused) {
    const Case& c = GetParam();
    const Case other =
        c.name == "resnet50"
            ? Case{"mobilenet_v3_large", FasterRcnnArchitecture::kMobileNetV3LargeFpn}
            : Case{"resnet50", FasterRcnnArchitecture::kResNet50Fpn};
    FasterRcnnOptions options = fasterRcnnDefaults(c.architecture);
    options.numClasses = 4;
    FasterRcnn model(c.architecture, options);
    const torch::Tensor firstConv = model->named_parameters().begin()->value().clone();
    auto refused = loadBackboneWeights(*model, s_fixtures->read(other.name + "_classification.pth"),
                                       "other.pth");
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("other.pth does not fit"), std::string::npos);
    EXPECT_NE(refused.error().message.find("missing"), std::string::npos)
        << refused.error().message;
    EXPECT_TRUE(model->named_parameters().begin()->value().equal(firstConv));
    std::printf("%s\n", refused.error().message.c_str());
}

INSTANTIATE_TEST_SUITE_P(Torchvision, BackboneWeightsParity,
                         testing::Values(Case{"mobilenet_v3_large",
                                              FasterRcnnArchitecture::kMobileNetV3LargeFpn},
                                         Case{"resnet50", FasterRcnnArchitecture::kResNet50Fpn}),
                         [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

}  // namespace
}  // namespace fovea::core::detection
