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
// staging folder beside `folder` and moved in only when every one passed. A file that fails (the
// gate's figures, or why it could not be written) ends the export with the outcome's failure
// set and that file listed last, so that the page shows it as a row; on such a failure, an
// error or a cancel, `folder` is as it was. Runs on the calling thread: use a BackgroundJob.
core::Result<ExportOutcome> exportDetectionFiles(const QString& runFolder,
                                                 const QStringList& formats, const QString& folder,
                                                 const ExportProgress& progress = {});

}  // namespace fovea::ui
