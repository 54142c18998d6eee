#pragma once

// The one folder walker: importing a folder, detecting its layout and predicting a folder all
// list files through it, so hidden files and symbolic links mean the same everywhere.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <system_error>
#include <vector>

namespace fovea::core {

struct WalkedFile {
    std::filesystem::path path;  // the walked folder's path / the file's name: links unresolved
    std::uintmax_t size = 0;     // bytes
    std::int64_t mtimeNs = 0;    // modification time, nanoseconds since the epoch
};

// A folder that could not be listed, or not all of it (`partly`: its entries read before the
// error were walked).
struct FolderWalkProblem {
    std::filesystem::path folder;
    std::error_code error;
    bool partly = false;
};

struct FolderWalkResult {
    std::vector<FolderWalkProblem> problems;  // in walk order; the root first when it failed
    bool stopped = false;                     // FolderWalkVisitor::stop ended the walk early
};

// What a walk calls; every member may be left unset. Calls come from the walking thread.
struct FolderWalkVisitor {
    // Before a folder is listed, with its path below the root as walked ("" for the root).
    // False leaves it, and everything below it, unlisted. The folder's files are visited right
    // after this call, before the next folder is entered.
    std::function<bool(const std::filesystem::path& folder, const std::filesystem::path& relative)>
        enterFolder;
    // Chooses files by name before they cost a stat (at 100,000 files the stats dominate).
    std::function<bool(const std::filesystem::path& file)> wantsFile;
    std::function<void(const WalkedFile& file)> visitFile;
    // Polled before each folder; true ends the walk.
    std::function<bool()> stop;
};

// Visits the regular files below `root`, recursively. The rules:
// - An entry whose name starts with '.' is hidden: skipped, file or folder, at any depth.
// - Symbolic links are followed, to files and to folders; dangling links are skipped. A folder
//   is walked once however many ways lead to it (identified by device and inode, so a link back
//   up the tree cannot loop). Folders reached without a link are walked first, so a folder is
//   walked under its own path when the walk can reach it directly; otherwise under the first
//   link met.
// - Only regular files are visited (after following links): no sockets, pipes or devices.
// - A folder that cannot be listed is reported and the walk goes on.
// - The order is deterministic: each folder's entries in byte order of their names,
//   depth-first, folders reached through links after the others. Callers that need one order
//   of paths sort the files they collect.
FolderWalkResult walkFolder(const std::filesystem::path& root, const FolderWalkVisitor& visitor);

}  // namespace fovea::core
