#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>

#include "fovea/core/project/import_report.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/result.h"

namespace fovea::core {

// Label files: CSV with the columns path,label[,split]. A header row (one with a "path" field)
// is optional; with one, columns are found by name (path; label or class; split), in any
// order.

struct CsvImportOptions {
    // Folder the paths are relative to; default: the CSV's own folder. A row whose path
    // leaves it (../, absolute elsewhere, or through a symbolic link that points outside it)
    // is refused, so a label file can only reach the images under it.
    std::optional<std::filesystem::path> baseFolder;
    // false: labels and splits are set where the project has none; rows that disagree with
    // the project are reported as conflicts and the project's value is kept.
    // true: the CSV replaces them (an empty label then makes an image unlabeled).
    bool replaceExisting = false;
};

// Adds the images the CSV names (probed as folder imports do) and applies its labels and
// splits: unknown labels create classes, an empty label means unlabeled. Rows that cannot be
// used (path outside the base folder, file not on disk, unknown split) are listed in the
// report with their line and never stop the import. One transaction.
Result<ImportReport> importCsv(ProjectStore& store, const std::filesystem::path& csvFile,
                               const CsvImportOptions& options = {});

struct CsvExportOptions {
    // Paths are written relative to this folder; default: the CSV's own folder. Images
    // outside it are left out (counted), as importCsv would refuse them.
    std::optional<std::filesystem::path> baseFolder;
    bool includeUnlabeled = true;  // as rows with an empty label
    bool includeExcluded = false;
    bool includeSplit = true;  // the split column
};

struct CsvExportReport {
    std::size_t rows = 0;  // data rows written (header not counted)
    std::size_t outsideBaseFolder = 0;
    std::size_t unlabeledSkipped = 0;
    std::size_t excludedSkipped = 0;
};

// Writes path,label[,split] for the project's images, in id order, with a header row. The
// file is replaced atomically (written beside it, synced, renamed): readers and a crash see
// the old file or the complete new one.
Result<CsvExportReport> exportCsv(const ProjectStore& store, const std::filesystem::path& csvFile,
                                  const CsvExportOptions& options = {});

}  // namespace fovea::core
