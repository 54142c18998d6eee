#pragma once

#include <QMetaType>
#include <QString>
#include <QVector>

namespace fovea::ui {

// What the training worker reports, as plain values that cross threads in queued signals
// (no LibTorch types in ui headers).
struct BatchPoint {
    qint64 epoch = 0;  // 0-based
    qint64 batch = 0;  // 0-based within the epoch
    qint64 batchesInEpoch = 0;
    qint64 step = 0;  // optimizer steps so far
    double loss = 0;
    double learningRate = 0;
    double imagesPerSecond = 0;
    double etaSeconds = 0;
};

struct EpochPoint {
    qint64 epoch = 0;  // 0-based
    qint64 epochs = 0;
    double trainLoss = 0;
    double trainAccuracy = 0;
    bool hasValidation = false;
    double validationLoss = 0;
    double validationAccuracy = 0;
    double learningRate = 0;
    double seconds = 0;
    double imagesPerSecond = 0;
    bool improved = false;
    double etaSeconds = 0;
};

// The network's guess for one image of the watch set (top-1, with its softmax probability).
struct WatchPrediction {
    QString label;  // empty when `error` is set
    double probability = 0;
    QString error;  // the image could not be read: names the file and the problem
};

struct TrainingOutcomeInfo {
    bool ok = false;
    QString outcome;  // "completed", "stopped", "early_stopped", "diverged"; empty on failure
    QString message;  // the error, or what happened
    QString runFolder;
    QString model;  // the trained model file, when one was written
    qint64 epochsCompleted = 0;
    double validationAccuracy = -1;  // of the kept weights; -1 without validation
};

}  // namespace fovea::ui

Q_DECLARE_METATYPE(fovea::ui::BatchPoint)
Q_DECLARE_METATYPE(fovea::ui::EpochPoint)
Q_DECLARE_METATYPE(fovea::ui::TrainingOutcomeInfo)
Q_DECLARE_METATYPE(fovea::ui::WatchPrediction)
