#pragma once

// The runs of a project as a list, read from their folders alone: the workbench's Runs page and
// fovea-cli list runs made by either of them, or by another machine writing to the same
// folder. Free of LibTorch, OpenCV and Qt.

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/result.h"
#include "fovea/core/session/run_settings.h"
#include "fovea/core/training/training_reports.h"

namespace fovea::core {

enum class RunStatus {
    Running,      // a live process is recording it
    Finished,     // all epochs ran, or early stopping ended it; it has a model
    Stopped,      // stopped by the user; its checkpoint continues it
    Failed,       // an error ended it (message), or the loss diverged
    Interrupted,  // the process ended without saying how (killed, crashed, power lost)
};
const char* runStatusName(RunStatus status);

// One run as the list shows it.
struct RunListing {
    std::filesystem::path folder;
    std::string name;  // the folder's name
    RunStatus status = RunStatus::Interrupted;
    std::string message;  // why it failed; else what its summary says, if anything
    // config.json, when readable (a run whose config cannot be read is listed as failed).
    std::optional<RunConfig> config;
    std::string created;          // UTC, ISO 8601 (config.json's; else the folder's time)
    std::int64_t epochsDone = 0;  // rows of metrics.csv
    std::int64_t epochsPlanned = 0;
    // The epochs' own durations, pauses left out, and the unfinished epoch's of a stopped run.
    double trainingSeconds = 0;
    std::optional<double> bestValidationAccuracy;
    std::optional<double> bestValidationLoss;
    bool hasModel = false;       // model.safetensors: Evaluate, Predict and Export can use it
    bool hasCheckpoint = false;  // checkpoints/last.pt
    // A run that ended before its last epoch and can continue from its checkpoint.
    bool resumable() const;
};

// The run in `folder`. Usage error when it is not a run folder (no config.json).
Result<RunListing> readRunListing(const std::filesystem::path& folder);

// Every run folder directly below `runsFolder` (a project's runs/), newest first (by creation
// time, then name). Folders that are not runs are left out; a missing folder is no runs.
std::vector<RunListing> listRuns(const std::filesystem::path& runsFolder);

// metrics.csv of a run: one report per epoch row (epoch 0-based, validation figures only where
// the row has them; no confusion matrices). A missing file is no epochs; rows that cannot be
// read (a truncated last line) are skipped. Columns are found by their header names.
std::vector<EpochReport> readRunMetrics(const std::filesystem::path& runFolder);

// A JSON file's content, or null when it is missing or not JSON (optional run records).
nlohmann::json loadJsonFile(const std::filesystem::path& file);

// Renames the run folder to `newName` beside it and returns the new path. Refused, with the
// reason, for a running run, an empty name or one holding a path separator, and a name taken.
Result<std::filesystem::path> renameRun(const std::filesystem::path& folder,
                                        const std::string& newName);

}  // namespace fovea::core
