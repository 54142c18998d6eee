#include "detection_torchscript_body.h"

#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/csrc/jit/ir/constants.h>
#include <torch/torch.h>

#include <unordered_map>

#include "script_printing.h"
#include "traced_network.h"

namespace fovea::core::exporting {
namespace {

using torch::jit::Node;
using torch::jit::Value;

}  // namespace

Result<std::string> backboneBodySource(
    detection::FasterRcnnImpl& model,
    const std::function<std::string(const std::string& stateDictName)>& attributeOf,
    const std::function<std::string(const torch::Tensor& constant)>& registerConstant) {
    TracingPose pose(model);
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
        GraphSourcePrinter printer(*state->graph, std::move(attributes));
        std::string source = "def backbone_body(self, x: Tensor) -> List[Tensor]:\n" +
                             printer.statements("x") + "    return [";
        for (size_t i = 0; i < state->graph->outputs().size(); ++i) {
            source += (i ? ", " : "") + printer.expression(state->graph->outputs()[i]);
        }
        return source + "]\n";
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
