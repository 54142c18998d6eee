#include "model/network_choice.h"

namespace fovea::ui {

core::NetworkChoice toNetworkChoice(const ModelSelection& selection) {
    core::NetworkChoice choice;
    choice.architecture = selection.architecture.toStdString();
    choice.weights = selection.weights.toStdString();
    // Always an explicit list, so unticking every block trains every block, also for the
    // offline default that arrives with its ImageNet blocks frozen.
    choice.freeze.emplace();
    for (const QString& block : selection.frozenBlocks)
        choice.freeze->push_back(block.toStdString());
    choice.imageSize = selection.imageSize;
    choice.head.dropout = selection.dropout;
    choice.head.hiddenUnits = selection.hiddenUnits;
    return choice;
}

std::map<std::string, double> toBlockLearningRateMultipliers(const ModelSelection& selection) {
    std::map<std::string, double> multipliers;
    for (auto it = selection.learningRateMultipliers.begin();
         it != selection.learningRateMultipliers.end(); ++it) {
        if (it.value() != 1.0) multipliers[it.key().toStdString()] = it.value();
    }
    return multipliers;
}

ModelSelection selectionFromRun(const core::RunConfig& config) {
    const core::NetworkChoice& network = config.settings.network;
    ModelSelection selection;
    selection.architecture = QString::fromStdString(network.architecture);
    selection.weights = QString::fromStdString(network.weights);
    // What it froze as training began; older runs recorded only what was asked for.
    const auto& frozen = config.frozenBlocks ? config.frozenBlocks : network.freeze;
    if (frozen) {
        for (const std::string& block : *frozen)
            selection.frozenBlocks << QString::fromStdString(block);
    }
    for (const auto& [block, multiplier] : config.settings.training.blockLearningRateMultipliers) {
        selection.learningRateMultipliers[QString::fromStdString(block)] = multiplier;
    }
    selection.dropout = network.head.dropout;
    selection.hiddenUnits = static_cast<int>(network.head.hiddenUnits);
    selection.imageSize = network.imageSize;
    return selection;
}

}  // namespace fovea::ui
