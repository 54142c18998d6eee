#pragma once

#include <filesystem>

#include "fovea/core/project/import_report.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/result.h"

namespace fovea::cli {

// --data DIR_OR_PROJECT: a Fovea project folder is opened as it is; an image folder (ImageFolder
// or train|val/class layout) is imported into a project kept in `projectFolder` (created on
// first use; later runs add new files and keep everything else).
struct OpenedData {
    core::ProjectStore store;
    std::optional<core::ImportReport> import;  // when the folder was (re)imported
};
core::Result<OpenedData> openData(const std::filesystem::path& data,
                                  const std::filesystem::path& projectFolder);

}  // namespace fovea::cli
