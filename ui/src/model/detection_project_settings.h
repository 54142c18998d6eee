#pragma once

// A detection project's training choices (issue 24), kept in the project as one setting: the
// Model page writes the detector, its weights and its freezing; the Train page the rest. Each
// page reads the whole, changes its own fields and writes it back, so neither drops the
// other's. Stored as core's DetectionTrainingSettings JSON, so there is no schema of our own.

#include "fovea/core/project/project_store.h"
#include "fovea/core/result.h"
#include "fovea/core/session/detection_training.h"

namespace fovea::ui {

inline constexpr const char* kDetectionSettingsSetting = "detection.settings";

// The saved settings (project filled in by the caller); with none saved, the newest detection
// run's in the project's runs/, else core's defaults (also for saved ones that are unreadable).
core::DetectionTrainingSettings loadDetectionSettings(const core::ProjectStore& store);
core::Result<void> saveDetectionSettings(core::ProjectStore& store,
                                         const core::DetectionTrainingSettings& settings);

}  // namespace fovea::ui
