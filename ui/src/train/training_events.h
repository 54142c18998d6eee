#pragma once

#include <QMetaType>
#include <QString>
#include <QVector>

#include "fovea/core/training/training_reports.h"

namespace fovea::ui {

// Batch and epoch reports cross threads in queued signals as core's own torch-free types
// (core/training/training_reports.h); these are what only the page has.

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

Q_DECLARE_METATYPE(fovea::core::BatchProgress)
Q_DECLARE_METATYPE(fovea::core::EpochReport)
Q_DECLARE_METATYPE(fovea::ui::TrainingOutcomeInfo)
Q_DECLARE_METATYPE(fovea::ui::WatchPrediction)
