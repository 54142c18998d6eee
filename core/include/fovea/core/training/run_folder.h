#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <optional>

#include "fovea/core/result.h"
#include "fovea/core/training/run_folder_layout.h"
#include "fovea/core/training/trainer.h"

namespace fovea::core {

// What one training run leaves on disk, all in one folder, readable without Fovea:
//
//   config.json       what was trained and how: the caller's description (architecture, weights
//                     source, classes, data counts, image size, the TrainingConfig as JSON...)
//                     plus "fovea_version" and "created" (UTC, ISO 8601). Written once.
//   metrics.csv       one row per epoch, epochs numbered from 1; the validation cells are empty
//                     when the run has no validation data. Header: kMetricsHeader.
//   log.txt           the trainer's log lines and one line per epoch, each after a UTC time.
//   events.out.tfevents.*  TensorBoard curves: batch/loss and batch/learning_rate per reported
//                     batch (step: optimizer steps), epoch/* per epoch (step: epoch from 1).
//                     One file per create() or open(); TensorBoard merges them.
//   checkpoints/      the trainer's (pass checkpointFolder() to Trainer::setCheckpointFolder).
//   summary.json      the TrainingSummary, written by writeSummary() when the run ends.
//   running.json      while this process records the run (create() or open() until the
//                     RunFolder and its callbacks are gone): its pid, host and start, so the
//                     run list tells a running run from one whose process died.
//   failure.json      recordFailure()'s message: the error that ended the run.
//
// Durability: each metrics row and log line reaches the OS with a single write() as it happens
// (no fsync: this guards against a killed process, like the TensorBoard writer), so a kill
// loses at most the epoch in progress and never leaves half a row. config.json, summary.json
// and rewritten metrics files are replaced atomically.
//
// Recording failures (a full disk, a removed folder) never stop training: a run of hours is
// worth more than its curves. The first failure is kept, recording stops there (no file is
// left with a gap that looks complete), the caller's callbacks are still forwarded every
// event, and recordingError() tells the caller what happened so it can report it. create(),
// open() and writeSummary() instead return their errors: nothing is running yet, or the
// caller is waiting for the result.
//
// Move-only; a moved-from RunFolder may only be destroyed or assigned to. The callbacks from
// callbacks() share the recorder with this object, so they stay valid after a move or after
// this object is gone (the files close with the last of them).
// Recording is serialised by a mutex: recordingError() may be called from any thread, e.g. a
// GUI polling while the trainer runs in its worker.
class RunFolder {
  public:
    static constexpr const char* kConfigFile = run_layout::kConfigFile;
    static constexpr const char* kMetricsFile = run_layout::kMetricsFile;
    static constexpr const char* kLogFile = run_layout::kLogFile;
    static constexpr const char* kSummaryFile = run_layout::kSummaryFile;
    static constexpr const char* kCheckpointFolder = run_layout::kCheckpointFolder;
    static constexpr const char* kMetricsHeader =
        "epoch,train_loss,train_accuracy,val_loss,val_accuracy,val_macro_f1,learning_rate,seconds,"
        "images_per_second,improved";

    // Starts a new run in `folder` (created with its parents when missing). Refuses a folder
    // that already holds a run's files, naming it; other files in it are left alone.
    // `description` must be a JSON object; "fovea_version" and "created" are set on the copy
    // stored as config.json.
    static Result<RunFolder> create(const std::filesystem::path& folder,
                                    const nlohmann::json& description);
    // Reopens an existing run to resume it (config.json must exist; its content is the
    // caller's): new rows, log lines and curves are appended. When
    // the resumed trainer reports an epoch that metrics.csv already has (the process was killed
    // after the row but before the checkpoint), the rows from that epoch on are replaced. An
    // earlier failure.json goes: the run is going again. Refused while another live process
    // on this machine records the run (its running.json).
    static Result<RunFolder> open(const std::filesystem::path& folder);

    RunFolder(RunFolder&& other) noexcept;
    RunFolder& operator=(RunFolder&& other) noexcept;
    RunFolder(const RunFolder&) = delete;
    RunFolder& operator=(const RunFolder&) = delete;
    ~RunFolder();

    const std::filesystem::path& path() const { return m_folder; }
    std::filesystem::path checkpointFolder() const { return m_folder / kCheckpointFolder; }

    // Callbacks for Trainer::run that record every event, then forward it to `forwardTo`
    // (whose members may be empty). Exceptions from the forwarded callbacks propagate as they
    // would without the run folder.
    TrainingCallbacks callbacks(TrainingCallbacks forwardTo = {});

    // Writes summary.json atomically (the summary's JSON plus "finished", UTC) and a last log
    // line, and flushes the TensorBoard file. Tried even after a recording error: the summary
    // matters most and the disk may have space again.
    Result<void> writeSummary(const TrainingSummary& summary);

    // An error ended the run: writes failure.json atomically ({"message", "failed": UTC}) and
    // the message to log.txt, so the run list and the log say why. Tried even after a
    // recording error, like writeSummary().
    Result<void> recordFailure(const std::string& message);

    // The first recording failure, if any; nothing has been recorded since.
    std::optional<Error> recordingError() const;

  private:
    class Recorder;

    RunFolder(std::filesystem::path folder, std::shared_ptr<Recorder> recorder);

    std::filesystem::path m_folder;
    std::shared_ptr<Recorder> m_recorder;
};

// Appends `message` to log-rank<rank>.txt in a distributed run's folder, the log of a rank other
// than 0 (rank 0 owns log.txt), stamped and kept to one line as log.txt's lines are.
Result<void> appendRankLog(const std::filesystem::path& runFolder, int rank,
                           const std::string& message);

}  // namespace fovea::core
