#pragma once

// Pieces shared by the folder and CSV importers: file facts, header probes, comparing what is
// on disk with what the project knows. Private to core/src/data/project.

#include <sys/stat.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "fovea/core/project/import_report.h"
#include "fovea/core/project/project_types.h"
#include "fovea/core/result.h"

namespace fovea::core::import {

struct FileFacts {
    bool regular = false;
    bool directory = false;
    std::uintmax_t size = 0;
    std::int64_t mtimeNs = 0;
    std::uint64_t device = 0;  // with inode: identifies a folder to avoid symlink loops
    std::uint64_t inode = 0;
};

// One stat() (following symlinks); std::nullopt when the path does not exist or is unreadable.
std::optional<FileFacts> statPath(const std::filesystem::path& path);
FileFacts factsFromStat(const struct stat& info);

bool cancelled(const std::atomic<bool>* cancel);
Error cancelledError();

// The project's images keyed by absolute generic path, to their index in the known list.
using KnownByPath = std::unordered_map<std::string, std::size_t>;
KnownByPath indexKnown(const std::vector<KnownImage>& known);

// Probes the header of every item in `items` whose index is in `which` (they have a header to
// fill), in parallel on a few threads. Returns the cancelled error when `cancel` is set.
Result<void> probeItems(std::vector<ImportItem>& items, const std::vector<std::size_t>& which,
                        const ImportProgressCallback& progress, const std::atomic<bool>* cancel);

// Copies the store's counts into `report` and lists the items that failed their probe.
void fillReport(ImportReport& report, const ImportBatchResult& result,
                const std::vector<ImportItem>& items);

void reportProgress(const ImportProgressCallback& progress, ImportProgress::Phase phase,
                    std::size_t done, std::size_t total);

}  // namespace fovea::core::import
