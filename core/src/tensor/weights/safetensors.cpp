#include "fovea/core/weights/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <c10/util/Exception.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "byte_source.h"

// Tensor bytes are written and read as they lie in memory; safetensors is little endian.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors I/O assumes little endian");

namespace fovea::core {
namespace {

using weights_detail::fileError;
using weights_detail::FileSource;
using weights_detail::printable;

// The reference implementation's limit; a real header is a few hundred bytes per tensor.
constexpr std::uint64_t kMaxHeaderSize = 100'000'000;
constexpr const char* kMetadataKey = "__metadata__";
// A valid header nests three levels (object, entry, shape); metadata values are strings. Deeper
// nesting only serves to make the JSON parser build a value per bracket: 100 MB of "[" would
// become gigabytes of nested arrays. (serde_json, which the reference reader uses, stops at 128.)
constexpr int kMaxHeaderDepth = 64;

// The deepest nesting of arrays and objects in `text`, counting brackets outside strings.
int jsonDepth(const std::string& text) {
    int depth = 0;
    int deepest = 0;
    bool inString = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\') {
                ++i;  // the escaped character, a quote included
            } else if (c == '"') {
                inString = false;
            }
        } else if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
            if (deepest > kMaxHeaderDepth) break;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return deepest;
}

struct DtypeName {
    const char* name;
    c10::ScalarType dtype;
};

constexpr DtypeName kDtypes[] = {
    {"F32", c10::ScalarType::Float}, {"F64", c10::ScalarType::Double},
    {"F16", c10::ScalarType::Half},  {"BF16", c10::ScalarType::BFloat16},
    {"I64", c10::ScalarType::Long},  {"I32", c10::ScalarType::Int},
    {"I16", c10::ScalarType::Short}, {"I8", c10::ScalarType::Char},
    {"U8", c10::ScalarType::Byte},   {"BOOL", c10::ScalarType::Bool},
};

std::optional<c10::ScalarType> dtypeFromName(const std::string& name) {
    for (const auto& entry : kDtypes) {
        if (name == entry.name) return entry.dtype;
    }
    return std::nullopt;
}

const char* nameOfDtype(c10::ScalarType dtype) {
    for (const auto& entry : kDtypes) {
        if (dtype == entry.dtype) return entry.name;
    }
    return nullptr;
}

struct Entry {
    std::string name;
    c10::ScalarType dtype;
    std::vector<std::int64_t> shape;
    std::uint64_t begin;
    std::uint64_t end;
};

// One header entry: {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, checked
// against the buffer size with overflow-safe arithmetic because every number is the file's.
Result<Entry> parseEntry(const std::string& name, const nlohmann::json& value,
                         std::uint64_t bufferSize) {
    const std::string where = "tensor '" + printable(name) + "': ";
    if (!value.is_object()) return Error{where + "header entry is not an object"};
    const auto dtype = value.find("dtype");
    const auto shape = value.find("shape");
    const auto offsets = value.find("data_offsets");
    if (dtype == value.end() || !dtype->is_string()) return Error{where + "no dtype string"};
    if (shape == value.end() || !shape->is_array()) return Error{where + "no shape array"};
    if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2 ||
        !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned()) {
        return Error{where + "data_offsets is not a pair of non-negative integers"};
    }
    Entry entry;
    entry.name = name;
    const auto known = dtypeFromName(dtype->get<std::string>());
    if (!known) {
        return Error{where + "unsupported dtype '" + printable(dtype->get<std::string>()) + "'"};
    }
    entry.dtype = *known;
    std::uint64_t bytes = c10::elementSize(entry.dtype);
    for (const auto& dim : *shape) {
        if (!dim.is_number_unsigned())
            return Error{where + "shape holds a non-integer or negative"};
        const auto size = dim.get<std::uint64_t>();
        if (size > static_cast<std::uint64_t>(INT64_MAX) ||
            __builtin_mul_overflow(bytes, size, &bytes)) {
            return Error{where + "shape too large"};
        }
        entry.shape.push_back(static_cast<std::int64_t>(size));
    }
    entry.begin = (*offsets)[0].get<std::uint64_t>();
    entry.end = (*offsets)[1].get<std::uint64_t>();
    if (entry.begin > entry.end || entry.end > bufferSize) {
        return Error{where + "data_offsets [" + std::to_string(entry.begin) + ", " +
                     std::to_string(entry.end) + ") outside the " + std::to_string(bufferSize) +
                     "-byte buffer"};
    }
    if (entry.end - entry.begin != bytes) {
        return Error{where + "data_offsets span " + std::to_string(entry.end - entry.begin) +
                     " bytes but its shape and dtype need " + std::to_string(bytes)};
    }
    return entry;
}

// The JSON text after the 8-byte little-endian header size, which must fit the file.
Result<std::string> readHeaderText(const std::filesystem::path& file, FileSource& source) {
    unsigned char sizeBytes[8];
    if (!source.read(sizeBytes, sizeof sizeBytes)) {
        return fileError(file, "too short for a safetensors file");
    }
    std::uint64_t headerSize = 0;
    for (std::size_t i = 8; i-- > 0;) headerSize = (headerSize << 8) | sizeBytes[i];
    if (headerSize > source.remaining()) {
        return fileError(file, "safetensors header size " + std::to_string(headerSize) +
                                   " exceeds the file (" + std::to_string(source.size()) +
                                   " bytes; truncated file?)");
    }
    if (headerSize > kMaxHeaderSize) {
        return fileError(file, "safetensors header size " + std::to_string(headerSize) +
                                   " exceeds the 100 MB limit");
    }
    std::string headerText(static_cast<std::size_t>(headerSize), '\0');
    if (!source.read(headerText.data(), headerText.size())) {
        return fileError(file, "cannot read the safetensors header");
    }
    return headerText;
}

Result<nlohmann::json> parseHeader(const std::filesystem::path& file,
                                   const std::string& headerText) {
    if (jsonDepth(headerText) > kMaxHeaderDepth) {
        return fileError(file, "safetensors header is nested deeper than " +
                                   std::to_string(kMaxHeaderDepth) + " levels");
    }
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(headerText);
    } catch (const nlohmann::json::exception& error) {
        return fileError(file,
                         std::string("safetensors header is not valid JSON: ") + error.what());
    }
    if (!header.is_object()) return fileError(file, "safetensors header is not a JSON object");
    return header;
}

// Splits the header object into the metadata strings (into `metadata`) and the tensor entries.
Result<std::vector<Entry>> headerEntries(const std::filesystem::path& file,
                                         const nlohmann::json& header, std::uint64_t bufferSize,
                                         std::map<std::string, std::string>& metadata) {
    std::vector<Entry> entries;
    for (const auto& [name, value] : header.items()) {
        if (name == kMetadataKey) {
            if (!value.is_object()) return fileError(file, "__metadata__ is not an object");
            for (const auto& [key, text] : value.items()) {
                if (!text.is_string()) {
                    return fileError(file,
                                     "__metadata__ entry '" + printable(key) + "' is not a string");
                }
                metadata.emplace(key, text.get<std::string>());
            }
            continue;
        }
        auto entry = parseEntry(name, value, bufferSize);
        if (!entry) return fileError(file, entry.error().message);
        entries.push_back(std::move(entry.value()));
    }
    return entries;
}

// Sorts `entries` by their byte ranges and checks that the ranges tile the buffer: an overlap
// would alias two tensors, and a gap or tail is bytes the header does not account for.
Result<void> sortAndCheckTiling(const std::filesystem::path& file, std::vector<Entry>& entries,
                                std::uint64_t bufferSize) {
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    std::uint64_t expected = 0;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const Entry& entry = entries[i];
        if (entry.begin < expected) {
            return fileError(file, "tensor '" + printable(entry.name) +
                                       "' overlaps the bytes of tensor '" +
                                       printable(entries[i - 1].name) + "'");
        }
        if (entry.begin > expected) {
            return fileError(file, "bytes " + std::to_string(expected) + " to " +
                                       std::to_string(entry.begin) +
                                       " of the buffer belong to no tensor");
        }
        expected = entry.end;
    }
    if (expected != bufferSize) {
        return fileError(file, std::to_string(bufferSize - expected) +
                                   " bytes after the last tensor belong to no tensor");
    }
    return {};
}

Result<void> readTensors(const std::filesystem::path& file, FileSource& source,
                         std::uint64_t dataStart, const std::vector<Entry>& entries,
                         StateDict& tensors) {
    for (const Entry& entry : entries) {
        torch::Tensor tensor = torch::empty(entry.shape, torch::TensorOptions().dtype(entry.dtype));
        const std::uint64_t bytes = entry.end - entry.begin;
        if (bytes > 0 && (!source.seek(dataStart + entry.begin) ||
                          !source.read(tensor.data_ptr(), static_cast<std::size_t>(bytes)))) {
            return fileError(file, "cannot read tensor '" + printable(entry.name) + "'");
        }
        // A bool byte other than 0 or 1 is not a valid C++ bool.
        if (entry.dtype == c10::ScalarType::Bool) tensor.view(torch::kUInt8).clamp_max_(1);
        tensors.insert(entry.name, std::move(tensor));
    }
    return {};
}

Result<SafetensorsFile> readFile(const std::filesystem::path& file) {
    auto opened = FileSource::open(file);
    if (!opened) return opened.error();
    FileSource& source = *opened.value();
    const auto headerText = readHeaderText(file, source);
    if (!headerText) return headerText.error();
    const std::uint64_t dataStart = 8 + headerText.value().size();
    const std::uint64_t bufferSize = source.size() - dataStart;
    const auto header = parseHeader(file, headerText.value());
    if (!header) return header.error();

    SafetensorsFile result;
    auto entries = headerEntries(file, header.value(), bufferSize, result.metadata);
    if (!entries) return entries.error();
    if (auto tiled = sortAndCheckTiling(file, entries.value(), bufferSize); !tiled) {
        return tiled.error();
    }
    if (auto read = readTensors(file, source, dataStart, entries.value(), result.tensors); !read) {
        return read.error();
    }
    return result;
}

// --- Writing ---

std::string systemError(const std::string& what) { return what + ": " + std::strerror(errno); }

bool writeAll(int fd, const void* data, std::size_t size) {
    const char* bytes = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t written = ::write(fd, bytes, size);
        if (written < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        bytes += written;
        size -= static_cast<std::size_t>(written);
    }
    return true;
}

// Removes the temporary file unless it was renamed into place.
class TemporaryFile {
  public:
    ~TemporaryFile() {
        if (m_fd >= 0) ::close(m_fd);
        if (!m_path.empty()) ::unlink(m_path.c_str());
    }

    // Creates a new file next to `target`; the name is unique per process and attempt, and
    // O_EXCL keeps it from ever opening someone else's file.
    std::optional<std::string> create(const std::filesystem::path& target) {
        static std::atomic<unsigned> counter{0};
        const std::filesystem::path folder =
            target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
        for (int attempt = 0; attempt < 100; ++attempt) {
            const std::filesystem::path candidate =
                folder / ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid()) +
                          "-" + std::to_string(counter++));
            m_fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
            if (m_fd >= 0) {
                m_path = candidate.string();
                return std::nullopt;
            }
            if (errno != EEXIST) {
                return systemError("cannot create a temporary file in " + folder.string());
            }
        }
        return "cannot create a temporary file in " + folder.string();
    }

    int fd() const { return m_fd; }

    std::optional<std::string> commit(const std::filesystem::path& target) {
        if (::fsync(m_fd) != 0) return systemError("cannot flush to disk");
        const int fd = m_fd;
        m_fd = -1;
        if (::close(fd) != 0) return systemError("cannot close the temporary file");
        if (::rename(m_path.c_str(), target.c_str()) != 0) {
            return systemError("cannot replace the file");
        }
        m_path.clear();
        // Make the rename itself durable; the data is already in place, so a folder that
        // cannot be synced is not an error.
        const std::filesystem::path folder =
            target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
        const int folderFd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (folderFd >= 0) {
            ::fsync(folderFd);
            ::close(folderFd);
        }
        return std::nullopt;
    }

  private:
    int m_fd = -1;
    std::string m_path;
};

Result<void> writeFile(const std::filesystem::path& file, const StateDict& tensors,
                       const std::map<std::string, std::string>& metadata) {
    std::vector<std::pair<std::string, torch::Tensor>> sorted;
    for (const auto& item : tensors) {
        if (item.key() == kMetadataKey) {
            return fileError(file, "a tensor may not be named __metadata__");
        }
        if (!item.value().defined()) {
            return fileError(file, "tensor '" + printable(item.key()) + "' is undefined");
        }
        if (!nameOfDtype(item.value().scalar_type())) {
            return fileError(file, "tensor '" + printable(item.key()) + "' has dtype " +
                                       c10::toString(item.value().scalar_type()) +
                                       ", which safetensors files from Fovea do not hold");
        }
        sorted.emplace_back(item.key(), item.value().to(torch::kCPU).contiguous());
    }
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });

    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) header[kMetadataKey] = metadata;
    std::uint64_t offset = 0;
    for (const auto& [name, tensor] : sorted) {
        const auto bytes = static_cast<std::uint64_t>(tensor.nbytes());
        header[name] = {{"dtype", nameOfDtype(tensor.scalar_type())},
                        {"shape", tensor.sizes().vec()},
                        {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string headerText;
    try {
        headerText = header.dump();
    } catch (const nlohmann::json::exception&) {
        return fileError(file, "tensor names and metadata must be valid UTF-8");
    }
    // Padding to 8 bytes keeps the buffer aligned for readers that map the file.
    headerText.append((8 - headerText.size() % 8) % 8, ' ');
    unsigned char sizeBytes[8];
    for (std::size_t i = 0; i < 8; ++i) sizeBytes[i] = (headerText.size() >> (8 * i)) & 0xff;

    TemporaryFile temporary;
    if (const auto failure = temporary.create(file)) return fileError(file, *failure);
    bool written = writeAll(temporary.fd(), sizeBytes, sizeof sizeBytes) &&
                   writeAll(temporary.fd(), headerText.data(), headerText.size());
    for (std::size_t i = 0; written && i < sorted.size(); ++i) {
        const torch::Tensor& tensor = sorted[i].second;
        written = writeAll(temporary.fd(), tensor.data_ptr(), tensor.nbytes());
    }
    if (!written) return fileError(file, systemError("cannot write"));
    if (const auto failure = temporary.commit(file)) return fileError(file, *failure);
    return {};
}

}  // namespace

Result<SafetensorsFile> readSafetensors(const std::filesystem::path& file) {
    try {
        return readFile(file);
    } catch (const c10::Error& error) {
        return fileError(file, error.what_without_backtrace());
    } catch (const std::bad_alloc&) {
        return fileError(file, "not enough memory to read the tensors");
    } catch (const std::exception& error) {
        return fileError(file, error.what());
    }
}

Result<void> writeSafetensors(const std::filesystem::path& file, const StateDict& tensors,
                              const std::map<std::string, std::string>& metadata) {
    try {
        return writeFile(file, tensors, metadata);
    } catch (const c10::Error& error) {
        return fileError(file, error.what_without_backtrace());
    } catch (const std::bad_alloc&) {
        return fileError(file, "not enough memory to write the tensors");
    } catch (const std::exception& error) {
        return fileError(file, error.what());
    }
}

}  // namespace fovea::core
