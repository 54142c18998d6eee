#include "fovea/core/training/run_folder.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "fovea/core/atomic_file.h"
#include "fovea/core/training/report_json.h"
#include "fovea/core/training/tensorboard_writer.h"
#include "fovea/core/version.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

// --- Small helpers: time, numbers, whole-line appends ---

std::string utcTimestamp() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    ::gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

// std::to_chars, not printf or streams: independent of the locale (a GUI sets LC_NUMERIC to the
// user's, which would put decimal commas into a CSV file).
std::string shortest(double value) {
    char text[64];
    const auto end = std::to_chars(text, text + sizeof text, value).ptr;
    return {text, end};
}

std::string fixed(double value, int digits) {
    char text[64];
    const auto end =
        std::to_chars(text, text + sizeof text, value, std::chars_format::fixed, digits);
    return end.ec == std::errc() ? std::string(text, end.ptr) : shortest(value);
}

std::string significant(double value, int digits) {
    char text[64];
    const auto end =
        std::to_chars(text, text + sizeof text, value, std::chars_format::general, digits).ptr;
    return {text, end};
}

std::string systemReason(int error) { return std::strerror(error); }

class UniqueFd {
  public:
    explicit UniqueFd(int fd = -1) : m_fd(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) {
            reset();
            m_fd = std::exchange(other.m_fd, -1);
        }
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const { return m_fd; }
    void reset() {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = -1;
    }

  private:
    int m_fd;
};

// Appends `text` with one write() so that a reader or a kill sees all of it or none of it. A
// short write (a full disk) is cut back off, so the file never ends in half a line that the
// next append would run into.
Result<void> appendWhole(int fd, const fs::path& file, std::string_view text) {
    struct stat before {};
    const bool sized = ::fstat(fd, &before) == 0;
    ssize_t written = 0;
    do {
        written = ::write(fd, text.data(), text.size());
    } while (written < 0 && errno == EINTR);
    if (written == static_cast<ssize_t>(text.size())) return {};
    const std::string reason =
        written < 0 ? systemReason(errno) : "only part was written (is the disk full?)";
    if (written > 0 && sized) {
        [[maybe_unused]] const int ignored = ::ftruncate(fd, before.st_size);
    }
    return Error{"Cannot write " + file.string() + ": " + reason};
}

Result<UniqueFd> openForAppend(const fs::path& file) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return Error{"Cannot open " + file.string() + ": " + systemReason(errno)};
    return UniqueFd(fd);
}

Result<std::string> readWholeFile(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Error{"Cannot read " + file.string() + ": " + systemReason(errno)};
    std::string content{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) return Error{"Cannot read " + file.string()};
    return content;
}

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

// --- metrics.csv ---

// The 1-based epoch at the start of a row, or nothing for a row that does not start with one.
std::optional<std::int64_t> rowEpoch(std::string_view row) {
    std::int64_t epoch = 0;
    const auto [end, error] = std::from_chars(row.data(), row.data() + row.size(), epoch);
    if (error != std::errc() || end == row.data() + row.size() || *end != ',') return std::nullopt;
    return epoch;
}

std::string metricsRow(const EpochReport& report) {
    std::string row = std::to_string(report.epoch + 1);
    const auto cell = [&row](const std::string& text) {
        row += ',';
        row += text;
    };
    cell(shortest(report.trainLoss));
    cell(shortest(report.trainAccuracy));
    cell(report.hasValidation ? shortest(report.validationLoss) : "");
    cell(report.hasValidation ? shortest(report.validationAccuracy) : "");
    cell(report.hasValidation ? shortest(report.validationMacroF1) : "");
    cell(shortest(report.learningRate));
    cell(shortest(report.seconds));
    cell(shortest(report.imagesPerSecond));
    cell(report.improved ? "true" : "false");
    row += '\n';
    return row;
}

struct MetricsState {
    std::int64_t lastEpoch = 0;  // the highest epoch with a row, 1-based; 0: none
    // The file is missing, has another header, a row that is not one, or a truncated last
    // line: the next row rewrites it instead of appending.
    bool needsRewrite = false;
};

MetricsState scanMetrics(const std::string& content) {
    MetricsState state;
    if (content.empty() || content.back() != '\n') state.needsRewrite = true;
    std::size_t start = 0;
    bool header = true;
    while (start < content.size()) {
        const std::size_t end = content.find('\n', start);
        if (end == std::string::npos) break;  // the truncated tail, already noted
        const std::string_view line(content.data() + start, end - start);
        if (header) {
            if (line != RunFolder::kMetricsHeader) state.needsRewrite = true;
            header = false;
        } else if (const auto epoch = rowEpoch(line)) {
            state.lastEpoch = std::max(state.lastEpoch, *epoch);
        } else {
            state.needsRewrite = true;
        }
        start = end + 1;
    }
    return state;
}

// The header, the complete rows of epochs before `epoch` (1-based), and `row`.
std::string rewrittenMetrics(const std::string& content, std::int64_t epoch,
                             const std::string& row) {
    std::string result = std::string(RunFolder::kMetricsHeader) + "\n";
    std::size_t start = content.find('\n');  // after the old header
    start = start == std::string::npos ? content.size() : start + 1;
    while (start < content.size()) {
        const std::size_t end = content.find('\n', start);
        if (end == std::string::npos) break;
        const std::string_view line(content.data() + start, end - start + 1);
        if (const auto lineEpoch = rowEpoch(line); lineEpoch && *lineEpoch < epoch) {
            result += line;
        }
        start = end + 1;
    }
    result += row;
    return result;
}

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

// --- The recorder: the open files, shared by the RunFolder and its callbacks ---

class RunFolder::Recorder {
  public:
    Recorder(fs::path folder, UniqueFd log, TensorBoardWriter tensorBoard, MetricsState metrics)
        : m_folder(std::move(folder)),
          m_log(std::move(log)),
          m_tensorBoard(std::move(tensorBoard)),
          m_metrics(metrics) {}

    void batch(const BatchProgress& progress) {
        record([&]() -> Result<void> {
            if (auto added = m_tensorBoard.addScalar("batch/loss", progress.step, progress.loss);
                !added) {
                return added;
            }
            return m_tensorBoard.addScalar("batch/learning_rate", progress.step,
                                           progress.learningRate);
        });
    }

    void epoch(const EpochReport& report) {
        record([&]() -> Result<void> {
            // The CSV first: it is what people plot and compare runs by.
            if (auto appended = appendMetricsRow(report); !appended) return appended;
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
                                  " after " + std::to_string(summary.epochsCompleted) +
                                  " epochs, " + std::to_string(summary.steps) + " steps";
            if (!summary.message.empty()) message += " (" + summary.message + ")";
            recordLocked([&]() -> Result<void> {
                if (auto logged = appendLog(message); !logged) return logged;
                return m_tensorBoard.flush();
            });
        }
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

    Result<void> appendMetricsRow(const EpochReport& report) {
        const fs::path file = m_folder / kMetricsFile;
        const std::int64_t epoch = report.epoch + 1;
        const std::string row = metricsRow(report);
        if (!m_metrics.needsRewrite && epoch > m_metrics.lastEpoch) {
            // Opened per row: a rewrite replaces the file, and a kept descriptor would then
            // append to the replaced one.
            const UniqueFd metrics(::open(file.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
            if (metrics.get() >= 0) {
                if (auto appended = appendWhole(metrics.get(), file, row); !appended) {
                    return appended;
                }
                m_metrics.lastEpoch = epoch;
                return {};
            }
            if (errno != ENOENT)
                return Error{"Cannot open " + file.string() + ": " + systemReason(errno)};
            // Deleted under us: start it again below, header included.
        }
        // A resumed run reporting an epoch again (killed after the row, before the checkpoint)
        // or a damaged file: keep the earlier epochs' rows, replace the rest.
        std::string content;
        if (std::error_code error; fs::exists(file, error)) {
            auto read = readWholeFile(file);
            if (!read) return read.error();
            content = std::move(read).value();
        }
        if (auto written = files::writeFileAtomically(file, rewrittenMetrics(content, epoch, row));
            !written) {
            return written;
        }
        m_metrics = MetricsState{epoch, false};
        return {};
    }

    fs::path m_folder;
    UniqueFd m_log;  // log.txt, opened for appending
    TensorBoardWriter m_tensorBoard;
    MetricsState m_metrics;
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
        for (const char* name : {kConfigFile, kMetricsFile, kLogFile, kCheckpointFolder}) {
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
    if (auto written =
            files::writeFileAtomically(folder / kMetricsFile, std::string(kMetricsHeader) + "\n");
        !written) {
        return failed(written.error());
    }
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

    auto recorder = std::make_shared<Recorder>(folder, std::move(log).value(),
                                               std::move(*tensorBoard), MetricsState{});
    return RunFolder(folder, std::move(config), std::move(recorder));
}

Result<RunFolder> RunFolder::open(const fs::path& folder) {
    const fs::path configFile = folder / kConfigFile;
    std::error_code error;
    if (!fs::exists(configFile, error)) {
        return Error{folder.string() + " holds no training run to resume (no " + kConfigFile + ")"};
    }
    auto configText = readWholeFile(configFile);
    if (!configText) return configText.error();
    nlohmann::json config = nlohmann::json::parse(configText.value(), nullptr, false);
    if (config.is_discarded() || !config.is_object()) {
        return Error{configFile.string() + " is damaged: not a JSON object"};
    }
    if (fs::create_directories(folder / kCheckpointFolder, error); error) {
        return Error{"Cannot create " + (folder / kCheckpointFolder).string() + ": " +
                     error.message()};
    }

    const fs::path metricsFile = folder / kMetricsFile;
    MetricsState metrics{0, true};  // a missing file is written, header first, with the next row
    if (fs::exists(metricsFile, error)) {
        auto content = readWholeFile(metricsFile);
        if (!content) return content.error();
        metrics = scanMetrics(content.value());
    }

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
    auto recorder = std::make_shared<Recorder>(folder, std::move(log).value(),
                                               std::move(tensorBoard).value(), metrics);
    return RunFolder(folder, std::move(config), std::move(recorder));
}

RunFolder::RunFolder(fs::path folder, nlohmann::json config, std::shared_ptr<Recorder> recorder)
    : m_folder(std::move(folder)), m_config(std::move(config)), m_recorder(std::move(recorder)) {}

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
    return wrapped;
}

Result<void> RunFolder::writeSummary(const TrainingSummary& summary) {
    return m_recorder->summary(summary);
}

std::optional<Error> RunFolder::recordingError() const { return m_recorder->error(); }

}  // namespace fovea::core
