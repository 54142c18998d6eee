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

namespace {

// A new private file beside `file`, to be renamed over it once complete.
struct Temporary {
    fs::path folder;
    std::string path;
    int fd = -1;
};

Result<Temporary> createTemporary(const fs::path& file) {
    Temporary temporary;
    temporary.folder = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    temporary.path = (temporary.folder / ("." + file.filename().string() + ".tmp-XXXXXX")).string();
    temporary.fd = ::mkstemp(temporary.path.data());
    if (temporary.fd < 0) {
        return Error{"Cannot write " + file.string() + ": " + std::strerror(errno)};
    }
    return temporary;
}

Result<void> discard(const Temporary& temporary, const fs::path& file, const std::string& what,
                     const std::string& reason) {
    ::close(temporary.fd);
    ::unlink(temporary.path.c_str());
    return Error{"Cannot write " + file.string() + (what.empty() ? "" : " (" + what + ")") + ": " +
                 reason};
}

// Syncs the complete temporary file and renames it over `file`.
Result<void> commit(const Temporary& temporary, const fs::path& file) {
    // mkstemp makes the file private (0600); a replaced file keeps its mode, a new one gets
    // the usual 0644.
    struct stat existing {};
    const mode_t mode = ::stat(file.c_str(), &existing) == 0 ? (existing.st_mode & 07777) : 0644;
    if (::fchmod(temporary.fd, mode) != 0) {
        return discard(temporary, file, "permissions", std::strerror(errno));
    }
    // Without the sync, a crash after the rename can leave an empty file under the final name.
    if (::fsync(temporary.fd) != 0) return discard(temporary, file, "sync", std::strerror(errno));
    if (::close(temporary.fd) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(temporary.path.c_str());
        return Error{"Cannot write " + file.string() + ": " + reason};
    }
    if (::rename(temporary.path.c_str(), file.c_str()) != 0) {
        const std::string reason = std::strerror(errno);
        ::unlink(temporary.path.c_str());
        return Error{"Cannot write " + file.string() + " (rename): " + reason};
    }
    // Make the rename itself durable; failing here loses nothing already written.
    if (const int dir = ::open(temporary.folder.c_str(), O_RDONLY | O_DIRECTORY); dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return {};
}

}  // namespace

Result<void> writeFileAtomically(const fs::path& file, std::string_view content) {
    auto temporary = createTemporary(file);
    if (!temporary) return temporary.error();
    const char* data = content.data();
    std::size_t left = content.size();
    while (left > 0) {
        const ssize_t written = ::write(temporary.value().fd, data, left);
        if (written < 0) {
            if (errno == EINTR) continue;
            return discard(temporary.value(), file, "write", std::strerror(errno));
        }
        data += written;
        left -= static_cast<std::size_t>(written);
    }
    return commit(temporary.value(), file);
}

Result<void> writeFileAtomically(const fs::path& file,
                                 const std::function<Result<void>(const fs::path&)>& write) {
    auto temporary = createTemporary(file);
    if (!temporary) return temporary.error();
    Result<void> written = Error{"not written"};
    try {
        written = write(temporary.value().path);
    } catch (...) {
        (void)discard(temporary.value(), file, "", "interrupted");
        throw;
    }
    if (!written) return discard(temporary.value(), file, "", written.error().message);
    return commit(temporary.value(), file);
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
