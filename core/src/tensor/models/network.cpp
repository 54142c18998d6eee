#include "fovea/core/models/network.h"

#include <torch/torch.h>

#include "layers.h"

namespace fovea::core {
namespace {

bool belongsTo(const std::string& name, const BlockSpec& block) {
    for (const auto& path : block.modulePaths) {
        if (name.size() > path.size() && name.compare(0, path.size(), path) == 0 &&
            name[path.size()] == '.') {
            return true;
        }
    }
    return false;
}

}  // namespace

NetworkImpl::NetworkImpl(std::string architecture, Preprocessing preprocessing, int64_t numClasses)
    : m_architecture(std::move(architecture)),
      m_preprocessing(preprocessing),
      m_numClasses(numClasses) {}

torch::Tensor NetworkImpl::forward(torch::Tensor input) {
    return forwardBlocks(std::move(input), 0, m_blocks.size());
}

torch::Tensor NetworkImpl::forwardBlocks(torch::Tensor x, size_t first, size_t last) {
    TORCH_CHECK(first <= last && last <= m_blocks.size(), "block range [", first, ", ", last,
                ") outside 0..", m_blocks.size());
    for (size_t index = first; index < last; ++index) x = runBlock(index, std::move(x));
    return x;
}

void NetworkImpl::replaceHead(const HeadOptions& options) {
    TORCH_CHECK(options.numClasses >= 1, "a head needs at least one class");
    TORCH_CHECK(options.dropout >= 0.0 && options.dropout < 1.0, "dropout must be in [0, 1)");
    const int64_t inFeatures = featureDim();
    std::shared_ptr<torch::nn::Module> head;
    if (options.dropout == 0.0 && options.hiddenUnits == 0) {
        head = torch::nn::Linear(inFeatures, options.numClasses).ptr();
    } else {
        layers::Sequence sequence;
        if (options.hiddenUnits > 0) {
            sequence->push_back(torch::nn::Dropout(options.dropout));
            sequence->push_back(torch::nn::Linear(inFeatures, options.hiddenUnits));
            sequence->push_back(torch::nn::ReLU(true));
            sequence->push_back(torch::nn::Dropout(options.dropout));
            sequence->push_back(torch::nn::Linear(options.hiddenUnits, options.numClasses));
        } else {
            sequence->push_back(torch::nn::Dropout(options.dropout));
            sequence->push_back(torch::nn::Linear(inFeatures, options.numClasses));
        }
        head = sequence.ptr();
    }
    installHead(head);
    torch::NoGradGuard noGrad;
    for (auto& module : head->modules(/*include_self=*/true)) {
        if (module->as<torch::nn::Linear>()) initHeadLinear(*module);
    }
    m_numClasses = options.numClasses;
    // A new head starts trainable even if the old one was frozen.
    m_frozen.erase("head");
    setFrozenBlocks(std::set<std::string>(m_frozen));
}

void NetworkImpl::setFrozenBlocks(const std::set<std::string>& blockNames) {
    for (const auto& name : blockNames) {
        const bool known = std::any_of(m_blocks.begin(), m_blocks.end(),
                                       [&](const BlockSpec& block) { return block.name == name; });
        TORCH_CHECK(known, m_architecture, " has no block named '", name, "'");
    }
    m_frozen = blockNames;
    for (auto& item : named_parameters(/*recurse=*/true)) {
        bool frozen = false;
        for (const auto& block : m_blocks) {
            if (m_frozen.count(block.name) && belongsTo(item.key(), block)) frozen = true;
        }
        item.value().set_requires_grad(!frozen);
    }
    train(is_training());
}

void NetworkImpl::train(bool on) {
    torch::nn::Module::train(on);
    if (!on || m_frozen.empty()) return;
    for (const auto& item : named_modules(/*name_prefix=*/"", /*include_self=*/false)) {
        for (const auto& block : m_blocks) {
            if (!m_frozen.count(block.name)) continue;
            for (const auto& path : block.modulePaths) {
                if (item.key() == path) item.value()->eval();
            }
        }
    }
}

ParameterCounts countParameters(const NetworkImpl& network) {
    ParameterCounts counts;
    for (const auto& parameter : network.parameters()) {
        counts.total += parameter.numel();
        if (parameter.requires_grad()) counts.trainable += parameter.numel();
    }
    return counts;
}

int64_t countBlockParameters(const NetworkImpl& network, const BlockSpec& block) {
    int64_t count = 0;
    for (const auto& item : network.named_parameters()) {
        if (belongsTo(item.key(), block)) count += item.value().numel();
    }
    return count;
}

std::set<std::string> blocksUpTo(const NetworkImpl& network, const std::string& lastFrozen) {
    std::set<std::string> names;
    for (const auto& block : network.blocks()) {
        names.insert(block.name);
        if (block.name == lastFrozen) return names;
    }
    return {};
}

}  // namespace fovea::core
