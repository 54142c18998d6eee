#pragma once

#include <atomic>
#include <filesystem>

#include "fovea/core/project/import_report.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/result.h"

namespace fovea::core {

struct FolderImportOptions {
    FolderLayout layout = FolderLayout::Auto;
    ImportProgressCallback progress;
    // Checked between files; a cancelled import changes nothing in the project.
    const std::atomic<bool>* cancel = nullptr;
};

// What FolderLayout::Auto means for `root`: SplitImageFolder when it has sub-folders and every
// one of them is a split name (train, val, valid, validation, test; any case), else
// ImageFolder (which gives a flat folder only unlabeled images).
Result<FolderLayout> detectFolderLayout(const std::filesystem::path& root);

// Adds the images below `root` to the project (recursively; hidden files and folders, those
// starting with '.', are skipped; folder symlinks are followed once, never into a loop). Files
// are selected by extension (hasImageExtension) and their header is probed, so width/height
// or the reason a file is unusable are known at once; unusable files are imported with their
// error and listed in the report.
//
// Labels and splits come from the layout, for images new to the project only: a label already
// in the project always wins over the folder name. Classes are created sorted by name, as
// torchvision's ImageFolder numbers them. Known images that changed on disk are probed again;
// those under `root` that are gone are flagged missing, those that came back are unflagged.
// The folder is remembered for rescanProject(). Everything is saved in one transaction.
Result<ImportReport> importFolder(ProjectStore& store, const std::filesystem::path& root,
                                  const FolderImportOptions& options = {});

struct RescanOptions {
    ImportProgressCallback progress;
    const std::atomic<bool>* cancel = nullptr;
};

// Imports every remembered folder again with the layout it was imported with (new files
// added, labels kept) and checks that every other image (e.g. from a CSV) is still on disk.
Result<ImportReport> rescanProject(ProjectStore& store, const RescanOptions& options = {});

}  // namespace fovea::core
