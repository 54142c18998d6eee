#pragma once

#include <QString>
#include <QStringList>

#include "model/model_selection.h"

namespace fovea::ui {

// What the Train page asks for: the Model page's choice plus the training settings. Plain Qt
// values; training_worker.cpp turns them into core::RunSettings.
struct TrainingRequest {
    QString projectFolder;  // the data: the open project, used as it is
    QString runFolder;      // new, or the run to resume
    bool resume = false;
    ModelSelection model;
    int epochs = 10;
    int batchSize = 32;
    double learningRate = 1e-3;
    QString optimizer = "adamw";  // adamw | sgd
    QString schedule = "cosine";  // constant | step | cosine | onecycle
    QString augment = "light";    // none | light | strong
    int earlyStopPatience = 0;    // epochs; 0: never
    bool classWeights = false;    // loss weighted by inverse class frequency
    QString device = "auto";      // auto | cpu | cuda
    double validationFraction = 0.2;
    quint64 seed = 0;
    // The watch set's image files: predicted before the first epoch and after every epoch.
    QStringList watchFiles;
};

}  // namespace fovea::ui
