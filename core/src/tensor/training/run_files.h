#pragma once

// Low-level helpers for writing a run folder's files: file descriptors, appends that land whole
// or not at all, UTC timestamps and numbers as text. Internal to fovea_training.

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

#include "fovea/core/result.h"

namespace fovea::core::run_detail {

// Now, as ISO 8601 UTC: "2024-05-01T12:00:00Z".
std::string utcTimestamp();

// std::to_chars, not printf or streams: independent of the locale (a GUI sets LC_NUMERIC to the
// user's, which would put decimal commas into a CSV file).
std::string shortest(double value);
std::string fixed(double value, int digits);
std::string significant(double value, int digits);

// strerror(error).
std::string systemReason(int error);

// Owns a POSIX file descriptor; -1 is none.
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
    void reset();

  private:
    int m_fd;
};

// Appends `text` with one write() so that a reader or a kill sees all of it or none of it. A
// short write (a full disk) is cut back off, so the file never ends in half a line that the
// next append would run into. `file` names the file in the error.
Result<void> appendWhole(int fd, const std::filesystem::path& file, std::string_view text);

// Opens `file` for appending, creating it when missing.
Result<UniqueFd> openForAppend(const std::filesystem::path& file);

}  // namespace fovea::core::run_detail
