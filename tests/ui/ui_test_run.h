#pragma once

// A tiny real run for the pages that show a trained model (Evaluate, Predict, Export): trained
// headless as fovea-cli train does, in seconds.

#include <QString>

#include "fovea/core/session/training_run.h"

namespace fovea::test {

// Trains ResNet-18 from scratch at 32 px for `epochs` epochs on the ImageFolder `images` into
// `runFolder`: seconds, and unlike a MobileNetV3-Small from scratch (which gave every image the
// same class) it learns, so predictions and suggestions differ from image to image. The error,
// empty when the run finished with a model.
// `control`, when given, lets the test pause the run (e.g. until it watches the folder).
inline QString trainTinyRun(const QString& images, const QString& runFolder, int batchSize = 8,
                            int epochs = 2, core::TrainingControl* control = nullptr) {
    core::RunSettings settings;
    settings.data = images.toStdString();
    settings.network.architecture = "resnet18";
    settings.network.weights = "none";
    settings.network.imageSize = 32;
    settings.training.epochs = epochs;
    settings.training.seed = 1;
    settings.batchSize = batchSize;
    settings.augment = core::AugmentationLevel::None;
    core::TrainingControl own;
    auto ran =
        core::runTraining(settings, runFolder.toStdString(), false, control ? *control : own, {});
    if (!ran.ok()) return QString::fromStdString(ran.error().message);
    if (!ran.value().model.has_value()) return "the run finished without a model";
    return {};
}

}  // namespace fovea::test
