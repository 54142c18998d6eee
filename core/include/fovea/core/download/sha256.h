#pragma once

#include <filesystem>
#include <string>

#include "fovea/core/result.h"

namespace fovea::core {

// Lower-case hex SHA-256 of a file's contents, read in chunks (weight files run to 500 MB).
Result<std::string> sha256OfFile(const std::filesystem::path& file);

// True when `digest` matches `expected`: the full 64-digit hash, or a prefix of at least 8
// digits (torchvision names its files with the first digits of their SHA-256 and checks those).
bool digestMatches(const std::string& digest, const std::string& expected);

}  // namespace fovea::core
