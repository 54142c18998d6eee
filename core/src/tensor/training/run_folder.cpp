#include "fovea/core/training/run_folder.h"

#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "fovea/core/atomic_file.h"
#include "fovea/core/count_text.h"
#include "fovea/core/training/report_json.h"
#include "fovea/core/training/run_activity.h"
#include "fovea/core/training/tensorboard_writer.h"
#include "fovea/core/version.h"
#include "run_files.h"
#include "run_metrics_csv.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

using run_detail::appendWhole;
using run_detail::fixed;
using run_detail::MetricsCsv;
using run_detail::openForAppend;
using run_detail::significant;
using run_detail::UniqueFd;
using run_detail::utcTimestamp;

// Pretty-printed. Invalid UTF-8 (a class named after a folder in a legacy encoding, an OS
// message) becomes U+FFFD instead of the exception nlohmann::json would throw.
std::string prettyJson(const nlohmann::json& json) {
    return json.dump(4, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// One line, whatever the caller passed: a newline inside would start a line without a time.
std::string logLine(const std::string& message) {
    std::string line = utcTimestamp() + " " + message;
    for (char& c : line) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    line += '\n';
    return line;
}

// TensorBoard renders text as Markdown: indenting makes the JSON a code block.
std::string asMarkdownCode(const std::string& text) {
    std::string result = "    ";
    for (char c : text) {
        result += c;
        if (c == '\n') result += "    ";
    }
    return result;
}

// Files whose presence means a run was (or is being) recorded in the folder.
std::optional<std::string> runFileIn(const fs::path& folder) {
    std::error_code error;
    for (const char* name : {RunFolder::kConfigFile, RunFolder::kMetricsFile, RunFolder::kLogFile,
                             RunFolder::kSummaryFile, RunFolder::kCheckpointFolder}) {
        if (fs::exists(folder / name, error)) return std::string(name);
    }
    for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
        const std::string name = it->path().filename().string();
        if (name.find("tfevents") != std::string::npos) return name;
    }
    return std::nullopt;
}

}  // namespace

std::string epochLogMessage(const EpochReport& r) {
    std::string message = "epoch " + std::to_string(r.epoch + 1) + ": train loss " +
                          fixed(r.trainLoss, 4) + ", accuracy " + fixed(100 * r.trainAccuracy, 2) +
                          "%";
    if (r.hasValidation) {
        message += "; validation loss " + fixed(r.validationLoss, 4) + ", accuracy " +
                   fixed(100 * r.validationAccuracy, 2) + "%, macro F1 " +
                   fixed(r.validationMacroF1, 4);
    }
    message += "; learning rate " + significant(r.learningRate, 4) + "; " + fixed(r.seconds, 1) +
               " s, " + fixed(r.imagesPerSecond, 1) + " images/s";
    if (r.improved) message += "; best so far";
    return message;
}

// --- The recorder: the open files, shared by the RunFolder and its callbacks ---

class RunFolder::Recorder {
  public:
    Recorder(fs::path folder, UniqueFd log, TensorBoardWriter tensorBoard, MetricsCsv metrics)
        : m_folder(std::move(folder)),
          m_log(std::move(log)),
          m_tensorBoard(std::move(tensorBoard)),
          m_metrics(std::move(metrics)) {}

    Recorder(const Recorder&) = delete;
    Recorder& operator=(const Recorder&) = delete;
    // The last holder of the run lets go of it: whatever ended the run is recorded by now.
    ~Recorder() { unmarkRunActive(m_folder); }

    void batch(const BatchProgress& progress) {
        record([&]() -> Result<void> {
            if (auto added = m_tensorBoard.addScalar(run_layout::kBatchLossTag, progress.step,
                                                     progress.loss);
                !added) {
                return added;
            }
            return m_tensorBoard.addScalar(run_layout::kBatchLearningRateTag, progress.step,
                                           progress.learningRate);
        });
    }

    void epoch(const EpochReport& report) {
        record([&]() -> Result<void> {
            // The CSV first: it is what people plot and compare runs by.
            if (auto appended = m_metrics.appendRow(report); !appended) return appended;
            if (auto logged = appendLog(epochLogMessage(report)); !logged) return logged;
            const std::int64_t step = report.epoch + 1;
            std::vector<std::pair<const char*, double>> scalars = {
                {"epoch/train_loss", report.trainLoss},
                {"epoch/train_accuracy", report.trainAccuracy}};
            if (report.hasValidation) {
                scalars.insert(scalars.end(), {{"epoch/val_loss", report.validationLoss},
                                               {"epoch/val_accuracy", report.validationAccuracy},
                                               {"epoch/val_macro_f1", report.validationMacroF1}});
            }
            scalars.emplace_back("epoch/learning_rate", report.learningRate);
            for (const auto& [tag, value] : scalars) {
                if (auto added = m_tensorBoard.addScalar(tag, step, value); !added) return added;
            }
            return m_tensorBoard.flush();
        });
    }

    void log(const std::string& message) {
        record([&] { return appendLog(message); });
    }

    Result<void> summary(const TrainingSummary& summary) {
        std::lock_guard lock(m_mutex);
        nlohmann::json json = toJson(summary);
        json["finished"] = utcTimestamp();
        const Result<void> written =
            files::writeFileAtomically(m_folder / kSummaryFile, prettyJson(json));
        if (!m_error) {
            std::string message = std::string("finished: ") + trainingOutcomeName(summary.outcome) +
                                  " after " + countText(summary.epochsCompleted, "epoch") + ", " +
                                  countText(summary.steps, "step");
            if (!summary.message.empty()) message += " (" + summary.message + ")";
            recordLocked([&]() -> Result<void> {
                if (auto logged = appendLog(message); !logged) return logged;
                return m_tensorBoard.flush();
            });
        }
        return written;
    }

    Result<void> failure(const std::string& message) {
        std::lock_guard lock(m_mutex);
        const nlohmann::json json = {{"message", message}, {"failed", utcTimestamp()}};
        const Result<void> written =
            files::writeFileAtomically(m_folder / run_layout::kFailureFile, prettyJson(json));
        // Straight to the log, also after a recording error: this line is what people look for.
        (void)appendLog("failed: " + message);
        return written;
    }

    std::optional<Error> error() const {
        std::lock_guard lock(m_mutex);
        return m_error;
    }

  private:
    template <class Step>
    void record(Step&& step) {
        std::lock_guard lock(m_mutex);
        recordLocked(std::forward<Step>(step));
    }

    // Runs one recording step unless recording has stopped; a failure (or an exception, e.g.
    // bad_alloc) stops it. Called with m_mutex held.
    template <class Step>
    void recordLocked(Step&& step) {
        if (m_error) return;
        try {
            if (const Result<void> result = step(); !result) stopRecording(result.error());
        } catch (const std::exception& exception) {
            stopRecording(Error{"Recording the run in " + m_folder.string() +
                                " failed: " + exception.what()});
        }
    }

    void stopRecording(Error error) {
        m_error = std::move(error);
        // Best effort, so that log.txt itself says why it ends here; it fails when the log or
        // the disk is what broke.
        (void)appendWhole(m_log.get(), m_folder / kLogFile,
                          logLine("recording stopped: " + m_error->message));
    }

    Result<void> appendLog(const std::string& message) {
        return appendWhole(m_log.get(), m_folder / kLogFile, logLine(message));
    }

    fs::path m_folder;
    UniqueFd m_log;  // log.txt, opened for appending
    TensorBoardWriter m_tensorBoard;
    MetricsCsv m_metrics;
    mutable std::mutex m_mutex;
    std::optional<Error> m_error;  // the first failure; recording stops there
};

// --- RunFolder ---

Result<RunFolder> RunFolder::create(const fs::path& folder, const nlohmann::json& description) {
    if (!description.is_object()) {
        return Error{"Cannot create the run folder " + folder.string() +
                     ": its description must be a JSON object"};
    }
    std::error_code error;
    const bool existed = fs::exists(folder, error);
    if (existed && !fs::is_directory(folder, error)) {
        return Error{"Cannot create the run folder " + folder.string() +
                     ": it exists and is not a folder"};
    }
    if (existed) {
        if (fs::exists(folder / kConfigFile, error)) {
            return Error{folder.string() +
                         " already holds a training run; choose another --out or use --resume"};
        }
        if (const auto name = runFileIn(folder)) {
            return Error{folder.string() + " already holds files of a training run (" + *name +
                         "); choose another --out or remove them"};
        }
    }

    // Whatever this creates goes again if a later step fails, so that retrying with the same
    // folder is not refused because of a half-made run. None of these existed (checked above).
    std::optional<TensorBoardWriter> tensorBoard;
    const auto failed = [&](Error failure) -> Result<RunFolder> {
        std::error_code ignored;
        if (tensorBoard) {
            const fs::path events = tensorBoard->path();
            tensorBoard.reset();
            fs::remove(events, ignored);
        }
        for (const char* name :
             {kConfigFile, run_layout::kRunningFile, kMetricsFile, kLogFile, kCheckpointFolder}) {
            fs::remove(folder / name, ignored);  // the folder only when empty
        }
        if (!existed) fs::remove(folder, ignored);
        return failure;
    };

    if (fs::create_directories(folder / kCheckpointFolder, error); error) {
        return failed(
            Error{"Cannot create the run folder " + folder.string() + ": " + error.message()});
    }
    nlohmann::json config = description;
    config["fovea_version"] = kFoveaVersion;
    config["created"] = utcTimestamp();
    const std::string configText = prettyJson(config);
    if (auto written = files::writeFileAtomically(folder / kConfigFile, configText); !written) {
        return failed(written.error());
    }
    auto metrics = MetricsCsv::create(folder / kMetricsFile);
    if (!metrics) return failed(metrics.error());
    auto log = openForAppend(folder / kLogFile);
    if (!log) return failed(log.error());
    if (auto logged = appendWhole(log.value().get(), folder / kLogFile,
                                  logLine(std::string("run created by Fovea ") + kFoveaVersion));
        !logged) {
        return failed(logged.error());
    }
    auto writer = TensorBoardWriter::create(folder);
    if (!writer) return failed(writer.error());
    tensorBoard = std::move(writer).value();
    if (auto added = tensorBoard->addText("config", 0, asMarkdownCode(configText)); !added) {
        return failed(added.error());
    }
    if (auto flushed = tensorBoard->flush(); !flushed) return failed(flushed.error());
    // Marked last: the recorder made next removes it when the run is let go of.
    if (auto marked = markRunActive(folder); !marked) return failed(marked.error());

    auto recorder = std::make_shared<Recorder>(folder, std::move(log).value(),
                                               std::move(*tensorBoard), std::move(metrics).value());
    return RunFolder(folder, std::move(recorder));
}

Result<RunFolder> RunFolder::open(const fs::path& folder) {
    const fs::path configFile = folder / kConfigFile;
    std::error_code error;
    if (!fs::exists(configFile, error)) {
        return Error{folder.string() + " holds no training run to resume (no " + kConfigFile + ")"};
    }
    // config.json itself is read by the caller (readRunConfig in the session layer).
    if (const RunActivity activity = runActivity(folder); activity.live) {
        return Error{folder.string() + " is being trained by another process (pid " +
                     std::to_string(activity.pid) + " on " + activity.host +
                     "); stop it before resuming"};
    }
    if (fs::create_directories(folder / kCheckpointFolder, error); error) {
        return Error{"Cannot create " + (folder / kCheckpointFolder).string() + ": " +
                     error.message()};
    }

    auto metrics = MetricsCsv::open(folder / kMetricsFile);
    if (!metrics) return metrics.error();

    auto log = openForAppend(folder / kLogFile);
    if (!log) return log.error();
    if (auto logged =
            appendWhole(log.value().get(), folder / kLogFile,
                        logLine(std::string("run reopened to resume by Fovea ") + kFoveaVersion));
        !logged) {
        return logged.error();
    }
    auto tensorBoard = TensorBoardWriter::create(folder);
    if (!tensorBoard) return tensorBoard.error();
    // Marked last, so that every failure above leaves no marker behind; the recorder removes it.
    if (auto marked = markRunActive(folder); !marked) return marked.error();
    fs::remove(folder / run_layout::kFailureFile, error);  // the run is going again
    auto recorder = std::make_shared<Recorder>(
        folder, std::move(log).value(), std::move(tensorBoard).value(), std::move(metrics).value());
    return RunFolder(folder, std::move(recorder));
}

RunFolder::RunFolder(fs::path folder, std::shared_ptr<Recorder> recorder)
    : m_folder(std::move(folder)), m_recorder(std::move(recorder)) {}

RunFolder::RunFolder(RunFolder&& other) noexcept = default;
RunFolder& RunFolder::operator=(RunFolder&& other) noexcept = default;
RunFolder::~RunFolder() = default;

TrainingCallbacks RunFolder::callbacks(TrainingCallbacks forwardTo) {
    TrainingCallbacks wrapped;
    wrapped.onBatch = [recorder = m_recorder,
                       forward = std::move(forwardTo.onBatch)](const BatchProgress& progress) {
        recorder->batch(progress);
        if (forward) forward(progress);
    };
    wrapped.onEpoch = [recorder = m_recorder,
                       forward = std::move(forwardTo.onEpoch)](const EpochReport& report) {
        recorder->epoch(report);
        if (forward) forward(report);
    };
    wrapped.onLog = [recorder = m_recorder,
                     forward = std::move(forwardTo.onLog)](const std::string& line) {
        recorder->log(line);
        if (forward) forward(line);
    };
    // Skipped images are already in the log (the trainer logs them); only forward.
    wrapped.onSampleFailure = std::move(forwardTo.onSampleFailure);
    wrapped.onFrozenBlocksChanged = std::move(forwardTo.onFrozenBlocksChanged);
    return wrapped;
}

Result<void> RunFolder::writeSummary(const TrainingSummary& summary) {
    return m_recorder->summary(summary);
}

Result<void> RunFolder::recordFailure(const std::string& message) {
    return m_recorder->failure(message);
}

std::optional<Error> RunFolder::recordingError() const { return m_recorder->error(); }

Result<void> appendRankLog(const fs::path& runFolder, int rank, const std::string& message) {
    const fs::path file = runFolder / ("log-rank" + std::to_string(rank) + ".txt");
    auto log = openForAppend(file);
    if (!log) return log.error();
    return appendWhole(log.value().get(), file, logLine(message));
}

}  // namespace fovea::core
