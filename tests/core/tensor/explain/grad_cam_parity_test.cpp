// Grad-CAM against a reference written in Python: Debian's python3-torchvision builds each
// architecture, saves its weights and computes Grad-CAM with hooks on the same layer
// (grad_cam_reference.py); our networks load those weights and must draw the same map.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "fovea/core/explain/grad_cam.h"
#include "fovea/core/models/load_state_dict.h"
#include "fovea/core/models/zoo.h"
#include "python_fixtures.h"
#include "run_process.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

// Errors of float32 arithmetic on the [0, 1] map; a wrong layer, class or weighting is off by
// tenths.
constexpr double kTolerance = 1e-3;

struct Case {
    std::string architecture;
    int imageSize;  // 96 px: a 3 x 3 last block (139 px for Inception), so the map has a shape
    std::string layer;
};

const std::vector<Case> kCases{
    {"resnet18", 96, "layer4"},
    {"resnet34", 96, "layer4"},
    {"resnet50", 96, "layer4"},
    {"vgg11_bn", 96, "stage5"},
    {"vgg16", 96, "stage5"},
    {"vgg16_bn", 96, "stage5"},
    {"mobilenet_v2", 96, "last_conv"},
    {"mobilenet_v3_large", 96, "last_conv"},
    {"mobilenet_v3_small", 96, "last_conv"},
    {"efficientnet_b0", 96, "last_conv"},
    {"inception_v3", 139, "Mixed_7c"},
};

class GradCamParity : public testing::TestWithParam<Case> {
  public:
    static void SetUpTestSuite() {
        s_fixtures = std::make_unique<test::PythonFixtures>("fovea-grad-cam");
        std::vector<std::string> args;
        for (const auto& each : kCases) {
            args.push_back(each.architecture + ":" + std::to_string(each.imageSize));
        }
        const auto python =
            s_fixtures->generate("tests/core/tensor/explain/grad_cam_reference.py", args);
        ASSERT_EQ(python.exitCode, 0) << python.output;
    }
    static void TearDownTestSuite() { s_fixtures.reset(); }

  protected:
    static StateDict read(const std::string& name) { return s_fixtures->read(name); }

    static std::unique_ptr<test::PythonFixtures> s_fixtures;
};
std::unique_ptr<test::PythonFixtures> GradCamParity::s_fixtures;

TEST_P(GradCamParity, HeatmapMatchesPython) {
    const Case& each = GetParam();
    auto created = createNetwork(each.architecture, 1000);
    ASSERT_TRUE(created) << created.error().message;
    NetworkPtr network = created.value();
    auto loaded = loadStateDict(*network, read(each.architecture + ".pth"), each.architecture);
    ASSERT_TRUE(loaded) << loaded.error().message;
    fs::remove(*s_fixtures / (each.architecture + ".pth"));  // VGG's are 0.5 GB each

    const StateDict reference = read(each.architecture + ".cam.pth");
    const int64_t pythonClass = reference.find("target_class")->item<int64_t>();
    auto cam = computeGradCam(*network, *reference.find("input"));
    ASSERT_TRUE(cam) << cam.error().message;
    EXPECT_EQ(cam.value().layer, each.layer);
    EXPECT_EQ(cam.value().targetClass, pythonClass);
    EXPECT_NEAR(cam.value().probability, reference.find("probability")->item<float>(), 1e-4);

    const torch::Tensor& expected = *reference.find("heatmap");
    ASSERT_EQ(cam.value().heatmap.sizes(), expected.sizes());
    const double difference = (cam.value().heatmap - expected).abs().max().item<double>();
    EXPECT_LE(difference, kTolerance) << each.architecture;
    // The comparison only means something if the map has structure.
    EXPECT_GT(expected.std().item<double>(), 0.1);
    std::printf("%s: layer %s, class %lld, max |difference| %.3g\n", each.architecture.c_str(),
                each.layer.c_str(), static_cast<long long>(pythonClass), difference);

    // The comparison can fail: another class's map is far from this one.
    auto other = computeGradCam(*network, *reference.find("input"), (pythonClass + 1) % 1000);
    ASSERT_TRUE(other) << other.error().message;
    EXPECT_GT((other.value().heatmap - expected).abs().max().item<double>(), 0.1);
}

// Every zoo architecture with a torchvision twin is compared; the *_keras variants (no twin)
// are covered by grad_cam_test.cpp's shape, range and determinism checks.
TEST(GradCamParityCoverage, EveryTorchvisionArchitectureIsCompared) {
    for (const auto& info : architectures()) {
        const bool keras =
            info.name.size() > 6 && info.name.substr(info.name.size() - 6) == "_keras";
        const bool compared = std::any_of(kCases.begin(), kCases.end(), [&](const Case& each) {
            return each.architecture == info.name;
        });
        EXPECT_TRUE(keras || compared) << info.name << " has no Grad-CAM parity case";
    }
}

INSTANTIATE_TEST_SUITE_P(Torchvision, GradCamParity, testing::ValuesIn(kCases),
                         [](const auto& info) { return info.param.architecture; });

}  // namespace
}  // namespace fovea::core
