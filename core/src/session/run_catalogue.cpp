#include "fovea/core/session/run_catalogue.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

#include "fovea/core/training/run_activity.h"
#include "fovea/core/training/run_folder_layout.h"

namespace fovea::core {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> splitCells(const std::string& line) {
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream stream(line);
    while (std::getline(stream, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    return cells;
}

// A number written by the run folder (std::to_chars: locale-free), or nothing for an empty or
// malformed cell.
std::optional<double> number(const std::string& cell) {
    double value = 0;
    const auto [end, error] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
    if (error != std::errc() || end != cell.data() + cell.size()) return std::nullopt;
    return value;
}

// The folder's modification time as ISO 8601 UTC, for runs without a readable config.
std::string folderTime(const fs::path& folder) {
    std::error_code error;
    const auto written = fs::last_write_time(folder, error);
    if (error) return {};
    const auto system = std::chrono::time_point_cast<std::chrono::system_clock::duration>(
        written - fs::file_time_type::clock::now() + std::chrono::system_clock::now());
    const std::time_t time = std::chrono::system_clock::to_time_t(system);
    std::tm utc{};
    gmtime_r(&time, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

// Status and message from what the run left: a live marker first (a resumed run still has the
// summary of its earlier part), then a failure, then the summary's outcome.
void readStatus(const fs::path& folder, RunListing& listing) {
    const RunActivity activity = runActivity(folder);
    if (activity.marked) {
        listing.status = activity.live ? RunStatus::Running : RunStatus::Interrupted;
        return;
    }
    const nlohmann::json failure = loadJsonFile(folder / run_layout::kFailureFile);
    if (failure.is_object()) {
        listing.status = RunStatus::Failed;
        listing.message = failure.value("message", std::string("failed"));
        return;
    }
    const nlohmann::json summary = loadJsonFile(folder / run_layout::kSummaryFile);
    if (!summary.is_object()) {
        // Killed before its end, or made by a version without running.json.
        listing.status = RunStatus::Interrupted;
        return;
    }
    const std::string outcome = summary.value("outcome", std::string());
    listing.message = summary.value("message", std::string());
    if (outcome == "completed" || outcome == "early_stopped") {
        listing.status = RunStatus::Finished;
    } else if (outcome == "stopped") {
        listing.status = RunStatus::Stopped;
        listing.trainingSeconds += summary.value("unfinished_epoch_seconds", 0.0);
    } else {
        listing.status = RunStatus::Failed;  // diverged, or an outcome this version does not know
        if (listing.message.empty()) listing.message = "ended as " + outcome;
    }
}

}  // namespace

const char* runStatusName(RunStatus status) {
    switch (status) {
        case RunStatus::Running:
            return "running";
        case RunStatus::Finished:
            return "finished";
        case RunStatus::Stopped:
            return "stopped";
        case RunStatus::Failed:
            return "failed";
        case RunStatus::Interrupted:
            return "interrupted";
    }
    return "unknown";
}

bool RunListing::resumable() const {
    return hasCheckpoint && config &&
           (status == RunStatus::Stopped || status == RunStatus::Interrupted ||
            status == RunStatus::Failed) &&
           epochsDone < epochsPlanned;
}

Result<RunListing> readRunListing(const fs::path& folder) {
    std::error_code error;
    if (!fs::is_regular_file(folder / run_layout::kConfigFile, error)) {
        return Error{
            folder.string() + " is not a training run (no " + run_layout::kConfigFile + ")",
            ErrorKind::Usage};
    }
    RunListing listing;
    listing.folder = folder;
    listing.name = folder.filename().string();
    readStatus(folder, listing);
    auto config = readRunConfig(folder);
    if (config) {
        listing.config = std::move(config).value();
        listing.created = listing.config->created;
        listing.epochsPlanned = listing.config->settings.training.epochs;
    } else if (listing.status != RunStatus::Running) {
        listing.status = RunStatus::Failed;
        listing.message = config.error().message;
    }
    if (listing.created.empty()) listing.created = folderTime(folder);

    for (const EpochReport& epoch : readRunMetrics(folder)) {
        ++listing.epochsDone;
        listing.trainingSeconds += epoch.seconds;
        if (!epoch.hasValidation) continue;
        listing.bestValidationAccuracy =
            std::max(listing.bestValidationAccuracy.value_or(epoch.validationAccuracy),
                     epoch.validationAccuracy);
        listing.bestValidationLoss = std::min(
            listing.bestValidationLoss.value_or(epoch.validationLoss), epoch.validationLoss);
    }
    listing.hasModel = fs::is_regular_file(folder / run_layout::kModelFile, error);
    listing.hasCheckpoint =
        fs::is_regular_file(folder / run_layout::kCheckpointFolder / "last.pt", error);
    return listing;
}

std::vector<RunListing> listRuns(const fs::path& runsFolder) {
    std::vector<RunListing> runs;
    std::error_code error;
    for (fs::directory_iterator it(runsFolder, error), end; !error && it != end;
         it.increment(error)) {
        if (!it->is_directory(error)) continue;
        if (auto listing = readRunListing(it->path())) runs.push_back(std::move(listing).value());
    }
    // ISO 8601 UTC times sort as text.
    std::sort(runs.begin(), runs.end(), [](const RunListing& a, const RunListing& b) {
        return a.created != b.created ? a.created > b.created : a.name > b.name;
    });
    return runs;
}

std::vector<EpochReport> readRunMetrics(const fs::path& runFolder) {
    std::vector<EpochReport> epochs;
    std::ifstream stream(runFolder / run_layout::kMetricsFile);
    std::string line;
    if (!stream || !std::getline(stream, line)) return epochs;
    std::map<std::string, std::size_t> column;
    const std::vector<std::string> header = splitCells(line);
    for (std::size_t i = 0; i < header.size(); ++i) column[header[i]] = i;
    if (!column.count("epoch")) return epochs;
    while (std::getline(stream, line)) {
        if (stream.eof()) break;  // no newline: a row cut short by a kill
        const std::vector<std::string> cells = splitCells(line);
        const auto cell = [&](const char* name) -> std::optional<double> {
            const auto found = column.find(name);
            if (found == column.end() || found->second >= cells.size()) return std::nullopt;
            return number(cells[found->second]);
        };
        const auto epoch = cell("epoch");
        if (!epoch || *epoch < 1) continue;
        EpochReport report;
        report.epoch = static_cast<std::int64_t>(*epoch) - 1;
        report.trainLoss = cell("train_loss").value_or(0);
        report.trainAccuracy = cell("train_accuracy").value_or(0);
        const auto validationLoss = cell("val_loss");
        const auto validationAccuracy = cell("val_accuracy");
        report.hasValidation = validationLoss && validationAccuracy;
        report.validationLoss = validationLoss.value_or(0);
        report.validationAccuracy = validationAccuracy.value_or(0);
        report.validationMacroF1 = cell("val_macro_f1").value_or(0);
        report.learningRate = cell("learning_rate").value_or(0);
        report.seconds = cell("seconds").value_or(0);
        report.imagesPerSecond = cell("images_per_second").value_or(0);
        const auto improved = column.find("improved");
        report.improved = improved != column.end() && improved->second < cells.size() &&
                          cells[improved->second] == "true";
        epochs.push_back(std::move(report));
    }
    return epochs;
}

nlohmann::json loadJsonFile(const fs::path& file) {
    std::ifstream stream(file);
    if (!stream) return nullptr;
    auto json = nlohmann::json::parse(stream, nullptr, false);
    return json.is_discarded() ? nlohmann::json() : json;
}

Result<fs::path> renameRun(const fs::path& folder, const std::string& newName) {
    if (newName.empty() || newName == "." || newName == ".." ||
        newName.find_first_of("/\\") != std::string::npos) {
        return Error{"\"" + newName + "\" cannot name a run folder (empty, or holds / or \\)",
                     ErrorKind::Usage};
    }
    if (runActivity(folder).live) {
        return Error{folder.filename().string() + " is training; rename it when it has ended",
                     ErrorKind::Usage};
    }
    const fs::path target = folder.parent_path() / newName;
    std::error_code error;
    if (fs::exists(target, error)) {
        return Error{"A run or file named \"" + newName + "\" already exists in " +
                         folder.parent_path().string(),
                     ErrorKind::Usage};
    }
    fs::rename(folder, target, error);
    if (error) {
        return Error{"Cannot rename " + folder.string() + " to " + newName + ": " + error.message(),
                     ErrorKind::Io};
    }
    return target;
}

}  // namespace fovea::core
