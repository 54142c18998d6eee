#pragma once

// A tiny real run for the pages that show a trained model (Evaluate, Predict, Export): trained
// headless as fovea-cli train does, in seconds.

#include <QString>

#include "fovea/core/session/training_run.h"

namespace fovea::test {

// Trains mobilenet_v3_small from scratch at 64 px for one epoch on the ImageFolder `images`
// into `runFolder`; the error, empty when the run finished with a model.
inline QString trainTinyRun(const QString& images, const QString& runFolder, int batchSize = 8) {
    core::RunSettings settings;
    settings.data = images.toStdString();
    settings.network.architecture = "mobilenet_v3_small";
    settings.network.weights = "none";
    settings.network.imageSize = 64;
    settings.training.epochs = 1;
    settings.batchSize = batchSize;
    settings.augment = core::AugmentationLevel::None;
    core::TrainingControl control;
    auto ran = core::runTraining(settings, runFolder.toStdString(), false, control, {});
    if (!ran.ok()) return QString::fromStdString(ran.error().message);
    if (!ran.value().model.has_value()) return "the run finished without a model";
    return {};
}

}  // namespace fovea::test
