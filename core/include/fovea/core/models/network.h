#pragma once

#include "fovea/core/libtorch_side.h"  // first: the workbench must not reach LibTorch

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/types.h>

#include "fovea/core/models/head_options.h"
#include "fovea/core/models/network_fwd.h"
#include "fovea/core/models/network_summary.h"
#include "fovea/core/models/preprocessing.h"

namespace fovea::core {

// A named group of layers that freezing works on: every parameter and buffer whose name starts
// with one of modulePaths (as torchvision names them, e.g. "layer1" or "features.11").
struct BlockSpec {
    std::string name;
    std::vector<std::string> modulePaths;
};

// A zoo network with torchvision-compatible parameter names. The forward pass is a sequence of
// named blocks (the last one is always "head"), so callers can freeze by block and run a
// frozen prefix once (the training engine's feature cache).
class NetworkImpl : public torch::nn::Module {
  public:
    // input [N, 3, H, W] float, prepared as preprocessing() says -> logits [N, numClasses()].
    torch::Tensor forward(torch::Tensor input);
    // Runs blocks [first, last): forwardBlocks(x, 0, blockCount()) == forward(x).
    torch::Tensor forwardBlocks(torch::Tensor x, size_t first, size_t last);

    const std::string& architecture() const { return m_architecture; }
    const Preprocessing& preprocessing() const { return m_preprocessing; }
    // Weights define their preprocessing (torchvision's ImageNet statistics, or e.g. x/255 for
    // weights converted from Keras), so loading other weights may change it.
    void setPreprocessing(const Preprocessing& preprocessing) { m_preprocessing = preprocessing; }
    const std::vector<BlockSpec>& blocks() const { return m_blocks; }
    size_t blockCount() const { return m_blocks.size(); }
    int64_t numClasses() const { return m_numClasses; }
    // Width of the pooled features the head sees.
    virtual int64_t featureDim() const = 0;

    // Replaces the classifier's output layer (and with options, adds dropout/hidden layers),
    // freshly initialised as torchvision initialises that architecture's classifier. The
    // backbone keeps its weights.
    void replaceHead(const HeadOptions& options);

    // Blocks whose parameters get no gradient and whose BatchNorm layers stay in eval mode
    // (running statistics untouched) even while the network trains.
    void setFrozenBlocks(const std::set<std::string>& blockNames);
    const std::set<std::string>& frozenBlocks() const { return m_frozen; }

    // Keeps frozen blocks in eval mode when the rest trains.
    void train(bool on = true) override;

  protected:
    NetworkImpl(std::string architecture, Preprocessing preprocessing, int64_t numClasses);
    void setBlocks(std::vector<BlockSpec> blocks) { m_blocks = std::move(blocks); }

    virtual torch::Tensor runBlock(size_t index, torch::Tensor x) = 0;
    // Installs `head` (a Linear or a Sequential) where the architecture's output layer sits and
    // returns its module path (e.g. "fc", "classifier.1"); `initLinear` is then applied to it.
    virtual std::string installHead(std::shared_ptr<torch::nn::Module> head) = 0;
    // torchvision's initialisation of this architecture's classifier Linear layers.
    virtual void initHeadLinear(torch::nn::Module& linear) const = 0;

  private:
    std::string m_architecture;
    Preprocessing m_preprocessing;
    int64_t m_numClasses;
    std::vector<BlockSpec> m_blocks;
    std::set<std::string> m_frozen;
};

// Parameters (not buffers) of the blocks; trainable ones are those with requires_grad.
ParameterCounts countParameters(const NetworkImpl& network);
// Parameters belonging to one block.
int64_t countBlockParameters(const NetworkImpl& network, const BlockSpec& block);

// Names of the blocks from the first up to and including `lastFrozen` (for "freeze up to").
// Empty when no block has that name.
std::set<std::string> blocksUpTo(const NetworkImpl& network, const std::string& lastFrozen);

}  // namespace fovea::core
