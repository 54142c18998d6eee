// TorchScript from C++ without Python: the traced graph is printed back as TorchScript source
// (one `torch.<aten op>(...)` call per node, tensors as module attributes), compiled with
// Module::define and saved. The result is an ordinary scripted module for torch.jit.load.
#include <torch/csrc/jit/api/module.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdio>
#include <set>
#include <sstream>

#include "fovea/core/atomic_file.h"
#include "fovea/core/export/model_export.h"
#include "traced_network.h"

namespace fovea::core {
namespace {

using exporting::TracedNetwork;
using torch::jit::Node;
using torch::jit::Value;

std::string quoted(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                out += c;
        }
    }
    return out + "\"";
}

std::string floatLiteral(double value) {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%.17g", value);
    std::string text = buffer;
    // "1" would be an int to the TorchScript compiler.
    if (text.find_first_of(".eEn") == std::string::npos) text += ".";
    return text;
}

std::string literal(const c10::IValue& value) {
    if (value.isNone()) return "None";
    if (value.isBool()) return value.toBool() ? "True" : "False";
    if (value.isInt()) return std::to_string(value.toInt());
    if (value.isDouble()) return floatLiteral(value.toDouble());
    if (value.isString()) return quoted(value.toStringRef());
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
        for (size_t i = 0; i < list.size(); ++i) text += (i ? ", " : "") + floatLiteral(list[i]);
        return text + "]";
    }
    throw std::runtime_error("cannot write the constant " + value.tagKind() + " as TorchScript");
}

// Attribute names must be identifiers: "layer1.0.conv1.weight" -> "layer1_0_conv1_weight".
std::string attributeName(const std::string& tensorName, std::set<std::string>& taken) {
    std::string name;
    for (const char c : tensorName) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) name = "t_" + name;
    std::string unique = name;
    for (int i = 2; taken.count(unique); ++i) unique = name + "_" + std::to_string(i);
    taken.insert(unique);
    return unique;
}

class SourcePrinter {
  public:
    SourcePrinter(const TracedNetwork& traced, torch::jit::Module& module,
                  const NetworkImpl& network)
        : m_traced(traced), m_module(module) {
        std::set<std::string> parameterNames;
        for (const auto& item : network.named_parameters()) parameterNames.insert(item.key());
        std::set<std::string> taken{"training"};
        for (const auto& [value, named] : traced.tensors) {
            const std::string name = attributeName(named.name, taken);
            m_attributes[value] = name;
            const bool isParameter = parameterNames.count(named.name) > 0;
            const auto tensor = named.tensor.detach().clone();
            if (isParameter) {
                m_module.register_parameter(name, tensor, /*is_buffer=*/false);
            } else {
                m_module.register_buffer(name, tensor);
            }
        }
    }

    std::string forwardSource() {
        std::ostringstream source;
        source << "def forward(self, image: Tensor) -> Tensor:\n";
        const Value* input = m_traced.graph->inputs().at(0);
        m_names[input] = "image";
        for (const Node* node : m_traced.graph->nodes()) {
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
        source << "    return " << expression(m_traced.graph->outputs().at(0)) << "\n";
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
        if (producer->kind() == c10::prim::ListConstruct) {
            if (producer->inputs().empty()) return literal(exporting::constantValue(value));
            std::string text = "[";
            for (size_t i = 0; i < producer->inputs().size(); ++i) {
                text += (i ? ", " : "") + expression(producer->inputs()[i]);
            }
            return text + "]";
        }
        return literal(exporting::constantValue(value));
    }

    const TracedNetwork& m_traced;
    torch::jit::Module& m_module;
    std::unordered_map<const Value*, std::string> m_attributes;
    std::unordered_map<const Value*, std::string> m_names;
};

std::string stringListSource(const std::vector<std::string>& items) {
    std::string text = "[";
    for (size_t i = 0; i < items.size(); ++i) text += (i ? ", " : "") + quoted(items[i]);
    return text + "]";
}

}  // namespace

Result<void> writeTorchScript(NetworkImpl& network, const std::vector<std::string>& classNames,
                              const std::filesystem::path& file) {
    auto traced = exporting::traceNetwork(network);
    if (!traced) return traced.error();
    const auto metadata = exportMetadata(network, classNames);
    try {
        torch::jit::Module module("FoveaClassifier");
        SourcePrinter printer(traced.value(), module, network);
        module.define(printer.forwardSource());
        // Labels and preprocessing as methods too, so a C++ or Python caller can ask the model.
        module.define("def class_labels(self) -> List[str]:\n    return " +
                      stringListSource(classNames) + "\n");
        module.define("def preprocessing_json(self) -> str:\n    return " +
                      quoted(metadata.at("fovea.preprocessing")) + "\n");
        module.define("def input_contract(self) -> str:\n    return " +
                      quoted(metadata.at("fovea.input_contract")) + "\n");
        module.eval();
        torch::jit::ExtraFilesMap extraFiles{
            {"labels.json", metadata.at("fovea.labels")},
            {"preprocessing.json", metadata.at("fovea.preprocessing")},
            {"fovea.json", nlohmann::json(metadata).dump(2)},
        };
        std::ostringstream bytes;
        module.save(bytes, extraFiles);
        return files::writeFileAtomically(file, bytes.str());
    } catch (const c10::Error& error) {
        return Error{file.string() +
                     ": writing TorchScript failed: " + error.what_without_backtrace()};
    } catch (const std::exception& error) {
        return Error{file.string() + ": writing TorchScript failed: " + error.what()};
    }
}

}  // namespace fovea::core
