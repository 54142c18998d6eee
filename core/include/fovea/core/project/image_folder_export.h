#pragma once

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <vector>

#include "fovea/core/project/import_report.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/result.h"

namespace fovea::core {

enum class ExportMethod {
    Copy,
    HardLink,  // no extra space; falls back to a copy across filesystems
    SymLink,   // absolute links to the project's files
};

enum class SplitFolders {
    Auto,  // out/<split>/<class>/ when some exported image has a split, else out/<class>/
    Yes,
    No,
};

struct ImageFolderExportOptions {
    ExportMethod method = ExportMethod::Copy;
    SplitFolders splitFolders = SplitFolders::Auto;
    ImportProgressCallback progress;  // phase Saving, done/total images
    const std::atomic<bool>* cancel = nullptr;
};

struct ImageFolderExportReport {
    bool bySplit = false;                   // whether split folders were written
    std::size_t exported = 0;               // files written
    std::size_t copiedInsteadOfLinked = 0;  // hard links that had to be copies
    std::size_t renamed = 0;                // files given a "_2"-style name to avoid a collision
    std::size_t skippedUnlabeled = 0;
    std::size_t skippedExcluded = 0;
    std::size_t skippedMissing = 0;
    std::size_t skippedFailed = 0;        // with an error: training could not read them either
    std::size_t skippedNoSplit = 0;       // only when writing split folders
    std::vector<ImportProblem> problems;  // files that could not be written
};

// Writes the project as a torchvision ImageFolder tree: out/[<split>/]<class>/<file>. Class
// folder names are the class names made safe for any filesystem; file names keep the
// original name, with "_2", "_3"... when two images of one folder share a name. Unlabeled,
// excluded, missing and failed images are skipped and counted. `outDir` must be new or
// empty (nothing is ever overwritten) and must not lie inside an imported folder, where a
// rescan would import the copies.
Result<ImageFolderExportReport> exportImageFolder(const ProjectStore& store,
                                                  const std::filesystem::path& outDir,
                                                  const ImageFolderExportOptions& options = {});

// `name` made usable as a folder name on Linux, macOS and Windows: separators, control and
// reserved characters and a leading dot (hidden) become '_', trailing dots and spaces are
// dropped, and an empty result is "_".
std::string folderSafeName(const std::string& name);

}  // namespace fovea::core
