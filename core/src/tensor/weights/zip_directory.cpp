#include "zip_directory.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace fovea::core::weights_detail {
namespace {

constexpr std::uint32_t kEndOfDirectory = 0x06054b50;
constexpr std::uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr std::uint32_t kZip64Locator = 0x07064b50;
constexpr std::uint32_t kDirectoryEntry = 0x02014b50;
constexpr std::size_t kEndOfDirectorySize = 22;
constexpr std::size_t kZip64LocatorSize = 20;
constexpr std::size_t kZip64EndOfDirectorySize = 56;
constexpr std::size_t kDirectoryEntrySize = 46;
constexpr std::size_t kMaxCommentSize = 0xffff;
constexpr std::uint16_t kZip64ExtraId = 0x0001;

std::uint64_t littleEndian(const unsigned char* bytes, std::size_t size) {
    std::uint64_t value = 0;
    for (std::size_t i = size; i-- > 0;) value = (value << 8) | bytes[i];
    return value;
}

bool readAt(FileSource& file, std::uint64_t offset, void* out, std::size_t count) {
    return file.seek(offset) && file.read(out, count);
}

// Where the central directory lies and how many entries it declares.
struct DirectoryLocation {
    std::uint64_t entries = 0;
    std::uint64_t size = 0;
    std::uint64_t offset = 0;
};

// A directory entry's sizes and local header offset, as the file declares them.
struct EntryExtent {
    std::uint64_t compressed = 0;
    std::uint64_t uncompressed = 0;
    std::uint64_t localOffset = 0;
};

// The zip64 end record, found through the locator just before the classic end record at
// `endOffset`.
Result<DirectoryLocation> readZip64Location(FileSource& file, std::uint64_t endOffset) {
    unsigned char locator[kZip64LocatorSize];
    unsigned char end64[kZip64EndOfDirectorySize];
    if (endOffset < kZip64LocatorSize ||
        !readAt(file, endOffset - kZip64LocatorSize, locator, sizeof locator) ||
        littleEndian(locator, 4) != kZip64Locator) {
        return Error{"zip64 directory locator missing"};
    }
    const std::uint64_t end64Offset = littleEndian(locator + 8, 8);
    if (end64Offset > file.size() - kZip64EndOfDirectorySize ||
        !readAt(file, end64Offset, end64, sizeof end64) ||
        littleEndian(end64, 4) != kZip64EndOfDirectory) {
        return Error{"zip64 directory record missing"};
    }
    return DirectoryLocation{littleEndian(end64 + 32, 8), littleEndian(end64 + 40, 8),
                             littleEndian(end64 + 48, 8)};
}

Result<DirectoryLocation> locateDirectory(FileSource& file) {
    const std::uint64_t fileSize = file.size();
    if (fileSize < kEndOfDirectorySize) return Error{"zip archive too short (truncated file?)"};

    // The end record sits in the last 22 bytes plus at most a 64 KiB comment.
    const std::uint64_t tailSize =
        std::min<std::uint64_t>(fileSize, kEndOfDirectorySize + kMaxCommentSize);
    std::vector<unsigned char> tail(static_cast<std::size_t>(tailSize));
    if (!readAt(file, fileSize - tailSize, tail.data(), tail.size())) {
        return Error{"cannot read the zip directory"};
    }
    std::size_t end = tail.size();
    bool found = false;
    for (std::size_t i = tail.size() - kEndOfDirectorySize + 1; i-- > 0;) {
        if (littleEndian(&tail[i], 4) == kEndOfDirectory) {
            end = i;
            found = true;
            break;
        }
    }
    if (!found) return Error{"no zip directory at the end of the file (truncated file?)"};
    const unsigned char* record = &tail[end];
    const DirectoryLocation location{littleEndian(record + 10, 2), littleEndian(record + 12, 4),
                                     littleEndian(record + 16, 4)};
    if (location.entries == 0xffff || location.size == 0xffffffff ||
        location.offset == 0xffffffff) {
        return readZip64Location(file, fileSize - tailSize + end);
    }
    return location;
}

// Zip64 extra field: the 8-byte values replace, in this order, those marked 0xffffffff.
Result<void> applyZip64Extra(const unsigned char* extra, std::size_t extraLength,
                             const std::string& name, EntryExtent& extent) {
    for (std::size_t at = 0; at + 4 <= extraLength;) {
        const std::uint64_t id = littleEndian(extra + at, 2);
        const std::size_t size = littleEndian(extra + at + 2, 2);
        if (at + 4 + size > extraLength) break;
        if (id == kZip64ExtraId) {
            std::size_t field = at + 4;
            for (std::uint64_t* value :
                 {&extent.uncompressed, &extent.compressed, &extent.localOffset}) {
                if (*value != 0xffffffff) continue;
                if (field + 8 > at + 4 + size) {
                    return Error{"corrupt zip64 sizes for '" + printable(name) + "'"};
                }
                *value = littleEndian(extra + field, 8);
                field += 8;
            }
        }
        at += 4 + size;
    }
    return {};
}

// Checks every entry of the central directory `directory` against the file's size.
Result<void> checkEntries(const std::vector<unsigned char>& directory, std::uint64_t entries,
                          std::uint64_t fileSize) {
    std::size_t position = 0;
    // Entries may point at the same bytes (Fifield's "non-recursive zip bomb", 2019): each fits
    // the file, yet together they inflate to far more. Stored records never overlap, so their
    // sizes add up to at most the file.
    std::uint64_t declaredTotal = 0;
    for (std::uint64_t index = 0; index < entries; ++index) {
        if (directory.size() - position < kDirectoryEntrySize ||
            littleEndian(&directory[position], 4) != kDirectoryEntry) {
            return Error{"corrupt zip directory entry " + std::to_string(index)};
        }
        const unsigned char* entry = &directory[position];
        EntryExtent extent{littleEndian(entry + 20, 4), littleEndian(entry + 24, 4),
                           littleEndian(entry + 42, 4)};
        const std::size_t nameLength = littleEndian(entry + 28, 2);
        const std::size_t extraLength = littleEndian(entry + 30, 2);
        const std::size_t commentLength = littleEndian(entry + 32, 2);
        const std::size_t entrySize =
            kDirectoryEntrySize + nameLength + extraLength + commentLength;
        if (directory.size() - position < entrySize) {
            return Error{"corrupt zip directory entry " + std::to_string(index)};
        }
        const std::string name(reinterpret_cast<const char*>(entry + kDirectoryEntrySize),
                               nameLength);
        const unsigned char* extra = entry + kDirectoryEntrySize + nameLength;
        if (auto applied = applyZip64Extra(extra, extraLength, name, extent); !applied) {
            return applied;
        }
        if (extent.uncompressed > fileSize || extent.compressed > fileSize ||
            extent.localOffset >= fileSize) {
            return Error{"zip entry '" + printable(name) + "' declares " +
                         std::to_string(extent.uncompressed) + " bytes, more than the file holds"};
        }
        declaredTotal += extent.uncompressed;  // cannot wrap: each term is at most the file size
        if (declaredTotal > fileSize) {
            return Error{"zip entries declare " + std::to_string(declaredTotal) +
                         " bytes in all, more than the file's " + std::to_string(fileSize) +
                         " (entries sharing their data?)"};
        }
        position += entrySize;
    }
    return {};
}

}  // namespace

Result<void> checkZipDirectory(FileSource& file) {
    const std::uint64_t fileSize = file.size();
    const auto location = locateDirectory(file);
    if (!location) return location.error();
    const DirectoryLocation& directory = location.value();
    if (directory.offset > fileSize || directory.size > fileSize - directory.offset) {
        return Error{"zip directory lies outside the file (truncated file?)"};
    }
    if (directory.entries > directory.size / kDirectoryEntrySize) {
        return Error{"zip directory declares more entries than it can hold"};
    }
    std::vector<unsigned char> bytes(static_cast<std::size_t>(directory.size));
    if (!readAt(file, directory.offset, bytes.data(), bytes.size())) {
        return Error{"cannot read the zip directory"};
    }
    return checkEntries(bytes, directory.entries, fileSize);
}

}  // namespace fovea::core::weights_detail
