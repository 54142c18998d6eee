#include "fovea/core/training/optimizer_setup.h"

#include <torch/torch.h>

#include <map>

#include "adamw.h"

namespace fovea::core {
namespace {

// The block a parameter belongs to: the first block with a module path that prefixes its name.
std::string blockOf(const NetworkImpl& network, const std::string& parameterName) {
    for (const auto& block : network.blocks()) {
        for (const auto& path : block.modulePaths) {
            if (parameterName == path || parameterName.rfind(path + ".", 0) == 0) return block.name;
        }
    }
    return "other";
}

std::unique_ptr<torch::optim::OptimizerOptions> groupOptions(const TrainingConfig& config,
                                                             double learningRate, bool decay) {
    const double weightDecay = decay ? config.weightDecay : 0.0;
    if (config.optimizer == OptimizerKind::Sgd) {
        return std::make_unique<torch::optim::SGDOptions>(
            torch::optim::SGDOptions(learningRate)
                .momentum(config.momentum)
                .nesterov(config.nesterov && config.momentum > 0)
                .weight_decay(weightDecay));
    }
    return std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(learningRate)
                                                            .betas({config.beta1, config.beta2})
                                                            .eps(config.epsilon)
                                                            .weight_decay(weightDecay));
}

}  // namespace

OptimizerSetup makeOptimizer(NetworkImpl& network, const TrainingConfig& config) {
    // Group key: (block order, decay) so groups follow the network's block order.
    std::map<std::pair<std::size_t, bool>, std::vector<torch::Tensor>> parameters;
    std::map<std::string, std::size_t> blockOrder;
    for (std::size_t i = 0; i < network.blocks().size(); ++i) {
        blockOrder[network.blocks()[i].name] = i;
    }
    blockOrder["other"] = network.blocks().size();
    std::vector<std::string> blockNames(blockOrder.size());
    for (const auto& [name, index] : blockOrder) blockNames[index] = name;

    for (const auto& item : network.named_parameters()) {
        if (!item.value().requires_grad()) continue;
        const bool decay = item.value().dim() > 1;
        parameters[{blockOrder[blockOf(network, item.key())], decay}].push_back(item.value());
    }

    OptimizerSetup setup;
    setup.baseLearningRate = config.learningRate;
    std::vector<torch::optim::OptimizerParamGroup> groups;
    for (auto& [key, tensors] : parameters) {
        const std::string& block = blockNames[key.first];
        const auto multiplier = config.blockLearningRateMultipliers.find(block);
        ParameterGroupInfo info;
        info.block = block;
        info.weightDecay = key.second;
        info.learningRateMultiplier =
            multiplier == config.blockLearningRateMultipliers.end() ? 1.0 : multiplier->second;
        for (const auto& t : tensors) info.parameters += t.numel();
        groups.emplace_back(tensors,
                            groupOptions(config, config.learningRate * info.learningRateMultiplier,
                                         info.weightDecay));
        setup.groups.push_back(info);
    }
    auto defaults = groupOptions(config, config.learningRate, true);
    if (config.optimizer == OptimizerKind::Sgd) {
        setup.optimizer = std::make_unique<torch::optim::SGD>(
            groups, static_cast<torch::optim::SGDOptions&>(*defaults));
    } else {
        setup.optimizer = std::make_unique<PythonMatchingAdamW>(
            groups, static_cast<torch::optim::AdamWOptions&>(*defaults));
    }
    return setup;
}

void applyLearningRateFactor(OptimizerSetup& setup, double factor) {
    auto& groups = setup.optimizer->param_groups();
    for (std::size_t i = 0; i < groups.size(); ++i) {
        groups[i].options().set_lr(setup.baseLearningRate * setup.groups[i].learningRateMultiplier *
                                   factor);
    }
}

double currentLearningRate(const OptimizerSetup& setup) {
    const auto& groups = setup.optimizer->param_groups();
    for (std::size_t i = 0; i < groups.size(); ++i) {
        if (setup.groups[i].learningRateMultiplier == 1.0) return groups[i].options().get_lr();
    }
    return groups.empty() ? 0.0
                          : groups[0].options().get_lr() / setup.groups[0].learningRateMultiplier;
}

}  // namespace fovea::core
