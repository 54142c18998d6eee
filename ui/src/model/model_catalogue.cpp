#include "model/model_catalogue.h"

#include <QFileInfo>
#include <QUrl>
#include <algorithm>

#include "fovea/core/download/downloader.h"
#include "fovea/core/models/architectures.h"
#include "fovea/core/models/weight_catalogue.h"
#include "fovea/core/weights_import/offline_weights_paths.h"

namespace fovea::ui {
namespace {

QString qs(const std::string& text) { return QString::fromStdString(text); }

bool isUrl(const QString& text) {
    return text.startsWith("http://") || text.startsWith("https://");
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
    return qs(core::cachedFileFor(url.toStdString()).string());
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
            const QString last = qs(core::lastImageNetBlock(architecture.toStdString()));
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

}  // namespace fovea::ui
