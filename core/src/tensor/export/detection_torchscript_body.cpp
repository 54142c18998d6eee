#include "detection_torchscript_body.h"

#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/torch.h>

#include <sstream>
#include <unordered_map>

#include "detection_torchscript_source.h"

namespace fovea::core::exporting {
namespace {

using torch::jit::Node;
using torch::jit::Value;

// Eval mode and no parameter asking for gradients (the tracer refuses to bake such tensors
// into the graph), restored when done.
class BodyTracingPose {
  public:
    explicit BodyTracingPose(torch::nn::Module& module)
        : m_module(module), m_training(module.is_training()) {
        for (auto& parameter : module.parameters()) {
            m_requiresGrad.push_back(parameter.requires_grad());
            parameter.set_requires_grad(false);
        }
        module.eval();
    }
    ~BodyTracingPose() {
        size_t index = 0;
        for (auto& parameter : m_module.parameters()) {
            parameter.set_requires_grad(m_requiresGrad[index++]);
        }
        m_module.train(m_training);
    }
    BodyTracingPose(const BodyTracingPose&) = delete;
    BodyTracingPose& operator=(const BodyTracingPose&) = delete;

  private:
    torch::nn::Module& m_module;
    bool m_training;
    std::vector<bool> m_requiresGrad;
};

std::string constantLiteral(const c10::IValue& value) {
    if (value.isNone()) return "None";
    if (value.isBool()) return value.toBool() ? "True" : "False";
    if (value.isInt()) return std::to_string(value.toInt());
    if (value.isDouble()) return scriptFloat(value.toDouble());
    if (value.isString()) return scriptString(value.toStringRef());
    if (value.isIntList()) {
        const auto list = value.toIntVector();
        if (list.empty()) return "annotate(List[int], [])";
        std::string text = "[";
        for (size_t i = 0; i < list.size(); ++i) text += (i ? ", " : "") + std::to_string(list[i]);
        return text + "]";
    }
    throw std::runtime_error("cannot write the constant " + value.tagKind() + " as TorchScript");
}

class BodyPrinter {
  public:
    BodyPrinter(const torch::jit::Graph& graph,
                std::unordered_map<const Value*, std::string> attributes)
        : m_graph(graph), m_attributes(std::move(attributes)) {}

    std::string source() {
        std::ostringstream source;
        source << "def backbone_body(self, x: Tensor) -> List[Tensor]:\n";
        m_names[m_graph.inputs().at(0)] = "x";
        for (const Node* node : m_graph.nodes()) {
            if (node->kind() == c10::prim::Constant || node->kind() == c10::prim::ListConstruct) {
                continue;  // written inline where used
            }
            if (node->kind().ns() != c10::namespaces::aten) {
                throw std::runtime_error(std::string("cannot write ") +
                                         node->kind().toQualString() + " as TorchScript");
            }
            source << "    " << outputs(node) << " = torch." << node->kind().toUnqualString() << "("
                   << arguments(node) << ")\n";
        }
        source << "    return [";
        for (size_t i = 0; i < m_graph.outputs().size(); ++i) {
            source << (i ? ", " : "") << expression(m_graph.outputs()[i]);
        }
        source << "]\n";
        return source.str();
    }

  private:
    std::string outputs(const Node* node) {
        std::string text;
        for (const Value* output : node->outputs()) {
            const std::string name = "v" + std::to_string(output->unique());
            m_names[output] = name;
            text += (text.empty() ? "" : ", ") + name;
        }
        return text;
    }

    std::string arguments(const Node* node) {
        const c10::FunctionSchema* schema = node->maybeSchema();
        if (!schema) {
            throw std::runtime_error(std::string("no schema for ") + node->kind().toQualString());
        }
        std::string text;
        for (size_t i = 0; i < node->inputs().size(); ++i) {
            const auto& argument = schema->arguments().at(i);
            text += i ? ", " : "";
            if (argument.kwarg_only()) text += argument.name() + "=";
            text += expression(node->inputs()[i]);
        }
        return text;
    }

    std::string expression(const Value* value) {
        if (const auto named = m_names.find(value); named != m_names.end()) return named->second;
        if (const auto attribute = m_attributes.find(value); attribute != m_attributes.end()) {
            return "self." + attribute->second;
        }
        const Node* producer = value->node();
        if (producer->kind() == c10::prim::ListConstruct && !producer->inputs().empty()) {
            std::string text = "[";
            for (size_t i = 0; i < producer->inputs().size(); ++i) {
                text += (i ? ", " : "") + expression(producer->inputs()[i]);
            }
            return text + "]";
        }
        const auto constant = torch::jit::toIValue(value);
        if (!constant) {
            throw std::runtime_error("operation " + std::string(producer->kind().toQualString()) +
                                     " produces a value that is not a constant");
        }
        return constantLiteral(*constant);
    }

    const torch::jit::Graph& m_graph;
    std::unordered_map<const Value*, std::string> m_attributes;
    std::unordered_map<const Value*, std::string> m_names;
};

}  // namespace

Result<std::string> backboneBodySource(
    detection::FasterRcnnImpl& model,
    const std::function<std::string(const std::string& stateDictName)>& attributeOf,
    const std::function<std::string(const torch::Tensor& constant)>& registerConstant) {
    BodyTracingPose pose(model);
    torch::NoGradGuard noGrad;
    // Constants are found again by their storage: the tracer bakes the very tensors in.
    std::unordered_map<const void*, std::string> names;
    for (const auto& item : model.named_parameters()) names[item.value().data_ptr()] = item.key();
    for (const auto& item : model.named_buffers()) names[item.value().data_ptr()] = item.key();

    detection::BackboneBodyImpl& body = model.backbone()->body();
    // Any size works (nothing size-dependent is recorded); 64 x 96 keeps the trace cheap.
    const auto example = torch::rand({1, 3, 64, 96});
    auto forward = [&](torch::jit::Stack inputs) -> torch::jit::Stack {
        torch::jit::Stack outputs;
        for (auto& map : body.forward(inputs.at(0).toTensor())) outputs.emplace_back(map);
        return outputs;
    };
    try {
        auto [state, outputs] = torch::jit::tracer::trace(
            {example}, forward, [](const torch::autograd::Variable&) { return std::string(); },
            /*strict=*/true, /*force_outplace=*/false);
        std::unordered_map<const Value*, std::string> attributes;
        for (const Node* node : state->graph->nodes()) {
            if (node->kind() != c10::prim::Constant) continue;
            const Value* output = node->output();
            if (!output->type()->cast<c10::TensorType>()) continue;
            const torch::Tensor tensor = node->t(c10::attr::value);
            const auto found = names.find(tensor.data_ptr());
            attributes[output] =
                found != names.end() ? attributeOf(found->second) : registerConstant(tensor);
        }
        return BodyPrinter(*state->graph, std::move(attributes)).source();
    } catch (const c10::Error& error) {
        return Error{"tracing the backbone of " +
                     detection::architectureName(model.architecture()) +
                     " failed: " + error.what_without_backtrace()};
    } catch (const std::exception& error) {
        return Error{"printing the backbone of " +
                     detection::architectureName(model.architecture()) +
                     " as TorchScript failed: " + error.what()};
    }
}

}  // namespace fovea::core::exporting
