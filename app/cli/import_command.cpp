#include "import_command.h"

#include <sstream>

#include "cli_output.h"
#include "common_options.h"
#include "exit_codes.h"
#include "fovea/core/project/detection_import.h"
#include "fovea/core/project/folder_import.h"
#include "fovea/core/project/project_store.h"

namespace fovea::cli {
namespace {

core::ImportProgressCallback progressOf(ProgressDisplay& progress) {
    return [&](const core::ImportProgress& p) {
        if (p.total > 0) {
            progress.update(double(p.done) / p.total, "importing",
                            std::to_string(p.done) + "/" + std::to_string(p.total) + " files", 0);
        }
    };
}

int importClassification(core::ProjectStore& store, const ImportOptions& options) {
    ProgressDisplay progress;
    core::FolderImportOptions importOptions;
    importOptions.progress = progressOf(progress);
    auto report = core::importFolder(store, options.folder, importOptions);
    progress.finishLine();
    if (!report) return reportError(options.json, kExitFailure, report.error().message);
    const core::ImportReport& r = report.value();
    nlohmann::json unreadable = nlohmann::json::array();
    for (const auto& p : r.unreadable)
        unreadable.push_back({{"path", p.path.string()}, {"error", p.message}});
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& p : r.problems)
        problems.push_back({{"path", p.path.string()}, {"error", p.message}});
    auto classes = store.classes();
    nlohmann::json classNames = nlohmann::json::array();
    if (classes) {
        for (const auto& c : classes.value()) classNames.push_back(c.name);
    }
    const nlohmann::json result = {{"project", store.directory().string()},
                                   {"task", "classification"},
                                   {"found", r.found},
                                   {"added", r.added},
                                   {"marked_missing", r.markedMissing},
                                   {"classes", classNames},
                                   {"classes_created", r.classesCreated},
                                   {"unreadable", unreadable},
                                   {"problems", problems}};
    std::ostringstream text;
    text << "Imported " << r.added << " new of " << r.found << " images into "
         << store.directory().string() << " (" << classNames.size() << " classes)\n";
    for (const auto& p : r.unreadable) text << "  unreadable: " << p.message << "\n";
    for (const auto& p : r.problems) text << "  problem: " << p.message << "\n";
    printResult(options.json, result, text.str());
    return kExitSuccess;
}

// The project after the import: its classes with their box counts, and its totals.
core::Result<void> projectBoxes(const core::ProjectStore& store, nlohmann::json& result) {
    auto classes = store.classes();
    if (!classes) return classes.error();
    auto counts = store.classBoxCounts();
    if (!counts) return counts.error();
    nlohmann::json list = nlohmann::json::array();
    std::int64_t boxes = 0;
    for (std::size_t i = 0; i < classes.value().size(); ++i) {
        const auto& c = counts.value()[i];
        list.push_back(
            {{"name", classes.value()[i].name}, {"boxes", c.boxes}, {"images", c.images}});
        boxes += c.boxes;
    }
    auto images = store.imageCount();
    if (!images) return images.error();
    result["classes"] = list;
    result["project_images"] = images.value();
    result["project_boxes"] = boxes;
    return {};
}

int importDetection(core::ProjectStore& store, const ImportOptions& options) {
    core::DetectionImportOptions importOptions;
    importOptions.format =
        core::parseBoxFormatName(options.format.empty() ? "auto" : options.format).value();
    ProgressDisplay progress;
    importOptions.progress = progressOf(progress);
    auto report = core::importDetectionFolder(store, options.folder, importOptions);
    progress.finishLine();
    if (!report) {
        return reportError(options.json, exitCodeFor(report.error().kind), report.error().message);
    }
    const core::DetectionImportReport& r = report.value();
    nlohmann::json files = nlohmann::json::array();
    for (const auto& file : r.files.cocoFiles) files.push_back(file.string());
    if (r.files.format != core::BoxFormat::Coco) files.push_back(r.files.labels.string());
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& p : r.problems) {
        problems.push_back({{"file", p.file.string()}, {"line", p.line}, {"message", p.message}});
    }
    nlohmann::json result = {{"project", store.directory().string()},
                             {"task", "detection"},
                             {"format", core::boxFormatName(r.files.format)},
                             {"annotation_files", files},
                             {"found", r.found},
                             {"added", r.added},
                             {"updated", r.updated},
                             {"annotated", r.annotated},
                             {"background", r.background},
                             {"not_annotated", r.notAnnotated},
                             {"boxes", r.boxes},
                             {"classes_created", r.classesCreated},
                             {"problems", problems}};
    if (auto totals = projectBoxes(store, result); !totals) {
        return reportError(options.json, kExitFailure, totals.error().message);
    }
    std::ostringstream text;
    text << "Imported " << r.added << " new of " << r.found << " images and " << r.boxes
         << " boxes on " << r.annotated << " images (" << r.background << " background) from "
         << core::boxFormatName(r.files.format) << " files into " << store.directory().string()
         << " (" << result["classes"].size() << " classes)\n";
    for (const auto& p : r.problems) text << "  problem: " << core::detection::describe(p) << "\n";
    printResult(options.json, result, text.str());
    return kExitSuccess;
}

}  // namespace

CLI::App* addImportCommand(CLI::App& app, ImportOptions& options) {
    CLI::App* command = app.add_subcommand("import", "Scan an image folder into a project");
    command->add_option("DIR", options.folder, "image folder")->required();
    command->add_option("--project", options.project, "project folder (created when missing)")
        ->required();
    command
        ->add_option("--task", options.task,
                     "classification or detection (default: the project's; a new project is "
                     "for classification unless --format is given)")
        ->check(CLI::IsMember({"classification", "detection"}));
    command
        ->add_option("--format", options.format,
                     "box files of a detection import (default auto: COCO, then VOC, then YOLO)")
        ->check(CLI::IsMember({"auto", "coco", "yolo", "voc"}));
    addJsonFlag(command, options.json);
    return command;
}

int runImport(const ImportOptions& options) {
    if (!std::filesystem::is_directory(options.folder)) {
        return reportError(options.json, kExitBadData, options.folder.string() + ": not a folder");
    }
    if (options.task == "classification" && !options.format.empty()) {
        return reportError(options.json, kExitUsage,
                           "--format names box files, which only a detection import reads");
    }
    const bool exists = core::ProjectStore::exists(options.project);
    const bool detectionAsked = options.task == "detection" || !options.format.empty();
    auto store = exists ? core::ProjectStore::open(options.project)
                        : core::ProjectStore::create(
                              options.project, detectionAsked ? core::ProjectTask::Detection
                                                              : core::ProjectTask::Classification);
    if (!store) return reportError(options.json, kExitBadData, store.error().message);
    const core::ProjectTask task = store.value().projectTask();
    const bool asked = !options.task.empty() || detectionAsked;
    const bool wantDetection =
        detectionAsked || (options.task.empty() && task == core::ProjectTask::Detection);
    if (asked && wantDetection != (task == core::ProjectTask::Detection)) {
        return reportError(options.json, kExitUsage,
                           store.value().directory().string() + " is a " +
                               core::projectTaskName(task) + " project; import with --task " +
                               core::projectTaskName(task) + " or into another project");
    }
    return task == core::ProjectTask::Detection ? importDetection(store.value(), options)
                                                : importClassification(store.value(), options);
}

}  // namespace fovea::cli
