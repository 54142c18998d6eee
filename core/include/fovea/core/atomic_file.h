#pragma once

// Reading a whole file, and replacing a file so that readers and a crash see the old file or
// the complete new one (used for everything the user keeps: labels exports, checkpoints,
// weights, model bundles).

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "fovea/core/result.h"

namespace fovea::core::files {

// Writes `content` to a temporary file beside `file`, syncs it, and renames it over `file`
// (keeping the permissions of a file it replaces).
Result<void> writeFileAtomically(const std::filesystem::path& file, std::string_view content);
// The same for content that a library writes to a path itself (e.g. LibTorch's archives),
// without holding it all in memory first: `write` fills the temporary file it is given (opened
// by path, truncated); its error, or an exception it throws, removes the temporary file.
Result<void> writeFileAtomically(
    const std::filesystem::path& file,
    const std::function<Result<void>(const std::filesystem::path& temporary)>& write);

// The whole content of `file` (binary). Errors are Io, "Cannot read FILE: reason".
Result<std::string> readWholeFile(const std::filesystem::path& file);

}  // namespace fovea::core::files
