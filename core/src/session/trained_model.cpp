#include "fovea/core/session/trained_model.h"

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <optional>

#include "network_with_weights.h"

#include "fovea/core/models/load_state_dict.h"
#include "fovea/core/models/preprocessing_json.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/weights/safetensors.h"

namespace fovea::core {

Result<void> saveTrainedModel(const std::filesystem::path& file, const NetworkImpl& network,
                              const std::vector<std::string>& classNames,
                              const std::map<std::string, std::string>& extraMetadata) {
    StateDict state;
    for (const auto& item : network.named_parameters()) {
        state.insert(item.key(), item.value().detach().to(torch::kCPU).contiguous());
    }
    for (const auto& item : network.named_buffers()) {
        state.insert(item.key(), item.value().detach().to(torch::kCPU).contiguous());
    }
    std::map<std::string, std::string> metadata = extraMetadata;
    metadata["fovea.architecture"] = network.architecture();
    metadata["fovea.labels"] = nlohmann::json(classNames).dump();
    metadata["fovea.preprocessing"] = toJson(network.preprocessing()).dump();
    metadata["fovea.frozen_blocks"] = nlohmann::json(network.frozenBlocks()).dump();
    return writeSafetensors(file, state, metadata);
}

Result<NetworkPtr> networkWithWeights(const std::string& architecture, size_t classCount,
                                      const std::map<std::string, std::string>& metadata,
                                      const StateDict& weights, const std::string& source) {
    auto created = createNetwork(architecture, static_cast<std::int64_t>(classCount));
    if (!created) return Error{source + ": " + created.error().message};
    NetworkPtr network = created.value();
    HeadOptions head;
    head.numClasses = static_cast<std::int64_t>(classCount);
    // The head shape (hidden layer, dropout) is part of the weights: rebuild it when recorded.
    if (const auto found = metadata.find("fovea.head"); found != metadata.end()) {
        const auto json = nlohmann::json::parse(found->second, nullptr, false);
        if (json.is_object()) {
            head.dropout = json.value("dropout", 0.0);
            head.hiddenUnits = json.value("hidden_units", std::int64_t{0});
            if (head.dropout > 0 || head.hiddenUnits > 0) network->replaceHead(head);
        }
    }
    auto loaded = loadStateDict(*network, weights, source);
    if (!loaded) return loaded.error();
    if (!loaded.value().skippedHeadKeys.empty()) {
        // Architectures whose own classifier differs from a replaced one (the Keras variants'
        // nsfwjs top) hold either layout, depending on how training started: try the other.
        network->replaceHead(head);
        loaded = loadStateDict(*network, weights, source);
        if (!loaded) return loaded.error();
        if (!loaded.value().skippedHeadKeys.empty()) {
            return Error{source + ": its classifier does not match its " +
                         std::to_string(classCount) + " labels"};
        }
    }
    return network;
}

Result<TrainedModel> loadTrainedModel(const std::filesystem::path& file) {
    auto read = readSafetensors(file);
    if (!read) return read.error();
    const auto& metadata = read.value().metadata;
    auto field = [&](const char* key) -> std::optional<std::string> {
        const auto it = metadata.find(key);
        if (it == metadata.end()) return std::nullopt;
        return it->second;
    };
    const auto architecture = field("fovea.architecture");
    const auto labels = field("fovea.labels");
    const auto preprocessingText = field("fovea.preprocessing");
    if (!architecture || !labels || !preprocessingText) {
        return Error{file.string() +
                     ": not a Fovea model (fovea.architecture, fovea.labels or "
                     "fovea.preprocessing missing from its metadata)"};
    }
    const auto names = nlohmann::json::parse(*labels, nullptr, false);
    const auto preprocessingJson = nlohmann::json::parse(*preprocessingText, nullptr, false);
    if (!names.is_array() || names.empty()) return Error{file.string() + ": bad fovea.labels"};
    auto preprocessing = preprocessingFromJson(preprocessingJson);
    if (!preprocessing) return Error{file.string() + ": " + preprocessing.error().message};

    TrainedModel model;
    for (const auto& name : names) {
        if (!name.is_string()) return Error{file.string() + ": bad fovea.labels"};
        model.classNames.push_back(name.get<std::string>());
    }
    auto network = networkWithWeights(*architecture, model.classNames.size(), metadata,
                                      read.value().tensors, file.string());
    if (!network) return network.error();
    model.network = network.value();
    model.network->setPreprocessing(preprocessing.value());
    model.network->eval();
    model.metadata = metadata;
    return model;
}

std::string architectureOf(const TrainedModel& model) { return model.network->architecture(); }

}  // namespace fovea::core
