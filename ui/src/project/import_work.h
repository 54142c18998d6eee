#pragma once

#include <QString>
#include <filesystem>

#include "widgets/background_job.h"

namespace fovea::ui {

// An import of the images below `folder` into the project in `projectFolder`, or with an empty
// `folder` a rescan of every imported folder; runs on `job`'s thread. The outcome's message
// sums up what changed (or says what failed).
BackgroundJob::Outcome runImport(BackgroundJob& job, const std::filesystem::path& projectFolder,
                                 const std::filesystem::path& folder);

}  // namespace fovea::ui
