#include "train/training_request.h"

#include "model/network_choice.h"

namespace fovea::ui {

core::RunSettings TrainingRequest::defaultSettings() {
    core::RunSettings settings;
    settings.training.schedule.kind = core::ScheduleKind::Cosine;
    return settings;
}

void applyModelSelection(core::RunSettings& settings, const ModelSelection& model) {
    settings.network = toNetworkChoice(model);
    settings.training.blockLearningRateMultipliers = toBlockLearningRateMultipliers(model);
}

}  // namespace fovea::ui
