#include "fovea/core/session/network_setup.h"

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>

#include "fovea/core/models/load_state_dict.h"
#include "fovea/core/models/network_summary.h"
#include "fovea/core/models/weight_catalogue.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/weights/weight_file.h"
#include "fovea/core/weights_import/offline_default.h"

namespace fovea::core {
namespace {

// Pretrained weights from a file into a new network with `numClasses` outputs: the backbone
// loads, the file's classifier (another class count) is left out.
Result<PreparedNetwork> fromWeightFile(const std::string& architecture,
                                       const std::filesystem::path& file, std::int64_t numClasses,
                                       const std::string& description,
                                       const std::optional<Preprocessing>& preprocessing) {
    auto weights = readWeightFile(file);
    if (!weights) return weights.error();
    auto created = createNetwork(architecture, numClasses);
    if (!created) return created.error();
    auto report = loadStateDict(*created.value(), weights.value(), file.string());
    if (!report) return report.error();
    PreparedNetwork prepared{created.value(), description};
    if (preprocessing) prepared.network->setPreprocessing(*preprocessing);
    return prepared;
}

Result<PreparedNetwork> withWeights(const NetworkChoice& choice, std::int64_t numClasses,
                                    const DownloadProgressCallback& progress,
                                    const std::atomic<bool>* cancel) {
    const std::string& arch = choice.architecture;
    if (!findArchitecture(arch)) {
        std::string known;
        for (const auto& a : architectures()) known += (known.empty() ? "" : ", ") + a.name;
        return Error{"unknown architecture '" + arch + "' (known: " + known + ")"};
    }
    if (choice.weights == "none") {
        auto created = createNetwork(arch, numClasses);
        if (!created) return created.error();
        return PreparedNetwork{created.value(), "none (random initialisation)"};
    }
    if (choice.weights == "default") {
        const std::filesystem::path offline = offlineWeightsPath(arch);
        if (arch == "mobilenet_v2_keras" || arch == "inception_v3_keras") {
            auto network = loadOfflineDefaultNetwork(numClasses, offline);
            if (!network) return network.error();
            return PreparedNetwork{network.value(), "offline default: " + offline.string()};
        }
        const auto sources = weightSourcesFor(arch);
        const auto source = std::find_if(sources.begin(), sources.end(),
                                         [](const WeightSource& s) { return !s.url.empty(); });
        if (source == sources.end()) {
            return Error{"no pretrained weights are known for " + arch + "; use --weights none"};
        }
        auto file = fetchToCache(source->url, source->sha256, progress, cancel);
        if (!file) return file.error();
        return fromWeightFile(arch, file.value(), numClasses,
                              source->name + " (" + source->url + ")", source->preprocessing);
    }
    if (isWeightUrl(choice.weights)) {
        auto file = fetchToCache(choice.weights, "", progress, cancel);
        if (!file) return file.error();
        return fromWeightFile(arch, file.value(), numClasses, choice.weights, std::nullopt);
    }
    return fromWeightFile(arch, choice.weights, numClasses, choice.weights, std::nullopt);
}

Result<void> applyFreezing(const NetworkChoice& choice, NetworkImpl& network) {
    auto known = [&](const std::string& name) {
        return std::any_of(network.blocks().begin(), network.blocks().end(),
                           [&](const BlockSpec& b) { return b.name == name; });
    };
    auto unknown = [&](const std::string& name) {
        std::string names;
        for (const auto& b : network.blocks()) names += (names.empty() ? "" : ", ") + b.name;
        return Error{network.architecture() + " has no block named '" + name +
                     "' (blocks: " + names + ")"};
    };
    if (choice.freezeUpTo) {
        if (!known(*choice.freezeUpTo)) return unknown(*choice.freezeUpTo);
        network.setFrozenBlocks(blocksUpTo(network, *choice.freezeUpTo));
    } else if (choice.freeze) {
        for (const auto& name : *choice.freeze) {
            if (!known(name)) return unknown(name);
        }
        network.setFrozenBlocks({choice.freeze->begin(), choice.freeze->end()});
    } else {
        // Nothing chosen: what the workbench's Model page recommends for these weights.
        std::vector<std::string> names;
        for (const auto& block : network.blocks()) names.push_back(block.name);
        const FreezingAdvice advice =
            recommendedFreezing(choice.architecture, choice.weights, names);
        network.setFrozenBlocks({advice.frozenBlocks.begin(), advice.frozenBlocks.end()});
    }
    if (network.frozenBlocks().count("head")) {
        return Error{"the head of " + network.architecture() +
                     " cannot be frozen: nothing would be trained"};
    }
    return {};
}

}  // namespace

Result<PreparedNetwork> prepareNetwork(const NetworkChoice& choice, std::int64_t numClasses,
                                       const DownloadProgressCallback& progress,
                                       const std::atomic<bool>* cancel) {
    try {
        auto prepared = withWeights(choice, numClasses, progress, cancel);
        if (!prepared) return prepared.error();
        NetworkImpl& network = *prepared.value().network;
        if (choice.head.dropout > 0 || choice.head.hiddenUnits > 0) {
            HeadOptions head = choice.head;
            head.numClasses = numClasses;
            network.replaceHead(head);
        }
        if (auto frozen = applyFreezing(choice, network); !frozen) return frozen.error();
        if (choice.imageSize > 0)
            network.setPreprocessing(atImageSize(network.preprocessing(), choice.imageSize));
        return prepared;
    } catch (const c10::Error& e) {
        return Error{choice.architecture + ": " + e.what_without_backtrace()};
    }
}

}  // namespace fovea::core
