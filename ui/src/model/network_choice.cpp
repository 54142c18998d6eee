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

}  // namespace fovea::ui
