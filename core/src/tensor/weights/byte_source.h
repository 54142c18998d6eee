#pragma once

// Bounded readers over a file or a memory block. Every length a weight file declares is checked
// against remaining() before anything is allocated for it, so a corrupt or hostile file can make
// the reader fail but never allocate more than the file holds or read out of bounds.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "fovea/core/result.h"

namespace fovea::core::weights_detail {

class ByteSource {
  public:
    virtual ~ByteSource() = default;

    // Bytes between the read position and the end of the input.
    virtual std::uint64_t remaining() const = 0;
    // Read position from the start of the input (for error messages).
    virtual std::uint64_t position() const = 0;
    // Copies exactly `count` bytes to `out` and advances; false (nothing promised about `out`)
    // when fewer than `count` bytes are left or the read fails.
    virtual bool read(void* out, std::size_t count) = 0;
    // Advances by `count` bytes; false when fewer are left.
    virtual bool skip(std::uint64_t count) = 0;
};

class MemorySource final : public ByteSource {
  public:
    MemorySource(const void* data, std::size_t size)
        : m_data(static_cast<const unsigned char*>(data)), m_size(size) {}

    std::uint64_t remaining() const override { return m_size - m_position; }
    std::uint64_t position() const override { return m_position; }
    bool read(void* out, std::size_t count) override;
    bool skip(std::uint64_t count) override;

  private:
    const unsigned char* m_data;
    std::size_t m_size;
    std::size_t m_position = 0;
};

// A read-only file whose size is taken once at open; stdio buffers the small pickle reads.
class FileSource final : public ByteSource {
  public:
    // Opens `file` for reading; the error message names the file and the reason.
    static Result<std::unique_ptr<FileSource>> open(const std::filesystem::path& file);

    std::uint64_t size() const { return m_size; }
    std::uint64_t remaining() const override { return m_size - m_position; }
    std::uint64_t position() const override { return m_position; }
    bool read(void* out, std::size_t count) override;
    bool skip(std::uint64_t count) override;
    // Moves the read position to `offset` (at most size()).
    bool seek(std::uint64_t offset);
    // Reads up to `count` bytes at `offset` without moving the read position (pread); returns
    // the number read, short only at the end of the file or on a read error.
    std::size_t readAt(std::uint64_t offset, void* out, std::size_t count) const;

  private:
    struct Closer {
        void operator()(std::FILE* file) const { std::fclose(file); }
    };

    FileSource(std::FILE* file, std::uint64_t size) : m_file(file), m_size(size) {}

    std::unique_ptr<std::FILE, Closer> m_file;
    std::uint64_t m_size;
    std::uint64_t m_position = 0;
};

// "<file>: <problem>", the form every weight-file error takes.
Error fileError(const std::filesystem::path& file, const std::string& problem);

// Reads up to `count` leading bytes of `file` (fewer when it is shorter).
Result<std::string> readPrefix(const std::filesystem::path& file, std::size_t count);

// Printable form of bytes that come from a file (names, keys): control and non-ASCII bytes as
// \xNN, cut at `limit` characters, so a hostile name cannot garble a message.
std::string printable(const std::string& bytes, std::size_t limit = 120);

}  // namespace fovea::core::weights_detail
