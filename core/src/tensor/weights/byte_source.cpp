#include "byte_source.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace fovea::core::weights_detail {

bool MemorySource::read(void* out, std::size_t count) {
    if (count > m_size - m_position) return false;
    if (count > 0) std::memcpy(out, m_data + m_position, count);
    m_position += count;
    return true;
}

bool MemorySource::skip(std::uint64_t count) {
    if (count > m_size - m_position) return false;
    m_position += static_cast<std::size_t>(count);
    return true;
}

Result<std::unique_ptr<FileSource>> FileSource::open(const std::filesystem::path& file) {
    std::error_code error;
    const auto status = std::filesystem::status(file, error);
    if (error) return fileError(file, "cannot open: " + error.message());
    if (std::filesystem::is_directory(status)) return fileError(file, "is a folder, not a file");
    std::FILE* handle = std::fopen(file.c_str(), "rb");
    if (!handle) return fileError(file, std::string("cannot open: ") + std::strerror(errno));
    struct stat info {};
    if (fstat(fileno(handle), &info) != 0 || !S_ISREG(info.st_mode)) {
        std::fclose(handle);
        return fileError(file, "not a regular file");
    }
    return std::unique_ptr<FileSource>(
        new FileSource(handle, static_cast<std::uint64_t>(info.st_size)));
}

bool FileSource::read(void* out, std::size_t count) {
    if (count > m_size - m_position) return false;
    if (count == 0) return true;
    if (std::fread(out, 1, count, m_file.get()) != count) {
        // The file shrank under us or the device failed; the position is no longer known.
        m_position = m_size;
        return false;
    }
    m_position += count;
    return true;
}

bool FileSource::skip(std::uint64_t count) {
    if (count > m_size - m_position) return false;
    return seek(m_position + count);
}

bool FileSource::seek(std::uint64_t offset) {
    if (offset > m_size) return false;
    if (fseeko(m_file.get(), static_cast<off_t>(offset), SEEK_SET) != 0) return false;
    m_position = offset;
    return true;
}

std::size_t FileSource::readAt(std::uint64_t offset, void* out, std::size_t count) const {
    if (offset >= m_size) return 0;
    count = static_cast<std::size_t>(std::min<std::uint64_t>(count, m_size - offset));
    std::size_t done = 0;
    while (done < count) {
        const ssize_t got = ::pread(fileno(m_file.get()), static_cast<char*>(out) + done,
                                    count - done, static_cast<off_t>(offset + done));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        done += static_cast<std::size_t>(got);
    }
    return done;
}

Error fileError(const std::filesystem::path& file, const std::string& problem) {
    return Error{file.string() + ": " + problem};
}

Result<std::string> readPrefix(const std::filesystem::path& file, std::size_t count) {
    auto source = FileSource::open(file);
    if (!source) return source.error();
    auto& reader = *source.value();
    std::string bytes(static_cast<std::size_t>(std::min<std::uint64_t>(count, reader.size())),
                      '\0');
    if (!reader.read(bytes.data(), bytes.size())) return fileError(file, "read failed");
    return bytes;
}

std::string printable(const std::string& bytes, std::size_t limit) {
    static const char* const kHex = "0123456789abcdef";
    std::string text;
    for (const char c : bytes) {
        if (text.size() >= limit) {
            text += "...";
            break;
        }
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f) {
            text += c;
        } else {
            text += "\\x";
            text += kHex[byte >> 4];
            text += kHex[byte & 0xf];
        }
    }
    return text;
}

}  // namespace fovea::core::weights_detail
