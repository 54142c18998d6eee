#pragma once

// How image paths are stored: relative to the project folder when the image is inside it (the
// folder can then be moved or synced to another machine), absolute otherwise. Private to
// core/src/data/project.

#include <filesystem>
#include <string>

namespace fovea::core::paths {

// Absolute (against the current directory) and lexically normal, without a trailing separator.
// Symbolic links are kept as they are: the path the user chose is the path stored.
std::filesystem::path normalisedAbsolute(const std::filesystem::path& path);

// True when `path` is `folder` or lies below it; both normalised absolute. Compares whole
// components, so /data/cats2 is not inside /data/cats.
bool isInside(const std::filesystem::path& path, const std::filesystem::path& folder);

// The database form of `absolute` (generic separators).
std::string toStored(const std::filesystem::path& absolute, const std::filesystem::path& project);
std::filesystem::path fromStored(const std::string& stored, const std::filesystem::path& project);

}  // namespace fovea::core::paths
