#include "health_command.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <sstream>

#include "cli_output.h"
#include "exit_codes.h"
#include "fovea/core/count_text.h"
#include "fovea/core/download/downloader.h"
#include "fovea/core/project/folder_import.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/session/dataset_checkup.h"
#include "fovea/core/session/label_issues.h"

namespace fovea::cli {
namespace {

namespace fs = std::filesystem;

// The project to check: the one given, or an image folder's project in the cache folder
// (imported again, so files added since are checked too).
core::Result<core::ProjectStore> openChecked(const HealthOptions& o) {
    if (!o.project.empty()) {
        auto store = core::ProjectStore::open(o.project);
        if (!store) return core::withKind(store.error(), core::ErrorKind::Usage);
        return store;
    }
    std::error_code error;
    if (!fs::is_directory(o.data, error)) {
        return core::Error{o.data.string() + ": not a folder (expected an image folder)",
                           core::ErrorKind::Usage};
    }
    if (core::ProjectStore::exists(o.data)) return core::ProjectStore::open(o.data);
    const fs::path absolute = fs::weakly_canonical(fs::absolute(o.data), error);
    const fs::path folder = core::cacheDirectory() / "health" /
                            std::to_string(std::hash<std::string>{}(absolute.string()));
    auto store = core::ProjectStore::exists(folder) ? core::ProjectStore::open(folder)
                                                    : core::ProjectStore::create(folder);
    if (!store) return store.error();
    auto imported = core::importFolder(store.value(), o.data);
    if (!imported) return imported.error();
    return store;
}

const char* kindName(core::DuplicateKind kind) {
    return kind == core::DuplicateKind::Exact ? "exact" : "near";
}

nlohmann::json reportJson(const core::CheckupReport& checkup) {
    const core::HealthReport& report = checkup.health;
    nlohmann::json duplicates = nlohmann::json::array();
    for (const auto& finding : report.duplicates) {
        nlohmann::json paths = nlohmann::json::array();
        for (const auto& path : finding.paths) paths.push_back(path.string());
        duplicates.push_back(
            {{"kind", kindName(finding.kind)}, {"images", paths}, {"leak", finding.leak}});
    }
    nlohmann::json unreadable = nlohmann::json::array();
    for (const auto& entry : report.unreadable) {
        unreadable.push_back({{"image", entry.path.string()}, {"error", entry.error}});
    }
    nlohmann::json classes = nlohmann::json::array();
    for (const auto& balance : report.classes) {
        if (balance.name.empty()) continue;  // the unlabeled images have no class
        classes.push_back({{"name", balance.name},
                           {"count", balance.count},
                           {"train", balance.train},
                           {"val", balance.val},
                           {"test", balance.test},
                           {"unassigned", balance.unassigned},
                           {"suggested_weight", balance.suggestedWeight}});
    }
    nlohmann::json issues = nlohmann::json::array();
    for (const auto& issue : report.labelIssues) {
        issues.push_back({{"image", issue.path.string()},
                          {"given", issue.givenName},
                          {"suggested", issue.suggestedName},
                          {"score", issue.score}});
    }
    return {
        {"images", report.imagesChecked},
        {"duplicates", duplicates},
        {"label_issues", issues},
        {"label_check", {{"images", report.labelsChecked}, {"agreement", report.labelAgreement}}},
        {"unreadable", unreadable},
        {"classes", classes},
        {"imbalance_ratio", report.imbalanceRatio},
        {"advice", report.balanceAdvice},
        {"backbone", checkup.backbone},
        {"embeddings",
         {{"computed", checkup.embeddingsComputed}, {"cached", checkup.embeddingsCached}}}};
}

std::string reportText(const core::CheckupReport& checkup) {
    const core::HealthReport& report = checkup.health;
    std::ostringstream text;
    text << "Checked " << core::countText(report.imagesChecked, "image") << " with "
         << checkup.backbone << " (" << checkup.embeddingsCached << " embeddings from the cache, "
         << checkup.embeddingsComputed << " computed).\n";
    std::int64_t leaks = 0;
    for (const auto& finding : report.duplicates) leaks += finding.leak ? 1 : 0;
    text << core::countText(static_cast<std::int64_t>(report.duplicates.size()), "duplicate group")
         << (leaks ? " (" + core::countText(leaks, "leak") + " across train and validation)" : "")
         << (report.duplicates.empty() ? "." : ":") << "\n";
    for (const auto& finding : report.duplicates) {
        text << "  " << kindName(finding.kind) << (finding.leak ? ", leak" : "") << ":";
        for (const auto& path : finding.paths) text << " " << path.string();
        text << "\n";
    }
    text << core::countText(static_cast<std::int64_t>(report.unreadable.size()), "unreadable file")
         << (report.unreadable.empty() ? "." : ":") << "\n";
    for (const auto& entry : report.unreadable) text << "  " << entry.error << "\n";
    text << "Classes (usable images: train/val/test/unassigned):\n";
    for (const auto& balance : report.classes) {
        if (balance.name.empty()) continue;
        text << "  " << balance.name << ": " << balance.count << " (" << balance.train << "/"
             << balance.val << "/" << balance.test << "/" << balance.unassigned << ")\n";
    }
    if (!report.balanceAdvice.empty()) text << report.balanceAdvice << "\n";
    text << core::countText(static_cast<std::int64_t>(report.labelIssues.size()),
                            "suspected label error")
         << (report.labelIssues.empty() ? "." : ", most suspect first:") << "\n";
    const std::string note = core::labelAgreementNote(report.labelsChecked, report.labelAgreement);
    if (!note.empty()) text << note << "\n";
    for (const auto& issue : report.labelIssues) {
        char score[16];
        std::snprintf(score, sizeof score, "%.2f", issue.score);
        text << "  " << issue.path.string() << ": labeled " << issue.givenName << ", looks like "
             << issue.suggestedName << " (" << score << ")\n";
    }
    return text.str();
}

}  // namespace

CLI::App* addHealthCommand(CLI::App& app, HealthOptions& o) {
    auto* command = app.add_subcommand(
        "health", "Check a dataset: duplicates and leaks, unreadable files, class balance");
    auto* data = command->add_option("--data", o.data, "an image folder (or a project folder)");
    auto* project = command->add_option("--project", o.project, "a project folder");
    data->excludes(project);
    project->excludes(data);
    command
        ->add_option("--max-hash-distance", o.maxHashDistance,
                     "near duplicates: perceptual hashes differing in at most this many of "
                     "64 bits")
        ->check(CLI::Range(0, 64))
        ->capture_default_str();
    command->add_option("--threads", o.threads, "decoding threads (0: one per core)")
        ->check(CLI::NonNegativeNumber);
    auto* model = command->add_option(
        "--model", o.model, "backbone: a trained model (run folder, bundle or model file)");
    auto* arch = command->add_option("--arch", o.architecture, "backbone: an architecture")
                     ->capture_default_str();
    auto* weights =
        command->add_option("--weights", o.weights, "its weights: default, a file or a URL")
            ->capture_default_str();
    model->excludes(arch)->excludes(weights);
    command
        ->add_option("--image-size", o.imageSize,
                     "side the backbone embeds images at (0: a trained model's own, 112 px "
                     "for a published one)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    command->add_flag("--json", o.json, "Print one JSON object");
    return command;
}

int runHealth(const HealthOptions& o) {
    if (o.data.empty() && o.project.empty()) {
        return reportError(o.json, kExitUsage, "health needs --data DIR or --project DIR");
    }
    auto store = openChecked(o);
    if (!store) return reportError(o.json, exitCodeFor(store.error().kind), store.error().message);
    ProgressDisplay progress;
    core::CheckupOptions options;
    options.health.nearDuplicates.maxHashDistance = o.maxHashDistance;
    options.health.threads = o.threads;
    options.backbone = {o.model, o.architecture, o.weights, o.imageSize};
    options.progress = [&](const std::string& stage, std::int64_t done, std::int64_t total) {
        progress.updateStage(stage, done, total);
    };
    auto report = core::runDatasetCheckup(store.value(), options);
    progress.finishLine();
    if (!report)
        return reportError(o.json, exitCodeFor(report.error().kind), report.error().message);
    printResult(o.json, reportJson(report.value()), reportText(report.value()));
    return kExitSuccess;
}

}  // namespace fovea::cli
