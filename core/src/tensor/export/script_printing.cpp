#include "script_printing.h"

#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "traced_network.h"

namespace fovea::core::exporting {

using torch::jit::Node;
using torch::jit::Value;

std::string scriptFloat(double value) {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%.17g", value);
    std::string text = buffer;
    // "1" would be an int to the TorchScript compiler.
    if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
    return text;
}

std::string scriptString(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string scriptStringList(const std::vector<std::string>& items) {
    std::string text = "[";
    for (size_t i = 0; i < items.size(); ++i) text += (i ? ", " : "") + scriptString(items[i]);
    return text + "]";
}

std::string scriptLiteral(const c10::IValue& value) {
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
    if (value.isDoubleList()) {
        const auto list = value.toDoubleVector();
        if (list.empty()) return "annotate(List[float], [])";
        std::string text = "[";
        for (size_t i = 0; i < list.size(); ++i) text += (i ? ", " : "") + scriptFloat(list[i]);
        return text + "]";
    }
    throw std::runtime_error("cannot write the constant " + value.tagKind() + " as TorchScript");
}

GraphSourcePrinter::GraphSourcePrinter(const torch::jit::Graph& graph,
                                       std::unordered_map<const Value*, std::string> attributes)
    : m_graph(graph), m_attributes(std::move(attributes)) {}

std::string GraphSourcePrinter::statements(const std::string& inputName) {
    std::ostringstream source;
    m_names[m_graph.inputs().at(0)] = inputName;
    for (const Node* node : m_graph.nodes()) {
        if (node->kind() == c10::prim::Constant || node->kind() == c10::prim::ListConstruct) {
            continue;  // written inline where used
        }
        if (node->kind().ns() != c10::namespaces::aten) {
            throw std::runtime_error(std::string("cannot write ") + node->kind().toQualString() +
                                     " as TorchScript");
        }
        source << "    " << outputs(node) << " = torch." << node->kind().toUnqualString() << "("
               << arguments(node) << ")\n";
    }
    return source.str();
}

std::string GraphSourcePrinter::outputs(const Node* node) {
    std::string text;
    for (const Value* output : node->outputs()) {
        const std::string name = "v" + std::to_string(output->unique());
        m_names[output] = name;
        text += (text.empty() ? "" : ", ") + name;
    }
    return text;
}

std::string GraphSourcePrinter::arguments(const Node* node) {
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

std::string GraphSourcePrinter::expression(const Value* value) {
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
    return scriptLiteral(constantValue(value));
}

}  // namespace fovea::core::exporting
