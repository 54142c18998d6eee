#pragma once

#include <vector>

#include "export_command.h"
#include "fovea/core/session/export_model.h"

namespace fovea::cli {

// `fovea-cli export` for a detection run folder: one file (torchscript or safetensors) at
// --out, checked by the detection parity gate on at most --parity-images of the run's
// validation images. Other formats, several formats and --bundle are usage errors for now.
int runDetectionExport(const ExportOptions& options,
                       const std::vector<core::ExportFormat>& formats);

}  // namespace fovea::cli
