// Grad-CAM's behaviour on zoo networks with their own initialisation: the map's shape and range
// for every architecture, the class it explains, and that the network is left as it was found.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "fovea/core/explain/grad_cam.h"
#include "fovea/core/models/zoo.h"

namespace fovea::core {
namespace {

constexpr int64_t kClasses = 10;

NetworkPtr seededNetwork(const std::string& architecture) {
    torch::manual_seed(0);
    auto created = createNetwork(architecture, kClasses);
    if (!created) throw std::runtime_error(created.error().message);
    return created.value();
}

torch::Tensor seededInput(int64_t height, int64_t width) {
    torch::manual_seed(1);
    return torch::randn({1, 3, height, width});
}

// Inception's stem needs 75 px; at 139 px Mixed_7c is 3 x 3, so the map is not flat.
int64_t sizeFor(const std::string& architecture) {
    return architecture.rfind("inception", 0) == 0 ? 139 : 64;
}

// The last convolutional block of each family, as pytorch-grad-cam's examples target it.
std::string expectedLayer(const std::string& architecture) {
    if (architecture.rfind("resnet", 0) == 0) return "layer4";
    if (architecture.rfind("vgg", 0) == 0) return "stage5";
    if (architecture.rfind("inception", 0) == 0) return "Mixed_7c";
    return "last_conv";
}

std::vector<std::string> allArchitectures() {
    std::vector<std::string> names;
    for (const auto& info : architectures()) names.push_back(info.name);
    return names;
}

double maxDifference(const torch::Tensor& a, const torch::Tensor& b) {
    return (a - b).abs().max().item<double>();
}

class EveryArchitecture : public testing::TestWithParam<std::string> {};

// Covers the *_keras variants too, which have no torchvision twin to compare with.
TEST_P(EveryArchitecture, GivesADeterministicUnitRangeMapOfTheLastConvBlock) {
    const std::string& architecture = GetParam();
    NetworkPtr network = seededNetwork(architecture);
    const int64_t size = sizeFor(architecture);
    const torch::Tensor input = seededInput(size, size);

    auto first = computeGradCam(*network, input);
    ASSERT_TRUE(first) << first.error().message;
    const GradCamResult& cam = first.value();
    EXPECT_EQ(cam.layer, expectedLayer(architecture));
    EXPECT_EQ(cam.heatmap.sizes(), torch::IntArrayRef({size, size}));
    EXPECT_EQ(cam.heatmap.scalar_type(), torch::kFloat32);
    EXPECT_TRUE(cam.heatmap.device().is_cpu());
    // Scaled to [0, 1] on the small map, then upsampled at least 16 x: the pixels nearest the
    // coldest and hottest cells come within a few percent of 0 and 1.
    EXPECT_GE(cam.heatmap.min().item<float>(), 0.0f);
    EXPECT_LT(cam.heatmap.min().item<float>(), 0.1f);
    EXPECT_LE(cam.heatmap.max().item<float>(), 1.0f);
    EXPECT_GT(cam.heatmap.max().item<float>(), 0.9f);

    // The default class is the top-1 class, and the probability its softmax.
    torch::NoGradGuard noGrad;
    network->eval();
    const torch::Tensor logits = network->forward(input)[0];
    EXPECT_EQ(cam.targetClass, logits.argmax().item<int64_t>());
    EXPECT_NEAR(cam.probability, torch::softmax(logits, 0)[cam.targetClass].item<float>(), 1e-6);

    auto second = computeGradCam(*network, input);
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_TRUE(torch::equal(second.value().heatmap, cam.heatmap));
}

INSTANTIATE_TEST_SUITE_P(Zoo, EveryArchitecture, testing::ValuesIn(allArchitectures()),
                         [](const auto& info) { return info.param; });

TEST(GradCam, HeatmapKeepsTheInputsHeightAndWidth) {
    NetworkPtr network = seededNetwork("resnet18");
    auto cam = computeGradCam(*network, seededInput(64, 96));
    ASSERT_TRUE(cam) << cam.error().message;
    EXPECT_EQ(cam.value().heatmap.sizes(), torch::IntArrayRef({64, 96}));
}

TEST(GradCam, TargetClassChangesTheMap) {
    NetworkPtr network = seededNetwork("resnet18");
    const torch::Tensor input = seededInput(64, 64);
    auto top = computeGradCam(*network, input);
    ASSERT_TRUE(top) << top.error().message;
    const int64_t other = (top.value().targetClass + 1) % kClasses;
    auto explained = computeGradCam(*network, input, other);
    ASSERT_TRUE(explained) << explained.error().message;
    EXPECT_EQ(explained.value().targetClass, other);
    EXPECT_LT(explained.value().probability, top.value().probability);
    EXPECT_GT(maxDifference(explained.value().heatmap, top.value().heatmap), 0.1);
}

// Explaining must not disturb training: modes (frozen blocks stay in eval while the rest
// trains), requires_grad flags, gradients and BatchNorm statistics all stay as they were.
TEST(GradCam, LeavesTheNetworkAsItFoundIt) {
    NetworkPtr network = seededNetwork("resnet18");
    network->setFrozenBlocks({"stem", "layer1"});
    network->train();
    network->named_modules()["layer3.0"]->eval();  // a mode train() alone would not give
    const torch::Tensor fcGradient = torch::ones({kClasses, 512});
    network->named_parameters()["fc.weight"].mutable_grad() = fcGradient.clone();

    std::map<std::string, bool> modes;
    for (const auto& item : network->named_modules())
        modes[item.key()] = item.value()->is_training();
    std::map<std::string, bool> requiresGrad;
    for (const auto& item : network->named_parameters()) {
        requiresGrad[item.key()] = item.value().requires_grad();
    }
    std::map<std::string, torch::Tensor> buffers;
    for (const auto& item : network->named_buffers()) buffers[item.key()] = item.value().clone();

    const torch::Tensor input = seededInput(64, 64);
    auto inTraining = computeGradCam(*network, input);
    ASSERT_TRUE(inTraining) << inTraining.error().message;

    EXPECT_TRUE(torch::GradMode::is_enabled());
    for (const auto& item : network->named_modules()) {
        EXPECT_EQ(item.value()->is_training(), modes.at(item.key())) << item.key();
    }
    for (const auto& item : network->named_parameters()) {
        EXPECT_EQ(item.value().requires_grad(), requiresGrad.at(item.key())) << item.key();
        if (item.key() == "fc.weight") {
            EXPECT_TRUE(torch::equal(item.value().grad(), fcGradient));
        } else {
            EXPECT_FALSE(item.value().grad().defined()) << item.key();
        }
    }
    for (const auto& item : network->named_buffers()) {
        EXPECT_TRUE(torch::equal(item.value(), buffers.at(item.key()))) << item.key();
    }

    // It ran in eval mode: the same map as for the network switched to eval.
    network->eval();
    auto inEval = computeGradCam(*network, input);
    ASSERT_TRUE(inEval) << inEval.error().message;
    EXPECT_TRUE(torch::equal(inEval.value().heatmap, inTraining.value().heatmap));
}

// A fully frozen network (no parameter requires grad) under an outer NoGradGuard, as
// prediction code runs, still gets the gradient it needs.
TEST(GradCam, WorksWithEveryBlockFrozenUnderNoGrad) {
    NetworkPtr network = seededNetwork("mobilenet_v3_small");
    const torch::Tensor input = seededInput(64, 64);
    auto trainable = computeGradCam(*network, input);
    ASSERT_TRUE(trainable) << trainable.error().message;

    std::set<std::string> everything;
    for (const auto& block : network->blocks()) everything.insert(block.name);
    network->setFrozenBlocks(everything);
    torch::NoGradGuard noGrad;
    auto frozen = computeGradCam(*network, input);
    ASSERT_TRUE(frozen) << frozen.error().message;
    EXPECT_FALSE(torch::GradMode::is_enabled());
    EXPECT_TRUE(torch::equal(frozen.value().heatmap, trainable.value().heatmap));
    for (const auto& parameter : network->parameters()) {
        EXPECT_FALSE(parameter.requires_grad());
        EXPECT_FALSE(parameter.grad().defined());
    }
}

// At 75 px Inception's Mixed_7c is 1 x 1: a flat map, which must be zeros, not NaN.
TEST(GradCam, FlatMapIsAllZeros) {
    NetworkPtr network = seededNetwork("inception_v3");
    auto cam = computeGradCam(*network, seededInput(75, 75));
    ASSERT_TRUE(cam) << cam.error().message;
    EXPECT_EQ(cam.value().heatmap.sizes(), torch::IntArrayRef({75, 75}));
    EXPECT_EQ(cam.value().heatmap.abs().max().item<float>(), 0.0f);
}

TEST(GradCam, RejectsBadInputsWithAMessage) {
    NetworkPtr network = seededNetwork("resnet18");
    network->train();
    const std::vector<torch::Tensor> badInputs{
        torch::Tensor(),
        torch::randn({3, 64, 64}),
        torch::randn({2, 3, 64, 64}),
        torch::randn({1, 1, 64, 64}),
        torch::randn({1, 3, 64, 64}, torch::kFloat64),
    };
    for (const auto& input : badInputs) {
        auto cam = computeGradCam(*network, input);
        ASSERT_FALSE(cam);
        EXPECT_NE(cam.error().message.find("[1, 3, H, W]"), std::string::npos)
            << cam.error().message;
    }
    for (int64_t badClass : {int64_t{-1}, kClasses}) {
        auto cam = computeGradCam(*network, seededInput(64, 64), badClass);
        ASSERT_FALSE(cam);
        EXPECT_NE(cam.error().message.find(std::to_string(badClass)), std::string::npos);
    }
    // Too small for Inception's stem: LibTorch's error comes back as a value.
    NetworkPtr inception = seededNetwork("inception_v3");
    inception->train();
    auto tooSmall = computeGradCam(*inception, seededInput(16, 16));
    ASSERT_FALSE(tooSmall);
    EXPECT_NE(tooSmall.error().message.find("inception_v3"), std::string::npos);
    EXPECT_TRUE(inception->is_training());
    EXPECT_TRUE(network->is_training());
}

}  // namespace
}  // namespace fovea::core
