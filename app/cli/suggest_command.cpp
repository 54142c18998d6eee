#include "suggest_command.h"

#include <sstream>

#include "cli_output.h"
#include "common_options.h"
#include "exit_codes.h"
#include "fovea/core/count_text.h"
#include "fovea/core/session/label_suggestions.h"

namespace fovea::cli {

CLI::App* addSuggestCommand(CLI::App& app, SuggestOptions& o) {
    auto* command = app.add_subcommand(
        "suggest", "Suggest labels for a project's unlabeled images with a trained model");
    command->add_option("--model", o.model, "run folder, model bundle or model file")->required();
    command->add_option("--project", o.project, "the project folder")->required();
    command->add_option("--batch-size", o.batchSize, "images per batch")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--workers", o.workers, "image decoding threads (0: one per core)");
    addDeviceOption(command, o.device);
    addJsonFlag(command, o.json);
    return command;
}

int runSuggest(const SuggestOptions& o) {
    core::InferenceSettings settings;
    settings.batchSize = o.batchSize;
    settings.workers = o.workers;
    settings.device = core::parseDevicePreference(o.device).value();
    ProgressDisplay progress;
    auto suggested = core::suggestLabels(
        o.project, o.model, settings, [&](std::int64_t done, std::int64_t total) {
            progress.update(double(done) / double(total), "suggesting",
                            std::to_string(done) + "/" + std::to_string(total) + " images", 0);
        });
    progress.finishLine();
    if (!suggested) {
        return reportError(o.json, exitCodeFor(suggested.error().kind), suggested.error().message);
    }
    const core::SuggestionReport& report = suggested.value();
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& failure : report.failures) {
        failures.push_back({{"image", failure.path.string()}, {"error", failure.message}});
    }
    const nlohmann::json result = {{"model", report.model.string()},
                                   {"project", o.project.string()},
                                   {"considered", report.considered},
                                   {"suggested", report.suggested},
                                   {"unreadable", failures},
                                   {"unmatched_classes", report.unmatchedClasses},
                                   {"inference", core::toJson(report.facts)}};
    std::ostringstream text;
    text << "Suggested labels for " << core::countText(report.suggested, "unlabeled image")
         << " of " << report.considered << " in " << o.project.string() << ", with "
         << report.model.string() << ".\n";
    if (!report.unmatchedClasses.empty()) {
        text << "Not suggested (the project has no such class):";
        for (const auto& name : report.unmatchedClasses) text << " " << name;
        text << "\n";
    }
    if (!report.failures.empty()) {
        text << "Unreadable, recorded in the project (" << report.failures.size() << "):\n";
        for (const auto& failure : report.failures) text << "  " << failure.message << "\n";
    }
    printResult(o.json, result, text.str());
    return kExitSuccess;
}

}  // namespace fovea::cli
