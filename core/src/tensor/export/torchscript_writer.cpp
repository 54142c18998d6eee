// TorchScript from C++ without Python: the traced graph is printed back as TorchScript source
// (one `torch.<aten op>(...)` call per node, tensors as module attributes), compiled with
// Module::define and saved. The result is an ordinary scripted module for torch.jit.load.
#include <torch/csrc/jit/api/module.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <set>
#include <sstream>

#include "fovea/core/atomic_file.h"
#include "fovea/core/export/model_export.h"
#include "script_printing.h"
#include "traced_network.h"

namespace fovea::core {
namespace {

using exporting::TracedNetwork;
using torch::jit::Node;
using torch::jit::Value;

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
        exporting::GraphSourcePrinter printer(*m_traced.graph, m_attributes);
        // The statements first: they name the values the return expression uses.
        std::string source = "def forward(self, image: Tensor) -> Tensor:\n";
        source += printer.statements("image");
        return source + "    return " + printer.expression(m_traced.graph->outputs().at(0)) + "\n";
    }

  private:
    const TracedNetwork& m_traced;
    torch::jit::Module& m_module;
    std::unordered_map<const Value*, std::string> m_attributes;
};

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
                      exporting::scriptStringList(classNames) + "\n");
        module.define("def preprocessing_json(self) -> str:\n    return " +
                      exporting::scriptString(metadata.at("fovea.preprocessing")) + "\n");
        module.define("def input_contract(self) -> str:\n    return " +
                      exporting::scriptString(metadata.at("fovea.input_contract")) + "\n");
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
