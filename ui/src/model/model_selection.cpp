#include "model/model_selection.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <cmath>
#include <optional>

#include "fovea/core/session/run_catalogue.h"

namespace fovea::ui {
namespace {

constexpr int kLastImageNetBlockOfOfflineDefault = 10;
// The smallest input the zoo's networks accept (Inception needs 75 px; the others 32).
constexpr int kMinimumImageSize = 32;
constexpr int kMaximumImageSize = 1024;

bool isUsableMultiplier(double value) { return std::isfinite(value) && value >= 0.0; }

// A project with runs but no saved choice (made by fovea-cli, like the demo's): the network of
// its newest readable run, so the workbench goes on from there (the demo's 96 px, not the
// weights' 224).
std::optional<ModelSelection> newestRunsSelection(const core::ProjectStore& store) {
    for (const auto& run : core::listRuns(store.directory() / "runs")) {
        if (!run.config) continue;
        const core::NetworkChoice& network = run.config->settings.network;
        ModelSelection selection;
        selection.architecture = QString::fromStdString(network.architecture);
        selection.weights = QString::fromStdString(network.weights);
        // Runs record the blocks they froze (older ones only what was asked for).
        const auto frozen =
            run.config->frozenBlocks.value_or(network.freeze.value_or(std::vector<std::string>{}));
        for (const auto& block : frozen) {
            selection.frozenBlocks << QString::fromStdString(block);
        }
        selection.dropout = network.head.dropout;
        selection.hiddenUnits = static_cast<int>(network.head.hiddenUnits);
        selection.imageSize = network.imageSize;
        return selection;
    }
    return std::nullopt;
}

}  // namespace

bool ModelSelection::operator==(const ModelSelection& other) const {
    return architecture == other.architecture && weights == other.weights &&
           frozenBlocks == other.frozenBlocks &&
           learningRateMultipliers == other.learningRateMultipliers && dropout == other.dropout &&
           hiddenUnits == other.hiddenUnits && imageSize == other.imageSize;
}

ModelSelection defaultModelSelection() {
    ModelSelection selection;
    // mobilenet_v2_keras names its blocks stem, block0 (Keras' expanded_conv), block1 ..
    // block16, last_conv, head; the offline weights keep ImageNet values through block_10.
    // The Model page's test checks this list against core's blocksUpTo(network, "block10").
    selection.frozenBlocks << "stem";
    for (int block = 0; block <= kLastImageNetBlockOfOfflineDefault; ++block) {
        selection.frozenBlocks << QString("block%1").arg(block);
    }
    return selection;
}

ModelSelection loadModelSelection(const core::ProjectStore& store) {
    auto stored = store.setting(kModelSelectionSetting);
    if (!stored || !stored.value()) {
        return newestRunsSelection(store).value_or(defaultModelSelection());
    }
    const QJsonDocument document =
        QJsonDocument::fromJson(QByteArray::fromStdString(*stored.value()));
    if (!document.isObject()) return defaultModelSelection();
    const QJsonObject object = document.object();

    ModelSelection selection;
    const QString architecture = object.value("architecture").toString();
    if (!architecture.isEmpty()) selection.architecture = architecture;
    const QString weights = object.value("weights").toString();
    if (!weights.isEmpty()) selection.weights = weights;
    for (const QJsonValue& block : object.value("frozenBlocks").toArray()) {
        if (block.isString() && !block.toString().isEmpty()) {
            selection.frozenBlocks << block.toString();
        }
    }
    const QJsonObject multipliers = object.value("learningRateMultipliers").toObject();
    for (auto it = multipliers.begin(); it != multipliers.end(); ++it) {
        const double value = it.value().toDouble(1.0);
        if (isUsableMultiplier(value) && value != 1.0) {
            selection.learningRateMultipliers.insert(it.key(), value);
        }
    }
    const double dropout = object.value("dropout").toDouble(0.0);
    selection.dropout = std::isfinite(dropout) && dropout > 0.0 && dropout < 1.0 ? dropout : 0.0;
    selection.hiddenUnits = std::max(0, object.value("hiddenUnits").toInt(0));
    const int imageSize = object.value("imageSize").toInt(0);
    selection.imageSize =
        imageSize <= 0 ? 0 : std::clamp(imageSize, kMinimumImageSize, kMaximumImageSize);
    return selection;
}

core::Result<void> saveModelSelection(core::ProjectStore& store, const ModelSelection& selection) {
    QJsonObject multipliers;
    for (auto it = selection.learningRateMultipliers.begin();
         it != selection.learningRateMultipliers.end(); ++it) {
        if (it.value() != 1.0) multipliers.insert(it.key(), it.value());
    }
    const QJsonObject object{
        {"architecture", selection.architecture},
        {"weights", selection.weights},
        {"frozenBlocks", QJsonArray::fromStringList(selection.frozenBlocks)},
        {"learningRateMultipliers", multipliers},
        {"dropout", selection.dropout},
        {"hiddenUnits", selection.hiddenUnits},
        {"imageSize", selection.imageSize},
    };
    return store.setSetting(kModelSelectionSetting,
                            QJsonDocument(object).toJson(QJsonDocument::Compact).toStdString());
}

}  // namespace fovea::ui
