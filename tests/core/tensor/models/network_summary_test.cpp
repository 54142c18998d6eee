// Core's description of a network for the Model page and the CLI: the counts agree with the
// network itself, and the recommended freezing depends on where the weights come from.

#include "fovea/core/models/network_summary.h"

#include <gtest/gtest.h>

#include "fovea/core/models/zoo.h"

namespace fovea::core {
namespace {

std::set<std::string> toSet(const std::vector<std::string>& names) {
    return {names.begin(), names.end()};
}

// The summary, built without keeping the network, counts what countParameters counts for any
// frozen set (here: each prefix of the blocks).
TEST(NetworkSummary, CountsEqualTheNetworksOwnForEveryFreezingPrefix) {
    for (const char* architecture : {"resnet18", "mobilenet_v3_small", "mobilenet_v2_keras"}) {
        SCOPED_TRACE(architecture);
        auto summary = summarizeNetwork({architecture, 5});
        ASSERT_TRUE(summary.ok()) << summary.error().message;
        auto network = createNetwork(architecture, 5);
        ASSERT_TRUE(network.ok()) << network.error().message;
        EXPECT_EQ(summary.value().totalParameters(), countParameters(*network.value()).total);
        ASSERT_EQ(summary.value().blocks.size(), network.value()->blocks().size());
        EXPECT_EQ(summary.value().blocks.back().name, "head");
        for (const auto& block : network.value()->blocks()) {
            if (block.name == "head") break;
            const auto prefix = summary.value().blocksUpTo(block.name);
            network.value()->setFrozenBlocks(toSet(prefix));
            EXPECT_EQ(summary.value().trainableParameters(toSet(prefix)),
                      countParameters(*network.value()).trainable)
                << "frozen through " << block.name;
        }
        for (const auto& block : summary.value().blocks) {
            std::int64_t inLayers = 0;
            for (const auto& layer : block.layers) inLayers += layer.parameters;
            EXPECT_EQ(inLayers, block.parameters) << block.name;
        }
    }
    // A hidden layer in the head changes the counts as it changes the network.
    auto plain = summarizeNetwork({"resnet18", 5});
    auto hidden = summarizeNetwork({"resnet18", 5, false, 0.2, 16});
    ASSERT_TRUE(plain.ok() && hidden.ok());
    EXPECT_EQ(hidden.value().blocks.back().parameters, 512 * 16 + 16 + 16 * 5 + 5);
    EXPECT_EQ(plain.value().blocks.back().parameters, 512 * 5 + 5);
}

TEST(NetworkSummary, UnknownArchitectureIsAnError) {
    auto summary = summarizeNetwork({"resnet19", 5});
    ASSERT_FALSE(summary.ok());
    EXPECT_NE(summary.error().message.find("resnet19"), std::string::npos);
}

TEST(RecommendedFreezing, DependsOnWhereTheWeightsComeFrom) {
    const std::vector<std::string> resnet{"stem", "layer1", "layer2", "layer3", "layer4", "head"};
    const FreezingAdvice random = recommendedFreezing("resnet18", "none", resnet);
    EXPECT_TRUE(random.frozenBlocks.empty());
    EXPECT_NE(random.reason.find("Random"), std::string::npos);

    // Pretrained (torchvision's download, a URL, the user's file): all but the last block.
    const std::vector<std::string> allButLast{"stem", "layer1", "layer2", "layer3"};
    EXPECT_EQ(recommendedFreezing("resnet18", "default", resnet).frozenBlocks, allButLast);
    EXPECT_EQ(recommendedFreezing("resnet18", "/weights/mine.pth", resnet).frozenBlocks,
              allButLast);
    EXPECT_EQ(recommendedFreezing("resnet18", "https://example.org/r.pth", resnet).frozenBlocks,
              allButLast);
    EXPECT_NE(recommendedFreezing("resnet18", "default", resnet).reason.find("layer4"),
              std::string::npos);

    // The offline default: its ImageNet part, through block10.
    std::vector<std::string> keras{"stem"};
    for (int i = 0; i <= 16; ++i) keras.push_back("block" + std::to_string(i));
    keras.push_back("top");
    keras.push_back("head");
    const FreezingAdvice offline = recommendedFreezing("mobilenet_v2_keras", "default", keras);
    ASSERT_FALSE(offline.frozenBlocks.empty());
    EXPECT_EQ(offline.frozenBlocks.front(), "stem");
    EXPECT_EQ(offline.frozenBlocks.back(), "block10");
    EXPECT_EQ(lastImageNetBlock("mobilenet_v2_keras"), "block10");
    EXPECT_EQ(lastImageNetBlock("resnet18"), "");

    EXPECT_TRUE(recommendedFreezing("resnet18", "default", {"stem", "head"}).frozenBlocks.empty());
}

TEST(RecommendedFreezing, WeightsAreClassifiedAsTheModelPageShowsThem) {
    EXPECT_EQ(classifyWeights("resnet18", "none"), WeightsKind::Random);
    EXPECT_EQ(classifyWeights("resnet18", "default"), WeightsKind::Catalogue);
    EXPECT_EQ(classifyWeights("mobilenet_v2_keras", "default"), WeightsKind::OfflineDefault);
    EXPECT_EQ(classifyWeights("resnet18", "/tmp/w.safetensors"), WeightsKind::LocalFile);
    EXPECT_EQ(classifyWeights("resnet18", "http://127.0.0.1/w.pth"), WeightsKind::Url);
}

}  // namespace
}  // namespace fovea::core
