#include "import_command.h"

#include <sstream>

#include "cli_output.h"
#include "exit_codes.h"
#include "fovea/core/project/folder_import.h"
#include "fovea/core/project/project_store.h"

namespace fovea::cli {

int runImport(const std::filesystem::path& folder, const std::filesystem::path& project,
              bool json) {
    if (!std::filesystem::is_directory(folder)) {
        return reportError(json, kExitBadData, folder.string() + ": not a folder");
    }
    auto store = core::ProjectStore::exists(project) ? core::ProjectStore::open(project)
                                                     : core::ProjectStore::create(project);
    if (!store) return reportError(json, kExitBadData, store.error().message);
    ProgressDisplay progress;
    core::FolderImportOptions options;
    options.progress = [&](const core::ImportProgress& p) {
        if (p.total > 0) {
            progress.update(double(p.done) / p.total, "importing",
                            std::to_string(p.done) + "/" + std::to_string(p.total) + " files", 0);
        }
    };
    auto report = core::importFolder(store.value(), folder, options);
    progress.finishLine();
    if (!report) return reportError(json, kExitFailure, report.error().message);
    const core::ImportReport& r = report.value();
    nlohmann::json unreadable = nlohmann::json::array();
    for (const auto& p : r.unreadable)
        unreadable.push_back({{"path", p.path.string()}, {"error", p.message}});
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& p : r.problems)
        problems.push_back({{"path", p.path.string()}, {"error", p.message}});
    auto classes = store.value().classes();
    nlohmann::json classNames = nlohmann::json::array();
    if (classes) {
        for (const auto& c : classes.value()) classNames.push_back(c.name);
    }
    const nlohmann::json result = {{"project", store.value().directory().string()},
                                   {"found", r.found},
                                   {"added", r.added},
                                   {"marked_missing", r.markedMissing},
                                   {"classes", classNames},
                                   {"classes_created", r.classesCreated},
                                   {"unreadable", unreadable},
                                   {"problems", problems}};
    std::ostringstream text;
    text << "Imported " << r.added << " new of " << r.found << " images into "
         << store.value().directory().string() << " (" << classNames.size() << " classes)\n";
    for (const auto& p : r.unreadable) text << "  unreadable: " << p.message << "\n";
    for (const auto& p : r.problems) text << "  problem: " << p.message << "\n";
    printResult(json, result, text.str());
    return kExitSuccess;
}

}  // namespace fovea::cli
