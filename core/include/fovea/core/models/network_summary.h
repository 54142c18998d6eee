#pragma once

// What a network is made of and what to freeze, for the workbench's Model page and
// fovea-cli alike, free of LibTorch: the blocks and layers with their parameter counts (built
// once, without keeping the network: VGG-16 alone holds 550 MB of weights), and the
// recommended freezing for given weights.

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "fovea/core/result.h"

namespace fovea::core {

// Parameters (not buffers) of a network's blocks, and how many of them train.
struct ParameterCounts {
    std::int64_t total = 0;
    std::int64_t trainable = 0;
};

struct LayerSummary {
    std::string path;  // module path, e.g. "layer1.0" or "features.3.conv.0"
    std::string type;  // e.g. "BasicBlock", "Conv2d"
    std::int64_t parameters = 0;
    std::vector<std::string> tensors;  // "conv1.weight [64, 3, 3, 3]"
};

struct BlockSummary {
    std::string name;
    std::vector<std::string> modulePaths;
    std::int64_t parameters = 0;
    std::vector<LayerSummary> layers;
};

struct NetworkSummary {
    std::string architecture;
    std::int64_t numClasses = 0;
    std::vector<BlockSummary> blocks;  // in forward order; the last is "head"
    // Every parameter tensor's element count and the blocks that freeze it, as the network
    // decides (measured by freezing each block in turn), so counts here equal countParameters.
    struct Tensor {
        std::int64_t elements = 0;
        std::vector<int> blocks;
    };
    std::vector<Tensor> tensors;

    std::int64_t totalParameters() const;
    std::int64_t trainableParameters(const std::set<std::string>& frozenBlocks) const;
    // The blocks from the first through `lastFrozen`, in order; empty when it is not a block.
    std::vector<std::string> blocksUpTo(const std::string& lastFrozen) const;
    bool hasBlock(const std::string& name) const;
    std::vector<std::string> blockNames() const;
};

// What decides a summary's shape: the network as prepareNetwork builds it for this many
// classes, before any weights are loaded (weights never change the counts).
struct NetworkShape {
    std::string architecture;
    std::int64_t numClasses = 2;
    // The offline default arrives with a plain Linear head for the user's classes instead of
    // nsfwjs' two hidden layers (loadOfflineDefaultNetwork).
    bool offlineDefaultHead = false;
    double dropout = 0.0;
    std::int64_t hiddenUnits = 0;

    bool operator==(const NetworkShape& other) const;
    bool operator!=(const NetworkShape& other) const { return !(*this == other); }
};

// Builds the network and summarises it. Slow for the big ones (VGG-16 takes seconds): call it
// on a worker thread. Errors come back as values, never as exceptions.
Result<NetworkSummary> summarizeNetwork(const NetworkShape& shape);

// The block that ends the ImageNet part of an architecture's offline weights ("block10" for
// mobilenet_v2_keras; the converter records it in the file as fovea.last_imagenet_block);
// empty when it has none.
std::string lastImageNetBlock(const std::string& architecture);

// Where a network's starting weights come from, as NetworkChoice::weights spells them.
enum class WeightsKind { OfflineDefault, Catalogue, Random, LocalFile, Url };
WeightsKind classifyWeights(const std::string& architecture, const std::string& weights);

struct FreezingAdvice {
    std::vector<std::string> frozenBlocks;  // in network order
    std::string reason;                     // one or two sentences for people
};
// What to freeze when fine-tuning `architecture` (whose blocks are `blockNames`, in order)
// from `weights`: nothing for random weights; the ImageNet part of the offline weights; for
// other pretrained weights every block but the last one and the head (Yosinski et al. 2014,
// "How transferable are features in deep neural networks?"). The default of fovea-cli train
// and of the workbench's Model page.
FreezingAdvice recommendedFreezing(const std::string& architecture, const std::string& weights,
                                   const std::vector<std::string>& blockNames);

}  // namespace fovea::core
