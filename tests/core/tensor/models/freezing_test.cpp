#include <gtest/gtest.h>

#include <torch/torch.h>

#include "fovea/core/models/zoo.h"
#include "make_network.h"

namespace fovea::core {
namespace {

using test::makeNetwork;

// One SGD-free training step: forward in train mode, backward. Inception-v3 needs 75 px.
void trainStep(NetworkImpl& network) {
    network.train();
    const int64_t size = network.architecture() == "inception_v3" ? 75 : 64;
    const auto logits = network.forward(torch::randn({4, 3, size, size}));
    torch::nn::functional::cross_entropy(logits, torch::tensor({0, 1, 2, 0})).backward();
}

bool neverRun(const std::string& key) { return key.rfind("AuxLogits.", 0) == 0; }

class Freezing : public testing::TestWithParam<std::string> {};

TEST_P(Freezing, FrozenBlocksGetNoGradientAndKeepTheirStatistics) {
    torch::manual_seed(1);
    auto network = makeNetwork(GetParam(), 3);
    const auto& blocks = network->blocks();
    const std::string lastFrozen = blocks[blocks.size() / 2].name;
    const auto frozen = blocksUpTo(*network, lastFrozen);
    ASSERT_EQ(frozen.size(), blocks.size() / 2 + 1);
    network->setFrozenBlocks(frozen);

    std::map<std::string, torch::Tensor> buffersBefore;
    for (const auto& item : network->named_buffers())
        buffersBefore[item.key()] = item.value().clone();

    trainStep(*network);

    int64_t frozenParameters = 0;
    for (const auto& block : blocks) {
        const bool isFrozen = frozen.count(block.name) > 0;
        for (const auto& item : network->named_parameters()) {
            bool inBlock = false;
            for (const auto& path : block.modulePaths) {
                if (item.key().rfind(path + ".", 0) == 0) inBlock = true;
            }
            if (!inBlock) continue;
            EXPECT_EQ(item.value().requires_grad(), !isFrozen) << item.key();
            // Inception's auxiliary classifier is kept for its weights but never run.
            if (!neverRun(item.key())) {
                EXPECT_EQ(item.value().grad().defined(), !isFrozen) << item.key();
            }
            if (isFrozen) frozenParameters += item.value().numel();
        }
        for (const auto& item : network->named_buffers()) {
            bool inBlock = false;
            for (const auto& path : block.modulePaths) {
                if (item.key().rfind(path + ".", 0) == 0) inBlock = true;
            }
            if (!inBlock || item.key().find("running_mean") == std::string::npos ||
                neverRun(item.key())) {
                continue;
            }
            // BatchNorm in a frozen block stays in eval mode: running statistics untouched.
            EXPECT_EQ(torch::equal(item.value(), buffersBefore[item.key()]), isFrozen)
                << item.key();
        }
    }
    const auto counts = countParameters(*network);
    EXPECT_EQ(counts.total - counts.trainable, frozenParameters);
    EXPECT_GT(counts.trainable, 0);
}

TEST_P(Freezing, NewHeadIsTrainableAndUnfreezingRestoresGradients) {
    auto network = makeNetwork(GetParam(), 3);
    std::set<std::string> all;
    for (const auto& block : network->blocks()) all.insert(block.name);
    network->setFrozenBlocks(all);
    EXPECT_EQ(countParameters(*network).trainable, 0);

    network->replaceHead({2});
    EXPECT_EQ(network->frozenBlocks().count("head"), 0u);
    EXPECT_GT(countParameters(*network).trainable, 0);

    network->setFrozenBlocks({});
    const auto counts = countParameters(*network);
    EXPECT_EQ(counts.trainable, counts.total);
}

TEST(FreezingErrors, UnknownBlockIsRefused) {
    auto network = makeNetwork("resnet18", 2);
    EXPECT_THROW(network->setFrozenBlocks({"layer9"}), c10::Error);
    EXPECT_TRUE(blocksUpTo(*network, "layer9").empty());
}

INSTANTIATE_TEST_SUITE_P(Zoo, Freezing,
                         testing::Values("resnet18", "vgg11_bn", "mobilenet_v2",
                                         "mobilenet_v3_small", "efficientnet_b0", "inception_v3"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace fovea::core
