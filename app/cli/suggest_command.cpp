#include "suggest_command.h"

#include <sstream>

#include "cli_output.h"
#include "common_options.h"
#include "exit_codes.h"
#include "fovea/core/count_text.h"
#include "fovea/core/session/label_refresh.h"
#include "fovea/core/session/label_suggestions.h"

namespace fovea::cli {

CLI::App* addSuggestCommand(CLI::App& app, SuggestOptions& o) {
    auto* command = app.add_subcommand(
        "suggest", "Suggest labels for a project's unlabeled images with a trained model");
    auto* model = command->add_option("--model", o.model, "run folder, model bundle or model file");
    auto* refresh = command->add_flag(
        "--refresh", o.refresh,
        "no model: fit a head on the offline backbone's cached embeddings of the labeled images "
        "(seconds) and suggest with it; Label next then weighs uncertainty and diversity");
    model->excludes(refresh);
    command
        ->add_option("--uncertainty", o.uncertainty,
                     "what Label next puts first: margin (the top two classes closest) or "
                     "entropy (the probabilities most spread out)")
        ->check(CLI::IsMember({"margin", "entropy"}))
        ->capture_default_str();
    command->add_option("--project", o.project, "the project folder")->required();
    command->add_option("--batch-size", o.batchSize, "images per batch")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--workers", o.workers, "image decoding threads (0: one per core)");
    addDeviceOption(command, o.device);
    addJsonFlag(command, o.json);
    return command;
}

namespace {

nlohmann::json unreadableJson(const std::vector<core::PredictionFailure>& failures) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& failure : failures) {
        out.push_back({{"image", failure.path.string()}, {"error", failure.message}});
    }
    return out;
}

void listUnreadable(std::ostream& text, const std::vector<core::PredictionFailure>& failures) {
    if (failures.empty()) return;
    text << "Unreadable, recorded in the project (" << failures.size() << "):\n";
    for (const auto& failure : failures) text << "  " << failure.message << "\n";
}

core::UncertaintyMeasure measureOf(const SuggestOptions& o) {
    return o.uncertainty == "entropy" ? core::UncertaintyMeasure::Entropy
                                      : core::UncertaintyMeasure::Margin;
}

int runRefresh(const SuggestOptions& o) {
    core::RefreshOptions options;
    options.measure = measureOf(o);
    ProgressDisplay progress;
    options.progress = [&](const std::string& stage, std::int64_t done, std::int64_t total) {
        progress.updateStage(stage, done, total);
    };
    auto refreshed = core::refreshSuggestions(o.project, options);
    progress.finishLine();
    if (!refreshed) {
        return reportError(o.json, exitCodeFor(refreshed.error().kind), refreshed.error().message);
    }
    const core::RefreshReport& report = refreshed.value();
    const nlohmann::json result = {
        {"backbone", report.backbone},
        {"project", o.project.string()},
        {"labeled", report.labeled},
        {"classes", report.classes},
        {"suggested", report.suggested},
        {"uncertainty", o.uncertainty},
        {"embeddings",
         {{"computed", report.embeddingsComputed}, {"cached", report.embeddingsCached}}},
        {"unreadable", unreadableJson(report.failures)}};
    std::ostringstream text;
    text << "Refreshed the suggestions for " << core::countText(report.suggested, "unlabeled image")
         << " in " << o.project.string() << ": a head fitted on "
         << core::countText(report.labeled, "labeled image") << " of " << report.classes
         << " classes, on " << report.backbone << " (" << report.embeddingsComputed
         << " embedded now, " << report.embeddingsCached << " cached).\n";
    listUnreadable(text, report.failures);
    printResult(o.json, result, text.str());
    return kExitSuccess;
}

}  // namespace

int runSuggest(const SuggestOptions& o) {
    if (o.refresh) return runRefresh(o);
    if (o.model.empty()) {
        return reportError(o.json, kExitUsage,
                           "suggest: choose --model M (a trained model) or --refresh (a head on "
                           "the offline backbone)");
    }
    core::SuggestionSettings settings;
    settings.measure = measureOf(o);
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
    const nlohmann::json result = {{"model", report.model.string()},
                                   {"project", o.project.string()},
                                   {"considered", report.considered},
                                   {"suggested", report.suggested},
                                   {"unreadable", unreadableJson(report.failures)},
                                   {"unmatched_classes", report.unmatchedClasses},
                                   {"uncertainty", o.uncertainty},
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
    listUnreadable(text, report.failures);
    printResult(o.json, result, text.str());
    return kExitSuccess;
}

}  // namespace fovea::cli
