#pragma once

// Reading a whole file, and replacing a file so that readers and a crash see the old file or
// the complete new one (used for everything the user keeps: labels exports, checkpoints,
// weights, model bundles).

#include <filesystem>
#include <string>
#include <string_view>

#include "fovea/core/result.h"

namespace fovea::core::files {

// Writes `content` to a temporary file beside `file`, syncs it, and renames it over `file`
// (keeping the permissions of a file it replaces).
Result<void> writeFileAtomically(const std::filesystem::path& file, std::string_view content);

// The whole content of `file` (binary). Errors are Io, "Cannot read FILE: reason".
Result<std::string> readWholeFile(const std::filesystem::path& file);

}  // namespace fovea::core::files
