#include "folder_scan.h"

#include <algorithm>
#include <utility>

#include "fovea/core/image/image_probe.h"
#include "fovea/core/project/folder_walk.h"

namespace fovea::core::import {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kProgressEvery = 1024;

struct FolderLabels {
    std::optional<std::string> className;
    std::optional<Split> split;
};

// The labels the layout gives to the files of the folder at `relative` below the root.
FolderLabels labelsOf(const fs::path& relative, FolderLayout layout) {
    FolderLabels labels;
    auto part = relative.begin();
    if (part == relative.end()) return labels;
    switch (layout) {
        case FolderLayout::ImageFolder:
            labels.className = part->string();
            break;
        case FolderLayout::SplitImageFolder:
            // root/<split>/<class>/**; a first-level folder that is not a split gives nothing.
            labels.split = parseSplitName(part->string());
            if (labels.split && ++part != relative.end()) labels.className = part->string();
            break;
        case FolderLayout::Flat:
        case FolderLayout::Auto:
            break;
    }
    return labels;
}

std::string problemMessage(const FolderWalkProblem& problem) {
    return (problem.partly ? "Cannot list all of folder " : "Cannot list folder ") +
           problem.folder.string() + ": " + problem.error.message();
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

    FolderLabels labels;  // of the folder whose files are being visited
    std::size_t lastReported = 0;
    FolderWalkVisitor visitor;
    visitor.enterFolder = [&](const fs::path&, const fs::path& relative) {
        labels = labelsOf(relative, layout);
        return true;
    };
    visitor.wantsFile = [](const fs::path& file) { return hasImageExtension(file); };
    visitor.visitFile = [&](const WalkedFile& file) {
        scan.files.push_back({file.path, labels.className, labels.split, file.size, file.mtimeNs});
        if (scan.files.size() - lastReported >= kProgressEvery) {
            lastReported = scan.files.size();
            reportProgress(progress, ImportProgress::Phase::Listing, lastReported, 0);
        }
    };
    visitor.stop = [cancel] { return cancelled(cancel); };
    const FolderWalkResult walked = walkFolder(root, visitor);
    if (walked.stopped) return cancelledError();
    for (const FolderWalkProblem& problem : walked.problems) {
        scan.problems.push_back({problem.folder, problemMessage(problem)});
    }
    // Sorted, so ids follow paths. Byte order of the path strings: cheap, and deterministic.
    std::sort(scan.files.begin(), scan.files.end(), [](const FoundFile& a, const FoundFile& b) {
        return a.path.native() < b.path.native();
    });
    reportProgress(progress, ImportProgress::Phase::Listing, scan.files.size(), 0);
    return scan;
}

}  // namespace fovea::core::import
