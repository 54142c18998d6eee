#include "run_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <ctime>
#include <system_error>

namespace fovea::core::run_detail {

std::string utcTimestamp() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    ::gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

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

void UniqueFd::reset() {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
}

Result<void> appendWhole(int fd, const std::filesystem::path& file, std::string_view text) {
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

Result<UniqueFd> openForAppend(const std::filesystem::path& file) {
    const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return Error{"Cannot open " + file.string() + ": " + systemReason(errno)};
    return UniqueFd(fd);
}

}  // namespace fovea::core::run_detail
