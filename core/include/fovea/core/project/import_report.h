#pragma once

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "fovea/core/project/project_types.h"

namespace fovea::core {

struct ImportProblem {
    std::filesystem::path path;
    std::string message;  // complete, e.g. "line 7: path \"../x.png\" is outside ..."
};

// What a folder or CSV import did. Problems never stop an import: they are listed here.
struct ImportReport {
    FolderLayout layout = FolderLayout::Auto;  // folder imports: the layout used (never Auto)
    std::size_t found = 0;                     // image files seen (folder) or rows read (CSV)
    std::size_t added = 0;                     // images new to the project
    std::size_t updated = 0;        // known images whose file changed and was probed again
    std::size_t returned = 0;       // known images that were missing and are back
    std::size_t markedMissing = 0;  // known images no longer on disk
    std::size_t labelsApplied = 0;  // labels set on images the project already had (CSV)
    std::size_t splitsApplied = 0;
    std::vector<std::string> classesCreated;  // in creation (= display) order
    // Files added (or re-probed) that are not usable images: empty, not an image, truncated...
    // They stay in the project with this error so the user sees them.
    std::vector<ImportProblem> unreadable;
    // What was not imported: folders that could not be listed, CSV rows refused, rows naming
    // files that are not on disk.
    std::vector<ImportProblem> problems;
    // Labels or splits kept because the project and the import disagree.
    std::vector<ImportProblem> conflicts;
};

struct ImportProgress {
    enum class Phase { Listing, Probing, Saving };
    Phase phase = Phase::Listing;
    std::size_t done = 0;
    std::size_t total = 0;  // 0 while unknown (listing)
};

// Called from the importing thread every few hundred files: keep it cheap, never block.
using ImportProgressCallback = std::function<void(const ImportProgress&)>;

}  // namespace fovea::core
