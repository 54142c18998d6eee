#pragma once

#include <filesystem>

namespace fovea::cli {

// `fovea-cli import DIR --project PROJECT_DIR`: scans DIR into the project (created when
// missing) and reports what was added and which files are unusable.
int runImport(const std::filesystem::path& folder, const std::filesystem::path& project, bool json);

}  // namespace fovea::cli
