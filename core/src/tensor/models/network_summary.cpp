#include "fovea/core/models/network_summary.h"

#include <torch/nn/module.h>

#include <algorithm>
#include <exception>

#include "fovea/core/models/weight_catalogue.h"
#include "fovea/core/models/zoo.h"

namespace fovea::core {
namespace {

using ModulePtr = std::shared_ptr<torch::nn::Module>;

// "fovea::core::(anonymous namespace)::BasicBlockImpl" -> "BasicBlock".
std::string moduleTypeName(const std::string& demangled) {
    const auto scope = demangled.rfind("::");
    std::string name = scope == std::string::npos ? demangled : demangled.substr(scope + 2);
    if (name.size() > 4 && name.compare(name.size() - 4, 4, "Impl") == 0)
        name.resize(name.size() - 4);
    return name;
}

std::string shapeText(const torch::Tensor& tensor) {
    std::string text = "[";
    for (const int64_t size : tensor.sizes()) {
        text += (text.size() > 1 ? ", " : "") + std::to_string(size);
    }
    return text + "]";
}

// The layer a parameter belongs to, `depth` module levels below the block's module path:
// "layer1.0.conv1.weight" under "layer1" at depth 1 is "layer1.0". Parameters held directly
// by the path's module ("fc.weight" under "fc") belong to the path itself.
std::string layerPath(const std::string& modulePath, const std::string& parameterName, int depth) {
    std::vector<std::string> parts;
    const std::string rest = parameterName.substr(modulePath.size() + 1);
    std::size_t start = 0;
    while (start <= rest.size()) {
        const std::size_t dot = std::min(rest.find('.', start), rest.size());
        if (dot > start) parts.push_back(rest.substr(start, dot - start));
        start = dot + 1;
    }
    std::string path = modulePath;
    const int modules = static_cast<int>(parts.size()) - 1;  // the last part names the tensor
    for (int i = 0; i < std::min(depth, modules); ++i)
        path += "." + parts[static_cast<std::size_t>(i)];
    return path;
}

bool isUnder(const std::string& name, const std::string& modulePath) {
    return name.size() > modulePath.size() && name.compare(0, modulePath.size(), modulePath) == 0 &&
           name[modulePath.size()] == '.';
}

// The block's parameters grouped into layers `depth` module levels below its module paths.
std::vector<LayerSummary> layersAt(const BlockSpec& block,
                                   const torch::OrderedDict<std::string, torch::Tensor>& parameters,
                                   const torch::OrderedDict<std::string, ModulePtr>& modules,
                                   int depth) {
    std::vector<LayerSummary> layers;
    for (const auto& item : parameters) {
        for (const auto& path : block.modulePaths) {
            if (!isUnder(item.key(), path)) continue;
            const std::string layer = layerPath(path, item.key(), depth);
            auto it = std::find_if(layers.begin(), layers.end(),
                                   [&](const LayerSummary& l) { return l.path == layer; });
            if (it == layers.end()) {
                LayerSummary summary;
                summary.path = layer;
                if (const ModulePtr* module = modules.find(layer)) {
                    summary.type = moduleTypeName((*module)->name());
                }
                layers.push_back(summary);
                it = layers.end() - 1;
            }
            it->parameters += item.value().numel();
            it->tensors.push_back(item.key() + " " + shapeText(item.value()));
            break;
        }
    }
    return layers;
}

// Starts one level below the block's module paths and goes deeper while that gives a single
// layer (MobileNet's "features.3" holds only "features.3.conv"), so a block opens onto
// something worth reading.
std::vector<LayerSummary> layersOf(const BlockSpec& block,
                                   const torch::OrderedDict<std::string, torch::Tensor>& parameters,
                                   const torch::OrderedDict<std::string, ModulePtr>& modules) {
    constexpr int kDeepest = 3;
    for (int depth = 1; depth <= kDeepest; ++depth) {
        auto layers = layersAt(block, parameters, modules, depth);
        if (layers.size() > 1) return layers;
    }
    return layersAt(block, parameters, modules, 1);
}

NetworkSummary summarize(NetworkImpl& network) {
    NetworkSummary summary;
    summary.architecture = network.architecture();
    summary.numClasses = network.numClasses();
    const auto parameters = network.named_parameters(/*recurse=*/true);
    const auto modules = network.named_modules(/*name_prefix=*/"", /*include_self=*/false);
    for (const auto& block : network.blocks()) {
        BlockSummary blockSummary;
        blockSummary.name = block.name;
        blockSummary.modulePaths = block.modulePaths;
        blockSummary.parameters = countBlockParameters(network, block);
        blockSummary.layers = layersOf(block, parameters, modules);
        summary.blocks.push_back(blockSummary);
    }
    summary.tensors.resize(parameters.size());
    for (std::size_t i = 0; i < summary.tensors.size(); ++i) {
        summary.tensors[i].elements = parameters[i].value().numel();
    }
    // Which blocks freeze which tensor, asked of the network itself, so counts can be redone
    // as choices change without the network and still agree with countParameters.
    for (std::size_t b = 0; b < summary.blocks.size(); ++b) {
        network.setFrozenBlocks({network.blocks()[b].name});
        for (std::size_t i = 0; i < summary.tensors.size(); ++i) {
            if (!parameters[i].value().requires_grad()) {
                summary.tensors[i].blocks.push_back(static_cast<int>(b));
            }
        }
    }
    network.setFrozenBlocks({});
    return summary;
}

std::vector<std::string> namesUpTo(const std::vector<std::string>& names,
                                   const std::string& lastFrozen) {
    const auto last = std::find(names.begin(), names.end(), lastFrozen);
    if (last == names.end()) return {};
    return {names.begin(), last + 1};
}

}  // namespace

std::int64_t NetworkSummary::totalParameters() const {
    std::int64_t total = 0;
    for (const auto& tensor : tensors) total += tensor.elements;
    return total;
}

std::int64_t NetworkSummary::trainableParameters(const std::set<std::string>& frozenBlocks) const {
    std::int64_t trainable = 0;
    for (const auto& tensor : tensors) {
        const bool frozen = std::any_of(tensor.blocks.begin(), tensor.blocks.end(), [&](int b) {
            return frozenBlocks.count(blocks[static_cast<std::size_t>(b)].name) != 0;
        });
        if (!frozen) trainable += tensor.elements;
    }
    return trainable;
}

std::vector<std::string> NetworkSummary::blockNames() const {
    std::vector<std::string> names;
    for (const auto& block : blocks) names.push_back(block.name);
    return names;
}

std::vector<std::string> NetworkSummary::blocksUpTo(const std::string& lastFrozen) const {
    return namesUpTo(blockNames(), lastFrozen);
}

bool NetworkSummary::hasBlock(const std::string& name) const {
    return std::any_of(blocks.begin(), blocks.end(),
                       [&](const BlockSummary& block) { return block.name == name; });
}

bool NetworkShape::operator==(const NetworkShape& other) const {
    return architecture == other.architecture && numClasses == other.numClasses &&
           offlineDefaultHead == other.offlineDefaultHead && dropout == other.dropout &&
           hiddenUnits == other.hiddenUnits;
}

Result<NetworkSummary> summarizeNetwork(const NetworkShape& shape) {
    try {
        auto created = createNetwork(shape.architecture, shape.numClasses);
        if (!created) return created.error();
        NetworkImpl& network = *created.value();
        if (shape.offlineDefaultHead) network.replaceHead({shape.numClasses});
        if (shape.dropout > 0.0 || shape.hiddenUnits > 0) {
            network.replaceHead({shape.numClasses, shape.dropout, shape.hiddenUnits});
        }
        return summarize(network);
    } catch (const c10::Error& e) {
        return Error{shape.architecture + ": " + e.what_without_backtrace(), ErrorKind::Internal};
    } catch (const std::exception& e) {
        return Error{shape.architecture + ": " + e.what(), ErrorKind::Internal};
    }
}

std::string lastImageNetBlock(const std::string& architecture) {
    // The values the converters write (keras_mobilenet_import.cpp, keras_inception_import.cpp).
    if (architecture == "mobilenet_v2_keras") return "block10";
    if (architecture == "inception_v3_keras") return "Mixed_6c";
    return {};
}

WeightsKind classifyWeights(const std::string& architecture, const std::string& weights) {
    if (weights == "none") return WeightsKind::Random;
    const auto sources = weightSourcesFor(architecture);
    if (weights == "default") {
        if (!sources.empty() && sources.front().url.empty()) return WeightsKind::OfflineDefault;
        return sources.empty() ? WeightsKind::Random : WeightsKind::Catalogue;
    }
    if (isWeightUrl(weights)) {
        const bool known = std::any_of(sources.begin(), sources.end(),
                                       [&](const WeightSource& s) { return s.url == weights; });
        return known ? WeightsKind::Catalogue : WeightsKind::Url;
    }
    return WeightsKind::LocalFile;
}

FreezingAdvice recommendedFreezing(const std::string& architecture, const std::string& weights,
                                   const std::vector<std::string>& blockNames) {
    const WeightsKind kind = classifyWeights(architecture, weights);
    if (kind == WeightsKind::Random) {
        return {{}, "Random weights hold nothing worth keeping: train every block."};
    }
    const std::string lastImageNet = lastImageNetBlock(architecture);
    if (kind == WeightsKind::OfflineDefault && !namesUpTo(blockNames, lastImageNet).empty()) {
        return {namesUpTo(blockNames, lastImageNet),
                "The offline weights hold ImageNet features through " + lastImageNet +
                    " (nsfwjs retrained the later blocks for its own task): freeze the stem "
                    "through " +
                    lastImageNet + ", train the rest and the new head."};
    }
    // Pretrained on ImageNet: early blocks hold general features worth keeping; the last block
    // and the head adapt to the new classes (Yosinski et al. 2014).
    const std::size_t count = blockNames.size();
    if (count < 3) return {{}, "Train every block."};
    return {namesUpTo(blockNames, blockNames[count - 3]),
            "Pretrained weights: keep the general early blocks frozen and fine-tune the last "
            "block (" +
                blockNames[count - 2] +
                ") with the new head; a good start for a few hundred images per class. "
                "Unfreeze more blocks when there are more images."};
}

}  // namespace fovea::core
