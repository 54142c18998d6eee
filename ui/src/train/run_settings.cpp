#include "train/run_settings.h"

#include "model/network_choice.h"

namespace fovea::ui {

core::RunSettings toRunSettings(const TrainingRequest& request) {
    core::RunSettings settings;
    settings.data = request.projectFolder.toStdString();
    settings.network = toNetworkChoice(request.model);
    settings.training.epochs = request.epochs;
    settings.training.learningRate = request.learningRate;
    if (auto optimizer = core::parseOptimizerKind(request.optimizer.toStdString())) {
        settings.training.optimizer = optimizer.value();
    }
    if (auto kind = core::parseScheduleKind(request.schedule.toStdString())) {
        settings.training.schedule.kind = kind.value();
    }
    if (auto device = core::parseDevicePreference(request.device.toStdString())) {
        settings.training.device = device.value();
    }
    settings.training.earlyStopPatience = request.earlyStopPatience;
    settings.training.classWeightedLoss = request.classWeights;
    settings.training.seed = request.seed;
    settings.training.blockLearningRateMultipliers = toBlockLearningRateMultipliers(request.model);
    settings.augment = request.augment.toStdString();
    settings.batchSize = request.batchSize;
    settings.validationFraction = request.validationFraction;
    return settings;
}

}  // namespace fovea::ui
