#include "traced_network.h"

#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/csrc/jit/passes/constant_propagation.h>
#include <torch/torch.h>

#include <stdexcept>

#include "fovea/core/export/model_export.h"

namespace fovea::core::exporting {
TracingPose::TracingPose(torch::nn::Module& module)
    : m_module(module), m_training(module.is_training()) {
    for (auto& parameter : module.parameters()) {
        m_requiresGrad.push_back(parameter.requires_grad());
        parameter.set_requires_grad(false);
    }
    module.eval();
}

TracingPose::~TracingPose() {
    size_t index = 0;
    for (auto& parameter : m_module.parameters()) {
        parameter.set_requires_grad(m_requiresGrad[index++]);
    }
    m_module.train(m_training);
}

Result<TracedNetwork> traceNetwork(NetworkImpl& network) {
    for (const auto& parameter : network.parameters()) {
        if (!parameter.device().is_cpu()) {
            return Error{"export needs the network on the CPU (it is on " +
                         parameter.device().str() + ")"};
        }
    }
    const Preprocessing& preprocessing = network.preprocessing();
    TracingPose pose(network);
    torch::NoGradGuard noGrad;

    const ContractNormalisation normalisation = contractNormalisation(preprocessing);
    // Constants are found again by their storage: the tracer bakes the very tensors in.
    std::unordered_map<const void*, std::string> names{
        {normalisation.mean.data_ptr(), "preprocess.mean"},
        {normalisation.std.data_ptr(), "preprocess.std"}};
    for (const auto& item : network.named_parameters()) names[item.value().data_ptr()] = item.key();
    for (const auto& item : network.named_buffers()) names[item.value().data_ptr()] = item.key();

    const int size = preprocessing.cropSize;
    auto traced = traceFunction(
        network.architecture(), {torch::rand({1, 3, size, size})},
        [&](const std::vector<torch::Tensor>& inputs) -> std::vector<torch::Tensor> {
            return {contractProbabilities(network, inputs.at(0), normalisation)};
        },
        names, /*foldConstants=*/false);
    if (traced) traced.value().imageSize = size;
    return traced;
}

Result<TracedNetwork> traceFunction(const std::string& what,
                                    const std::vector<torch::Tensor>& examples,
                                    const TracedFunction& forward,
                                    const std::unordered_map<const void*, std::string>& names,
                                    bool foldConstants, const std::string& unnamedPrefix) {
    auto tracedForward = [&](torch::jit::Stack inputs) -> torch::jit::Stack {
        std::vector<torch::Tensor> tensors;
        for (const auto& input : inputs) tensors.push_back(input.toTensor());
        torch::jit::Stack outputs;
        for (auto& output : forward(tensors)) outputs.emplace_back(std::move(output));
        return outputs;
    };
    torch::jit::Stack inputs(examples.begin(), examples.end());
    TracedNetwork traced;
    try {
        auto [state, outputs] = torch::jit::tracer::trace(
            std::move(inputs), tracedForward,
            [](const torch::autograd::Variable&) { return std::string(); },
            /*strict=*/true, /*force_outplace=*/false);
        traced.graph = state->graph;
        if (foldConstants) torch::jit::ConstantPropagation(traced.graph);
    } catch (const c10::Error& error) {
        return Error{"tracing " + what + " for export failed: " + error.what_without_backtrace()};
    }
    int unnamed = 0;
    for (const torch::jit::Node* node : traced.graph->nodes()) {
        if (node->kind() != c10::prim::Constant) continue;
        const torch::jit::Value* output = node->output();
        if (!output->type()->cast<c10::TensorType>()) continue;
        const torch::Tensor tensor = node->t(c10::attr::value);
        const auto found = names.find(tensor.data_ptr());
        const std::string name =
            found != names.end() ? found->second : unnamedPrefix + std::to_string(unnamed++);
        traced.tensors[output] = NamedTensor{name, tensor};
    }
    return traced;
}

c10::IValue constantValue(const torch::jit::Value* value) {
    const torch::jit::Node* producer = value->node();
    // The tracer writes int lists (kernel sizes, strides) as lists of constants.
    if (producer->kind() == c10::prim::ListConstruct) {
        std::vector<int64_t> ints;
        for (const torch::jit::Value* element : producer->inputs()) {
            const c10::IValue item = constantValue(element);
            if (!item.isInt()) {
                throw std::runtime_error("a constant list of " + item.tagKind() +
                                         " in the traced graph");
            }
            ints.push_back(item.toInt());
        }
        return ints;
    }
    const auto constant = torch::jit::toIValue(value);
    if (!constant) {
        throw std::runtime_error("operation " + std::string(producer->kind().toQualString()) +
                                 " produces a value that is not a constant");
    }
    return *constant;
}

}  // namespace fovea::core::exporting
