// Structure of every zoo architecture: shapes, blocks, heads, counts. Numerical agreement with
// torchvision is checked separately against Python (parity tests).
#include "fovea/core/models/zoo.h"

#include <gtest/gtest.h>

#include <map>

#include <torch/torch.h>

#include "fovea/core/models/load_state_dict.h"

namespace fovea::core {
namespace {

NetworkPtr make(const std::string& name, int64_t classes = 1000) {
    auto created = createNetwork(name, classes);
    if (!created) throw std::runtime_error(created.error().message);
    return created.value();
}

// The smallest input each architecture takes quickly on a CPU.
int smallInput(const std::string& name) { return name == "inception_v3" ? 75 : 64; }

class EveryArchitecture : public testing::TestWithParam<std::string> {};

TEST_P(EveryArchitecture, ForwardGivesOneLogitPerClass) {
    torch::NoGradGuard noGrad;
    auto network = make(GetParam(), 7);
    network->eval();
    const int size = smallInput(GetParam());
    const auto logits = network->forward(torch::randn({2, 3, size, size}));
    EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{2, 7}));
    EXPECT_TRUE(torch::isfinite(logits).all().item<bool>());
    EXPECT_EQ(network->numClasses(), 7);
}

TEST_P(EveryArchitecture, BlocksCoverEveryParameterExactlyOnce) {
    auto network = make(GetParam());
    const auto& blocks = network->blocks();
    ASSERT_FALSE(blocks.empty());
    EXPECT_EQ(blocks.back().name, "head");
    std::set<std::string> names;
    int64_t sum = 0;
    for (const auto& block : blocks) {
        EXPECT_TRUE(names.insert(block.name).second) << "duplicate block " << block.name;
        const int64_t count = countBlockParameters(*network, block);
        EXPECT_GT(count, 0) << block.name;
        sum += count;
    }
    EXPECT_EQ(sum, countParameters(*network).total);
}

TEST_P(EveryArchitecture, BlockByBlockEqualsForward) {
    torch::NoGradGuard noGrad;
    auto network = make(GetParam(), 3);
    network->eval();
    const int size = smallInput(GetParam());
    const auto input = torch::randn({1, 3, size, size});
    const size_t middle = network->blockCount() / 2;
    const auto prefix = network->forwardBlocks(input, 0, middle);
    const auto staged = network->forwardBlocks(prefix, middle, network->blockCount());
    EXPECT_TRUE(torch::equal(staged, network->forward(input)));
}

TEST_P(EveryArchitecture, NewHeadKeepsTheBackbone) {
    torch::NoGradGuard noGrad;
    auto network = make(GetParam());
    std::map<std::string, torch::Tensor> before;
    for (const auto& item : network->named_parameters()) before[item.key()] = item.value().clone();

    network->replaceHead({5, 0.3, 32});
    network->eval();
    const int size = smallInput(GetParam());
    EXPECT_EQ(network->forward(torch::randn({2, 3, size, size})).size(1), 5);
    EXPECT_EQ(network->numClasses(), 5);

    int64_t kept = 0;
    for (const auto& item : network->named_parameters()) {
        const auto old = before.find(item.key());
        if (old == before.end()) continue;  // new head parameter
        if (item.value().sizes() == old->second.sizes() &&
            torch::equal(item.value(), old->second)) {
            ++kept;
        }
    }
    // Everything but the old output layer survived unchanged.
    EXPECT_GE(kept, static_cast<int64_t>(before.size()) - 2);
}

TEST_P(EveryArchitecture, OwnStateDictLoadsBackAndAnotherClassCountSkipsOnlyTheHead) {
    auto source = make(GetParam(), 10);
    StateDict weights;
    for (const auto& item : source->named_parameters()) weights.insert(item.key(), item.value());
    for (const auto& item : source->named_buffers()) weights.insert(item.key(), item.value());

    auto same = make(GetParam(), 10);
    auto loaded = loadStateDict(*same, weights, "own.pth");
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_TRUE(loaded.value().skippedHeadKeys.empty());
    EXPECT_EQ(loaded.value().loadedTensors, static_cast<int64_t>(weights.size()));

    auto fewer = make(GetParam(), 4);
    auto partial = loadStateDict(*fewer, weights, "own.pth");
    ASSERT_TRUE(partial) << partial.error().message;
    EXPECT_FALSE(partial.value().skippedHeadKeys.empty());
    for (const auto& key : partial.value().skippedHeadKeys) {
        EXPECT_TRUE(torch::equal(*weights.find(key), *weights.find(key)));
    }
}

INSTANTIATE_TEST_SUITE_P(Zoo, EveryArchitecture, testing::ValuesIn([] {
                             std::vector<std::string> names;
                             for (const auto& each : architectures()) names.push_back(each.name);
                             return names;
                         }()),
                         [](const auto& info) { return info.param; });

TEST(Zoo, UnknownArchitectureNamesTheKnownOnes) {
    auto created = createNetwork("resnet19");
    ASSERT_FALSE(created);
    EXPECT_NE(created.error().message.find("resnet19"), std::string::npos);
    EXPECT_NE(created.error().message.find("resnet18"), std::string::npos);
}

TEST(Zoo, MismatchedBackboneIsAnErrorNotSilence) {
    auto network = make("resnet18");
    StateDict weights;
    for (const auto& item : network->named_parameters()) weights.insert(item.key(), item.value());
    for (const auto& item : network->named_buffers()) weights.insert(item.key(), item.value());
    weights["layer1.0.conv1.weight"] = torch::zeros({64, 64, 5, 5});
    weights.erase("layer2.0.bn1.bias");
    weights.insert("layer9.weight", torch::zeros({1}));
    const auto before = network->named_parameters()["conv1.weight"].clone();
    weights["conv1.weight"] = torch::ones_like(before);

    auto loaded = loadStateDict(*network, weights, "bad.pth");
    ASSERT_FALSE(loaded);
    const std::string& message = loaded.error().message;
    EXPECT_NE(message.find("bad.pth"), std::string::npos) << message;
    EXPECT_NE(message.find("layer1.0.conv1.weight"), std::string::npos) << message;
    EXPECT_NE(message.find("layer2.0.bn1.bias"), std::string::npos) << message;
    EXPECT_NE(message.find("layer9.weight"), std::string::npos) << message;
    // Nothing was copied: a failed load leaves the network as it was.
    EXPECT_TRUE(torch::equal(network->named_parameters()["conv1.weight"], before));
}

// torchvision's documented GFLOPS (multiply-accumulates at 224 px; 299 px for Inception).
TEST(Zoo, MultiplyAccumulatesMatchTorchvisionsFigures) {
    const std::map<std::string, double> documented{
        {"resnet18", 1.81e9}, {"resnet50", 4.09e9}, {"mobilenet_v2", 0.30e9}};
    for (const auto& [name, expected] : documented) {
        auto network = make(name);
        const double counted = static_cast<double>(countMultiplyAccumulates(*network, 224));
        EXPECT_NEAR(counted / expected, 1.0, 0.03) << name << ": " << counted;
    }
}

}  // namespace
}  // namespace fovea::core
