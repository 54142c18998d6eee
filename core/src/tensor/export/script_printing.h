#pragma once

// Writing TorchScript source from C++: literals as the TorchScript compiler reads them back
// exactly, and a traced graph of ATen operations printed back as statements. The classifier's
// TorchScript export prints its whole traced network so; the detector's prints its traced
// backbone body and writes its other stages by hand.
#include <string>
#include <unordered_map>
#include <vector>

#include <ATen/core/ivalue.h>
#include <torch/csrc/jit/ir/ir.h>

namespace fovea::core::exporting {

// A float as TorchScript reads it back exactly ("%.17g", always with a point or exponent).
std::string scriptFloat(double value);
// A string literal.
std::string scriptString(const std::string& text);
// ["a", "b"]
std::string scriptStringList(const std::vector<std::string>& items);
// None, bools, ints, floats, strings, int and float lists; throws std::runtime_error for others.
std::string scriptLiteral(const c10::IValue& value);

// Prints a traced graph as one `vN = torch.<op>(...)` statement per node. Tensor constants are
// module attributes (`attributes`: the prim::Constant value -> attribute name); other constants
// and constant lists are written inline where used. Throws std::runtime_error, naming the
// operation, for a node that is not an ATen operation.
class GraphSourcePrinter {
  public:
    GraphSourcePrinter(const torch::jit::Graph& graph,
                       std::unordered_map<const torch::jit::Value*, std::string> attributes);

    // The statements, indented for a method body whose first argument is `inputName`.
    std::string statements(const std::string& inputName);
    // A value as an expression: its variable, `self.<attribute>` or a literal.
    std::string expression(const torch::jit::Value* value);

  private:
    std::string outputs(const torch::jit::Node* node);
    std::string arguments(const torch::jit::Node* node);

    const torch::jit::Graph& m_graph;
    std::unordered_map<const torch::jit::Value*, std::string> m_attributes;
    std::unordered_map<const torch::jit::Value*, std::string> m_names;
};

}  // namespace fovea::core::exporting
