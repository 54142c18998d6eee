#pragma once

// The Train page's choices kept in the project (setting "train.settings"), written and read
// as core's run settings JSON, so that the page has no schema of its own.

#include <string>

#include "fovea/core/result.h"
#include "fovea/core/session/run_settings.h"

namespace fovea::ui {

std::string trainPageSettingsJson(const core::RunSettings& settings);
// Strict (core::runSettingsFromJson): a bad value is an error naming it. Also reads the flat
// layout older versions of the page wrote ({"epochs", "optimizer", "early_stop", ...}).
core::Result<core::RunSettings> trainPageSettingsFromJson(const std::string& text);

}  // namespace fovea::ui
