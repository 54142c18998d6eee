#include "fovea/core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

namespace fovea::core::files {
namespace fs = std::filesystem;

Result<void> writeFileAtomically(const fs::path& file, std::string_view content) {
    const fs::path folder = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    std::string temporary = (folder / ("." + file.filename().string() + ".tmp-XXXXXX")).string();
    const int fd = ::mkstemp(temporary.data());
    if (fd < 0) {
        return Error{"Cannot write " + file.string() + ": " + std::strerror(errno)};
    }
    auto fail = [&](const char* what) -> Result<void> {
        const std::string reason = std::strerror(errno);
        ::close(fd);
        ::unlink(temporary.c_str());
        return Error{"Cannot write " + file.string() + " (" + what + "): " + reason};
    };
    // mkstemp makes the file private (0600); a replaced file keeps its mode, a new one gets
    // the usual 0644.
    struct stat existing {};
    const mode_t mode = ::stat(file.c_str(), &existing) == 0 ? (existing.st_mode & 07777) : 0644;
    if (::fchmod(fd, mode) != 0) return fail("permissions");
    const char* data = content.data();
    std::size_t left = content.size();
    while (left > 0) {
        const ssize_t written = ::write(fd, data, left);
        if (written < 0) {
            if (errno == EINTR) continue;
            return fail("write");
        }
        data += written;
        left -= static_cast<std::size_t>(written);
    }
    // Without the sync, a crash after the rename can leave an empty file under the final name.
    if (::fsync(fd) != 0) return fail("sync");
    if (::close(fd) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(temporary.c_str());
        return Error{"Cannot write " + file.string() + ": " + reason};
    }
    if (::rename(temporary.c_str(), file.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(temporary.c_str());
        return Error{"Cannot write " + file.string() + " (rename): " + reason};
    }
    // Make the rename itself durable; failing here loses nothing already written.
    if (const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY); dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return {};
}

Result<std::string> readWholeFile(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return Error{"Cannot read " + file.string() + ": " + std::strerror(errno), ErrorKind::Io};
    }
    std::string content{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) return Error{"Cannot read " + file.string() + ": read error", ErrorKind::Io};
    return content;
}

}  // namespace fovea::core::files
