#pragma once

// Exporting a detection run from the Export page (issue 24, point 5) through core's
// exportDetectionRun, whose parity gate checks each file against the in-app Faster R-CNN.

#include <QString>
#include <QStringList>

#include "export/run_exporter.h"
#include "fovea/core/result.h"

namespace fovea::ui {

// The formats core exports detection runs to (core::checkDetectionExportFormat asked of every
// format it knows), by exportFormatNames()'s names.
QStringList detectionExportFormatNames();

// Writes the detection run in `runFolder` as model.<ext> in `folder` for each of `formats`, each
// passing the gate on the run's validation images. All or nothing: the files are written in a
// staging folder beside `folder` and moved in only when every one passed; on a failure (the
// message has the gate's figures) or a cancel, `folder` is as it was. Runs on the calling
// thread: use a BackgroundJob.
core::Result<ExportOutcome> exportDetectionFiles(const QString& runFolder,
                                                 const QStringList& formats, const QString& folder,
                                                 const ExportProgress& progress = {});

}  // namespace fovea::ui
