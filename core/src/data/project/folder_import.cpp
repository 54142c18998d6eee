#include "fovea/core/project/folder_import.h"

#include <set>
#include <unordered_set>

#include "folder_scan.h"
#include "fovea/core/project/folder_walk.h"
#include "import_common.h"
#include "project_paths.h"

namespace fovea::core {
namespace fs = std::filesystem;
namespace {

struct ScannedRoot {
    fs::path root;
    import::FolderScan scan;
};

struct ImportPlan {
    ImportBatch batch;
    std::vector<std::size_t> toProbe;  // indexes into batch.items
};

// Compares what the scans found with what the project knows. Only new and changed files are
// probed; unchanged known files cost nothing beyond the stat of the walk.
ImportPlan planImport(const std::vector<ScannedRoot>& roots, const std::vector<KnownImage>& known,
                      bool checkEveryImage, ImportReport& report) {
    ImportPlan plan;
    plan.batch.existingLabels = ExistingLabels::Keep;
    const import::KnownByPath index = import::indexKnown(known);
    std::vector<bool> knownSeen(known.size(), false);
    // Only nested or repeated roots can list a file twice; one root lists each path once.
    std::unordered_set<std::string> seenAcrossRoots;
    std::set<std::string> newClasses;  // sorted by code point, as Python's sorted() in torchvision
    for (const ScannedRoot& root : roots) {
        report.problems.insert(report.problems.end(), root.scan.problems.begin(),
                               root.scan.problems.end());
        for (const auto& file : root.scan.files) {
            std::string key = file.path.generic_string();
            const auto found = index.find(key);
            if (roots.size() > 1 && !seenAcrossRoots.insert(std::move(key)).second) continue;
            ++report.found;
            if (found == index.end()) {
                ImportItem item;
                item.path = file.path;
                item.fileSize = file.size;
                item.mtimeNs = file.mtimeNs;
                item.className = file.className;
                item.split = file.split;
                item.splitGiven = true;
                if (file.className) newClasses.insert(*file.className);
                plan.toProbe.push_back(plan.batch.items.size());
                plan.batch.items.push_back(std::move(item));
                continue;
            }
            knownSeen[found->second] = true;
            const KnownImage& image = known[found->second];
            if (image.fileSize != file.size || image.mtimeNs != file.mtimeNs) {
                ImportItem item;
                item.path = file.path;
                item.fileSize = file.size;
                item.mtimeNs = file.mtimeNs;
                plan.toProbe.push_back(plan.batch.items.size());
                plan.batch.items.push_back(std::move(item));
            } else if (image.missing) {
                plan.batch.backOnDisk.push_back(image.id);
            }
        }
    }
    // Known images the walk did not meet: gone, or somewhere the walk skips (a hidden folder).
    for (std::size_t i = 0; i < known.size(); ++i) {
        if (knownSeen[i]) continue;
        const KnownImage& image = known[i];
        bool check = checkEveryImage;
        for (std::size_t r = 0; !check && r < roots.size(); ++r) {
            check = paths::isInside(image.path, roots[r].root);
        }
        if (!check) continue;
        const auto facts = import::statPath(image.path);
        const bool present = facts && facts->regular;
        if (!present && !image.missing) plan.batch.nowMissing.push_back(image.id);
        if (present && image.missing) plan.batch.backOnDisk.push_back(image.id);
    }
    plan.batch.classOrder.assign(newClasses.begin(), newClasses.end());
    return plan;
}

Result<ImportReport> applyScans(ProjectStore& store, const std::vector<ScannedRoot>& roots,
                                bool checkEveryImage, const fs::path& rememberRoot,
                                FolderLayout rememberLayout, const ImportProgressCallback& progress,
                                const std::atomic<bool>* cancel) {
    ImportReport report;
    if (!roots.empty()) report.layout = roots.front().scan.layout;
    auto known = store.knownImages();
    if (!known) return known.error();
    ImportPlan plan = planImport(roots, known.value(), checkEveryImage, report);
    if (auto probed = import::probeItems(plan.batch.items, plan.toProbe, progress, cancel);
        !probed) {
        return probed.error();
    }
    if (import::cancelled(cancel)) return import::cancelledError();
    plan.batch.importRoot = rememberRoot;
    plan.batch.importRootLayout = rememberLayout;
    import::reportProgress(progress, ImportProgress::Phase::Saving, 0, 1);
    auto applied = store.applyImport(plan.batch);
    if (!applied) return applied.error();
    import::reportProgress(progress, ImportProgress::Phase::Saving, 1, 1);
    import::fillReport(report, applied.value(), plan.batch.items);
    return report;
}

}  // namespace

Result<FolderLayout> detectFolderLayout(const fs::path& root) {
    const fs::path folder = paths::normalisedAbsolute(root);
    std::size_t folders = 0;
    std::size_t splitFolders = 0;
    FolderWalkVisitor visitor;
    // The layout is decided by the root's sub-folders alone: they are counted, not entered, and
    // files cost no stat.
    visitor.wantsFile = [](const fs::path&) { return false; };
    visitor.enterFolder = [&](const fs::path&, const fs::path& relative) {
        if (relative.empty()) return true;
        ++folders;
        if (parseSplitName(relative.filename().string())) ++splitFolders;
        return false;
    };
    const FolderWalkResult walked = walkFolder(folder, visitor);
    if (!walked.problems.empty()) {
        return Error{"Cannot list folder " + folder.string() + ": " +
                     walked.problems.front().error.message()};
    }
    return folders > 0 && splitFolders == folders ? FolderLayout::SplitImageFolder
                                                  : FolderLayout::ImageFolder;
}

Result<ImportReport> importFolder(ProjectStore& store, const fs::path& root,
                                  const FolderImportOptions& options) {
    const fs::path folder = paths::normalisedAbsolute(root);
    const auto facts = import::statPath(folder);
    if (!facts) return Error{"Cannot import " + folder.string() + ": the folder does not exist"};
    if (!facts->directory) return Error{"Cannot import " + folder.string() + ": not a folder"};
    FolderLayout layout = options.layout;
    if (layout == FolderLayout::Auto) {
        auto detected = detectFolderLayout(folder);
        if (!detected) return detected.error();
        layout = detected.value();
    }
    // A detection project's images have boxes, not a class each: folder names give no labels
    // (detection_import.h reads the boxes of a folder).
    if (store.projectTask() == ProjectTask::Detection) layout = FolderLayout::Flat;
    auto scan = import::scanFolder(folder, layout, options.progress, options.cancel);
    if (!scan) return scan.error();
    std::vector<ScannedRoot> roots;
    roots.push_back({folder, std::move(scan).value()});
    // The resolved layout is remembered, so a rescan reads the folder the same way even when
    // new sub-folders would make Auto decide otherwise.
    return applyScans(store, roots, false, folder, layout, options.progress, options.cancel);
}

Result<ImportReport> rescanProject(ProjectStore& store, const RescanOptions& options) {
    auto remembered = store.importRoots();
    if (!remembered) return remembered.error();
    std::vector<ScannedRoot> roots;
    std::vector<ImportProblem> gone;
    for (const ImportRoot& root : remembered.value()) {
        const auto facts = import::statPath(root.path);
        if (!facts || !facts->directory) {
            gone.push_back({root.path, "Imported folder " + root.path.string() +
                                           " is not there any more; its images are flagged "
                                           "missing"});
            continue;
        }
        FolderLayout layout = root.layout;
        if (layout == FolderLayout::Auto) {
            auto detected = detectFolderLayout(root.path);
            if (!detected) return detected.error();
            layout = detected.value();
        }
        auto scan = import::scanFolder(root.path, layout, options.progress, options.cancel);
        if (!scan) return scan.error();
        roots.push_back({root.path, std::move(scan).value()});
    }
    auto report =
        applyScans(store, roots, true, {}, FolderLayout::Auto, options.progress, options.cancel);
    if (!report) return report;
    report.value().problems.insert(report.value().problems.begin(), gone.begin(), gone.end());
    return report;
}

}  // namespace fovea::core
