#pragma once

// Walking a folder for image files (walkFolder's rules) and reading labels and splits off its
// layout. Private to core/src/data/project.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/project/import_report.h"
#include "fovea/core/project/project_types.h"
#include "fovea/core/result.h"
#include "import_common.h"

namespace fovea::core::import {

struct FoundFile {
    std::filesystem::path path;  // absolute, lexically normal
    std::optional<std::string> className;
    std::optional<Split> split;
    std::uintmax_t size = 0;
    std::int64_t mtimeNs = 0;
};

struct FolderScan {
    FolderLayout layout = FolderLayout::ImageFolder;  // never Auto
    std::vector<FoundFile> files;                     // sorted by path
    std::vector<ImportProblem> problems;              // folders that could not be listed
};

// `root` must be a normalised absolute folder; `layout` is resolved (not Auto).
Result<FolderScan> scanFolder(const std::filesystem::path& root, FolderLayout layout,
                              const ImportProgressCallback& progress,
                              const std::atomic<bool>* cancel);

}  // namespace fovea::core::import
