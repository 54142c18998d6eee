#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "fovea/core/result.h"

namespace fovea::core {

// Writes a training run's curves (losses, accuracies, learning rate...) as a TensorBoard event
// file, so `tensorboard --logdir <runs folder>` shows them without Fovea.
//
// The file is a sequence of TFRecords (length, masked CRC-32C of the length, a serialised
// tensorflow.Event, masked CRC-32C of the event). The first record holds the file version
// "brain.Event:2"; each later one a single scalar or text summary. The name follows TensorFlow
// and PyTorch's SummaryWriter, events.out.tfevents.<unix seconds>.<host>.<pid>.<counter>;
// TensorBoard picks up any file whose name contains "tfevents".
//
// Writes are buffered in memory as whole records and handed to the OS by flush() (call it once
// per epoch), by the destructor, and whenever 64 KiB are pending. A process killed mid-run
// therefore loses at most what was pending and leaves, at worst, one truncated last record:
// TensorBoard's reader treats an incomplete record at the end of a file as not yet written and
// shows everything before it.
//
// Not thread-safe: one writer per run, used from the training thread. Move-only; it owns the
// open file. After a failed write every later call returns the same error, so one full disk
// does not leave a half record followed by good ones.
class TensorBoardWriter {
  public:
    // Creates `folder` (and its parents) when needed and a new, uniquely named event file in it,
    // starting with the file-version record. The error names the folder and the reason.
    static Result<TensorBoardWriter> create(const std::filesystem::path& folder);

    TensorBoardWriter(TensorBoardWriter&& other) noexcept = default;
    // Flushes (errors ignored) and closes this writer's file before taking over `other`'s.
    TensorBoardWriter& operator=(TensorBoardWriter&& other) noexcept;
    TensorBoardWriter(const TensorBoardWriter&) = delete;
    TensorBoardWriter& operator=(const TensorBoardWriter&) = delete;
    // Flushes what is pending (errors ignored: call flush() first to see them) and closes.
    ~TensorBoardWriter();

    // One point of the curve `tag` ("loss/train": TensorBoard groups curves by the part before
    // the first slash). `value` is stored as float32, like TensorBoard's simple_value; NaN and
    // infinities are kept. `step` is the x axis (batch or epoch index, any int64).
    // `wallTimeSeconds` is seconds since the Unix epoch, now when not given. The tag must be
    // non-empty UTF-8 (protobuf strings are).
    Result<void> addScalar(const std::string& tag, std::int64_t step, double value,
                           std::optional<double> wallTimeSeconds = {});
    // A text note for TensorBoard's Text tab (run settings, class names...). `text` is shown as
    // Markdown and should be UTF-8.
    Result<void> addText(const std::string& tag, std::int64_t step, const std::string& text,
                         std::optional<double> wallTimeSeconds = {});

    // Hands everything pending to the OS (fflush; no fsync: a crash of the process, not of the
    // machine, is what this guards against).
    Result<void> flush();

    // The event file, inside the folder given to create().
    const std::filesystem::path& path() const { return m_path; }

  private:
    struct FileCloser {
        void operator()(std::FILE* file) const { std::fclose(file); }
    };
    using FileHandle = std::unique_ptr<std::FILE, FileCloser>;

    TensorBoardWriter(std::filesystem::path path, FileHandle file);

    Result<void> addSummaryValue(const std::string& tag, std::int64_t step,
                                 const std::string& encodedValue,
                                 std::optional<double> wallTimeSeconds);
    Result<void> appendRecord(const std::string& event);
    Result<void> writePending();

    std::filesystem::path m_path;
    FileHandle m_file;
    std::string m_pending;     // whole framed records not yet given to the OS
    std::string m_writeError;  // set by the first failed write; sticky
};

}  // namespace fovea::core
