#include "folder_scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include "fovea/core/image/image_probe.h"

namespace fovea::core::import {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kProgressEvery = 1024;

struct PendingFolder {
    fs::path path;
    int depth = 0;  // 0: the root
    std::optional<std::string> className;
    std::optional<Split> split;
};

// The labels a sub-folder named `name` at `parent` gives to what it holds.
PendingFolder childFolder(const PendingFolder& parent, const fs::path& path, FolderLayout layout) {
    PendingFolder child{path, parent.depth + 1, parent.className, parent.split};
    const std::string name = path.filename().string();
    switch (layout) {
        case FolderLayout::ImageFolder:
            if (parent.depth == 0) child.className = name;
            break;
        case FolderLayout::SplitImageFolder:
            // root/<split>/<class>/**; a first-level folder that is not a split gives nothing.
            if (parent.depth == 0) child.split = parseSplitName(name);
            if (parent.depth == 1 && parent.split) child.className = name;
            break;
        case FolderLayout::Flat:
        case FolderLayout::Auto:
            break;
    }
    return child;
}

}  // namespace

Result<FolderScan> scanFolder(const fs::path& root, FolderLayout layout,
                              const ImportProgressCallback& progress,
                              const std::atomic<bool>* cancel) {
    FolderScan scan;
    scan.layout = layout;
    auto rootFacts = statPath(root);
    if (!rootFacts) return Error{"Folder " + root.string() + " does not exist"};
    if (!rootFacts->directory) return Error{root.string() + " is not a folder"};

    // Folders already walked, by device and inode: a symlink back up the tree, or two links to
    // one folder, is walked once.
    std::set<std::pair<std::uint64_t, std::uint64_t>> visited{
        {rootFacts->device, rootFacts->inode}};
    std::vector<PendingFolder> pending{{root, 0, std::nullopt, std::nullopt}};
    std::size_t lastReported = 0;
    while (!pending.empty()) {
        if (cancelled(cancel)) return cancelledError();
        const PendingFolder folder = std::move(pending.back());
        pending.pop_back();

        // POSIX rather than std::filesystem: readdir gives most entries' type for free, and
        // fstatat on the folder's descriptor does not resolve the whole path again for every
        // file; at 100,000 files those path lookups dominated the scan.
        const int fd = ::open(folder.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR* listing = fd >= 0 ? ::fdopendir(fd) : nullptr;
        if (!listing) {
            scan.problems.push_back({folder.path, "Cannot list folder " + folder.path.string() +
                                                      ": " + std::strerror(errno)});
            if (fd >= 0) ::close(fd);
            continue;
        }
        errno = 0;
        while (const dirent* entry = ::readdir(listing)) {
            const char* name = entry->d_name;
            if (name[0] == '.') continue;  // hidden, and "." / ".."
            const unsigned char type = entry->d_type;
            const bool maybeFile = type == DT_REG || type == DT_LNK || type == DT_UNKNOWN;
            const bool maybeFolder = type == DT_DIR || type == DT_LNK || type == DT_UNKNOWN;
            if (!maybeFile && !maybeFolder) continue;
            fs::path path = folder.path / name;
            const bool candidate = maybeFile && hasImageExtension(path);
            if (!candidate && !maybeFolder) continue;
            struct stat info {};
            if (::fstatat(fd, name, &info, 0) != 0) continue;  // dangling link, or just removed
            const FileFacts facts = factsFromStat(info);
            if (facts.directory) {
                if (!visited.insert({facts.device, facts.inode}).second) continue;
                pending.push_back(childFolder(folder, path, layout));
            } else if (candidate && facts.regular) {
                scan.files.push_back({std::move(path), folder.className, folder.split, facts});
                if (scan.files.size() - lastReported >= kProgressEvery) {
                    lastReported = scan.files.size();
                    reportProgress(progress, ImportProgress::Phase::Listing, lastReported, 0);
                }
            }
            errno = 0;
        }
        if (errno != 0) {
            scan.problems.push_back({folder.path, "Cannot list all of folder " +
                                                      folder.path.string() + ": " +
                                                      std::strerror(errno)});
        }
        ::closedir(listing);  // closes fd too
    }
    // Sorted, so ids follow paths. Byte order of the path strings: cheap, and deterministic.
    std::sort(scan.files.begin(), scan.files.end(), [](const FoundFile& a, const FoundFile& b) {
        return a.path.native() < b.path.native();
    });
    reportProgress(progress, ImportProgress::Phase::Listing, scan.files.size(), 0);
    return scan;
}

}  // namespace fovea::core::import
