#include "model/model_catalogue.h"

#include <torch/torch.h>

#include <QFileInfo>
#include <QUrl>
#include <algorithm>
#include <exception>

#include "fovea/core/download/downloader.h"
#include "fovea/core/models/weight_catalogue.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/weights_import/offline_default.h"

namespace fovea::ui {
namespace {

QString qs(const std::string& text) { return QString::fromStdString(text); }

using ModulePtr = std::shared_ptr<torch::nn::Module>;

bool isUrl(const QString& text) {
    return text.startsWith("http://") || text.startsWith("https://");
}

// "fovea::core::(anonymous namespace)::BasicBlockImpl" -> "BasicBlock".
QString moduleTypeName(const std::string& demangled) {
    QString name = qs(demangled);
    name = name.mid(name.lastIndexOf("::") + (name.contains("::") ? 2 : 0));
    if (name.endsWith("Impl")) name.chop(4);
    return name;
}

QString shapeText(const torch::Tensor& tensor) {
    QStringList sizes;
    for (const int64_t size : tensor.sizes()) sizes << QString::number(size);
    return "[" + sizes.join(", ") + "]";
}

// The layer a parameter belongs to, `depth` module levels below the block's module path:
// "layer1.0.conv1.weight" under "layer1" at depth 1 is "layer1.0". Parameters held directly
// by the path's module ("fc.weight" under "fc") belong to the path itself.
QString layerPath(const std::string& modulePath, const std::string& parameterName, int depth) {
    const QStringList parts =
        qs(parameterName.substr(modulePath.size() + 1)).split('.', Qt::SkipEmptyParts);
    QString path = qs(modulePath);
    const int modules = static_cast<int>(parts.size()) - 1;  // the last part names the tensor
    for (int i = 0; i < std::min(depth, modules); ++i) path += "." + parts[i];
    return path;
}

bool isUnder(const std::string& name, const std::string& modulePath) {
    return name.size() > modulePath.size() && name.compare(0, modulePath.size(), modulePath) == 0 &&
           name[modulePath.size()] == '.';
}

// The block's parameters grouped into layers `depth` module levels below its module paths.
QVector<LayerSummary> layersAt(const core::BlockSpec& block,
                               const torch::OrderedDict<std::string, torch::Tensor>& parameters,
                               const torch::OrderedDict<std::string, ModulePtr>& modules,
                               int depth) {
    QVector<LayerSummary> layers;
    for (const auto& item : parameters) {
        for (const auto& path : block.modulePaths) {
            if (!isUnder(item.key(), path)) continue;
            const QString layer = layerPath(path, item.key(), depth);
            auto it = std::find_if(layers.begin(), layers.end(),
                                   [&](const LayerSummary& l) { return l.path == layer; });
            if (it == layers.end()) {
                LayerSummary summary;
                summary.path = layer;
                if (const ModulePtr* module = modules.find(layer.toStdString())) {
                    summary.type = moduleTypeName((*module)->name());
                }
                layers.push_back(summary);
                it = layers.end() - 1;
            }
            it->parameters += item.value().numel();
            it->tensors << qs(item.key()) + " " + shapeText(item.value());
            break;
        }
    }
    return layers;
}

// Starts one level below the block's module paths and goes deeper while that gives a single
// layer (MobileNet's "features.3" holds only "features.3.conv"), so a block opens onto
// something worth reading.
QVector<LayerSummary> layersOf(const core::BlockSpec& block,
                               const torch::OrderedDict<std::string, torch::Tensor>& parameters,
                               const torch::OrderedDict<std::string, ModulePtr>& modules) {
    constexpr int kDeepest = 3;
    for (int depth = 1; depth <= kDeepest; ++depth) {
        auto layers = layersAt(block, parameters, modules, depth);
        if (layers.size() > 1) return layers;
    }
    return layersAt(block, parameters, modules, 1);
}

NetworkSummary summarize(core::NetworkImpl& network) {
    NetworkSummary summary;
    summary.architecture = qs(network.architecture());
    summary.numClasses = network.numClasses();
    const auto parameters = network.named_parameters(/*recurse=*/true);
    const auto modules = network.named_modules(/*name_prefix=*/"", /*include_self=*/false);
    for (const auto& block : network.blocks()) {
        BlockSummary blockSummary;
        blockSummary.name = qs(block.name);
        for (const auto& path : block.modulePaths) blockSummary.modulePaths << qs(path);
        blockSummary.parameters = core::countBlockParameters(network, block);
        blockSummary.layers = layersOf(block, parameters, modules);
        summary.blocks.push_back(blockSummary);
    }
    summary.tensors.resize(static_cast<int>(parameters.size()));
    for (int i = 0; i < summary.tensors.size(); ++i) {
        summary.tensors[i].elements = parameters[i].value().numel();
    }
    // Which blocks freeze which tensor, asked of core itself, so the page can recount as boxes
    // change without the network and still agree with core::countParameters.
    for (int b = 0; b < summary.blocks.size(); ++b) {
        network.setFrozenBlocks({network.blocks()[b].name});
        for (int i = 0; i < summary.tensors.size(); ++i) {
            if (!parameters[i].value().requires_grad()) summary.tensors[i].blocks.push_back(b);
        }
    }
    network.setFrozenBlocks({});
    return summary;
}

}  // namespace

const QVector<ArchitectureEntry>& architectureEntries() {
    static const QVector<ArchitectureEntry> entries = [] {
        QVector<ArchitectureEntry> list;
        for (const auto& info : core::architectures()) {
            ArchitectureEntry entry;
            entry.name = qs(info.name);
            entry.family = qs(info.family);
            entry.paper = qs(info.paper);
            entry.inputSize = info.preprocessing.cropSize;
            entry.parameters = info.parameters;
            entry.multiplyAccumulates = info.multiplyAccumulates;
            for (const auto& source : core::weightSourcesFor(info.name)) {
                if (source.url.empty()) {
                    entry.hasOfflineWeights = true;
                } else {
                    ++entry.downloadableSources;
                }
                entry.bestImagenetTop1 = std::max(entry.bestImagenetTop1, source.imagenetTop1);
            }
            list.push_back(entry);
        }
        return list;
    }();
    return entries;
}

const ArchitectureEntry* findArchitectureEntry(const QString& name) {
    const auto& entries = architectureEntries();
    const auto it = std::find_if(entries.begin(), entries.end(),
                                 [&](const ArchitectureEntry& e) { return e.name == name; });
    return it == entries.end() ? nullptr : &*it;
}

QString cacheFileFor(const QString& url) {
    // The same name core::fetchToCache gives the file: everything after the last '/'.
    const QString name = url.mid(url.lastIndexOf('/') + 1);
    if (name.isEmpty()) return {};
    return qs((core::cacheDirectory() / "weights" / name.toStdString()).string());
}

QString lastImageNetBlock(const QString& architecture) {
    // The converted files record this too (fovea.last_imagenet_block); these are the values
    // the converter writes (keras_mobilenet_import.cpp, keras_inception_import.cpp).
    if (architecture == "mobilenet_v2_keras") return "block10";
    if (architecture == "inception_v3_keras") return "Mixed_6c";
    return {};
}

QVector<WeightOption> weightOptionsFor(const QString& architecture) {
    QVector<WeightOption> options;
    bool firstDownloadable = true;
    for (const auto& source : core::weightSourcesFor(architecture.toStdString())) {
        WeightOption option;
        if (source.url.empty()) {
            option.kind = WeightKind::OfflineDefault;
            option.value = "default";
            option.file = qs(core::offlineWeightsPath(source.architecture).string());
            const QString last = lastImageNetBlock(architecture);
            option.label =
                last.isEmpty()
                    ? QString("Offline default (no download)")
                    : QString("Offline default: ImageNet through %1 (no download)").arg(last);
            option.description = QString("Ships with Fovea, no internet needed. %1.\nFile: %2")
                                     .arg(qs(source.origin), option.file);
        } else {
            option.kind = WeightKind::Catalogue;
            option.value = firstDownloadable ? QString("default") : qs(source.url);
            option.url = qs(source.url);
            option.sha256 = qs(source.sha256);
            option.file = cacheFileFor(option.url);
            option.label = QString("%1: ImageNet top-1 %2%%3")
                               .arg(qs(source.name))
                               .arg(source.imagenetTop1, 0, 'f', 1)
                               .arg(firstDownloadable ? " (recommended)" : "");
            option.description =
                QString(
                    "%1's %2 weights, %3% top-1 on ImageNet-1k.\nDownloaded once from %4,\n"
                    "checked against SHA-256 %5..., and kept in %6.")
                    .arg(qs(source.origin), qs(source.name))
                    .arg(source.imagenetTop1, 0, 'f', 2)
                    .arg(option.url, option.sha256, QFileInfo(option.file).absolutePath());
            firstDownloadable = false;
        }
        options.push_back(option);
    }
    WeightOption random;
    random.kind = WeightKind::Random;
    random.value = "none";
    random.label = "Random initialisation";
    random.description =
        "No pretrained weights: every layer starts from torchvision's initialisation. Needs many "
        "images and epochs; there is nothing worth freezing.";
    options.push_back(random);
    return options;
}

WeightOption weightOptionFor(const QString& architecture, const QString& weights) {
    const auto options = weightOptionsFor(architecture);
    for (const auto& option : options) {
        if (option.value == weights) return option;
    }
    WeightOption option;
    option.value = weights;
    if (isUrl(weights)) {
        option.kind = WeightKind::Url;
        option.url = weights;
        option.file = cacheFileFor(weights);
        for (const auto& known : options) {
            if (known.url == weights) option.sha256 = known.sha256;
        }
        option.label = "URL: " + QUrl(weights).fileName();
        option.description = QString("Downloaded once from %1 and kept in %2.")
                                 .arg(weights, QFileInfo(option.file).absolutePath());
    } else {
        option.kind = WeightKind::LocalFile;
        option.file = weights;
        option.label = "File: " + QFileInfo(weights).fileName();
        option.description =
            QString(
                "Your own .pth or .safetensors file:\n%1\nTensors whose names match the "
                "network load; the file's classifier is replaced by a new head.")
                .arg(weights);
    }
    return option;
}

qint64 NetworkSummary::totalParameters() const {
    qint64 total = 0;
    for (const auto& tensor : tensors) total += tensor.elements;
    return total;
}

qint64 NetworkSummary::trainableParameters(const QSet<QString>& frozenBlocks) const {
    qint64 trainable = 0;
    for (const auto& tensor : tensors) {
        const bool frozen = std::any_of(tensor.blocks.begin(), tensor.blocks.end(), [&](int b) {
            return frozenBlocks.contains(blocks[b].name);
        });
        if (!frozen) trainable += tensor.elements;
    }
    return trainable;
}

QStringList NetworkSummary::blocksUpTo(const QString& lastFrozen) const {
    QStringList names;
    for (const auto& block : blocks) {
        names << block.name;
        if (block.name == lastFrozen) return names;
    }
    return {};
}

bool NetworkSummary::hasBlock(const QString& name) const {
    return std::any_of(blocks.begin(), blocks.end(),
                       [&](const BlockSummary& block) { return block.name == name; });
}

bool NetworkRequest::operator==(const NetworkRequest& other) const {
    return architecture == other.architecture && numClasses == other.numClasses &&
           offlineDefaultHead == other.offlineDefaultHead && dropout == other.dropout &&
           hiddenUnits == other.hiddenUnits;
}

core::Result<NetworkSummary> summarizeNetwork(const NetworkRequest& request) {
    try {
        auto created = core::createNetwork(request.architecture.toStdString(), request.numClasses);
        if (!created) return created.error();
        core::NetworkImpl& network = *created.value();
        if (request.offlineDefaultHead) network.replaceHead({request.numClasses});
        if (request.dropout > 0.0 || request.hiddenUnits > 0) {
            network.replaceHead({request.numClasses, request.dropout, request.hiddenUnits});
        }
        return summarize(network);
    } catch (const c10::Error& e) {
        return core::Error{request.architecture.toStdString() + ": " + e.what_without_backtrace()};
    } catch (const std::exception& e) {
        return core::Error{request.architecture.toStdString() + ": " + e.what()};
    }
}

}  // namespace fovea::ui
