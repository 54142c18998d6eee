#pragma once

#include <QString>
#include <QStringList>
#include <QVector>
#include <functional>

#include "fovea/core/result.h"

namespace fovea::ui {

// One exported file and what the parity gate measured on it.
struct ExportedFileInfo {
    QString format;  // "onnx", "torchscript", "safetensors", "pth"
    QString file;
    QString runtime;  // what ran the exported file, e.g. "OpenCV 4.6.0 DNN"
    QString inputs;   // "validation images" or "random inputs"
    qint64 compared = 0;
    double agreement = 0;  // share of images with the same top-1 class as the in-app model
    double maxProbabilityDifference = 0;
    bool passed = false;
    // A detection run's figures instead of agreement and probability (issue 24): the images
    // whose boxes, labels and scores agree, the in-app model's boxes on them, the largest box
    // corner (pixels) and score differences, and each runtime's time per image.
    bool detection = false;
    qint64 agreeing = 0;
    qint64 boxes = 0;
    double maxBoxDifference = 0;
    double maxScoreDifference = 0;
    double exportedMillisecondsPerImage = 0;
    double inAppMillisecondsPerImage = 0;
    QString limits;  // what agreeing means for this format's gate, e.g. "the same boxes ..."
    // Whether the format was asked for, and why the file is in the bundle: "ticked", or for a
    // file every bundle holds, "always written"; reasonInFull says more.
    bool requested = false;
    QString reason;
    QString reasonInFull;
    // Why the file could not be written (its gate's figures, or what stopped it); empty when it
    // passed.
    QString failure;
};

struct ExportOutcome {
    QString folder;
    QVector<ExportedFileInfo> files;
    QStringList notes;  // e.g. why the gate used random inputs
    // Set when the export failed on one of the files (the last listed): nothing was moved into
    // the folder, and the files before it passed their gates but were not written.
    QString failure;
};

// Every export format core knows, by the names above.
QStringList exportFormatNames();

// Told before each file of the bundle: `done` of `total` steps and what comes next. Returning
// false cancels the export before that step.
using ExportProgress = std::function<bool(qint64 done, qint64 total, const QString& next)>;

// Writes the model of `source` (run folder, bundle or model file) as a model bundle in `folder`
// with the `formats`, each checked by core's parity gate on the run's validation images
// (fovea-cli export --bundle does the same). Runs on the calling thread: use a BackgroundJob.
core::Result<ExportOutcome> exportModelBundle(const QString& source, const QStringList& formats,
                                              const QString& folder,
                                              const ExportProgress& progress = {});

}  // namespace fovea::ui
