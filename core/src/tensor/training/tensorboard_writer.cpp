#include "fovea/core/training/tensorboard_writer.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>
#include <utility>

#include "crc32c.h"

namespace fovea::core {
namespace {

// Pending records are written out at this size even without flush(), so a run that never
// flushes still has bounded memory and a file that grows as it goes.
constexpr std::size_t kPendingLimit = 64 * 1024;

// --- Protobuf wire format, by hand: the few field kinds tensorflow.Event needs ---
// (https://protobuf.dev/programming-guides/encoding/). Field numbers are those of
// tensorflow/core/util/event.proto and framework/summary.proto.

enum WireType : std::uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

void putVarint(std::string& out, std::uint64_t value) {
    while (value >= 0x80) {
        out += static_cast<char>((value & 0x7F) | 0x80);
        value >>= 7;
    }
    out += static_cast<char>(value);
}

void putKey(std::string& out, std::uint32_t field, WireType type) {
    putVarint(out, (static_cast<std::uint64_t>(field) << 3) | type);
}

// Little-endian whatever the host order, as protobuf and TFRecord both require.
void putLittleEndian(std::string& out, std::uint64_t value, int bytes) {
    for (int index = 0; index < bytes; ++index) out += static_cast<char>(value >> (8 * index));
}

void putDouble(std::string& out, std::uint32_t field, double value) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    putKey(out, field, kFixed64);
    putLittleEndian(out, bits, 8);
}

void putFloat(std::string& out, std::uint32_t field, float value) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    putKey(out, field, kFixed32);
    putLittleEndian(out, bits, 4);
}

// int64 fields are plain varints of the two's-complement value: a negative step takes ten
// bytes (sint64 would zigzag, but Event.step is int64).
void putInt64(std::string& out, std::uint32_t field, std::int64_t value) {
    putKey(out, field, kVarint);
    putVarint(out, static_cast<std::uint64_t>(value));
}

void putBytes(std::string& out, std::uint32_t field, const std::string& bytes) {
    putKey(out, field, kLengthDelimited);
    putVarint(out, bytes.size());
    out += bytes;
}

// tensorflow.Event: wall_time = 1 (double), step = 2 (int64), file_version = 3 (string),
// summary = 5 (Summary).
std::string fileVersionEvent(double wallTime) {
    std::string event;
    putDouble(event, 1, wallTime);
    putBytes(event, 3, "brain.Event:2");
    return event;
}

std::string summaryEvent(double wallTime, std::int64_t step, const std::string& value) {
    std::string summary;
    putBytes(summary, 1, value);  // Summary.value = 1 (repeated Summary.Value)
    std::string event;
    putDouble(event, 1, wallTime);
    putInt64(event, 2, step);
    putBytes(event, 5, summary);
    return event;
}

// A TFRecord: length, masked CRC of the length bytes, data, masked CRC of the data.
void appendFramed(std::string& out, const std::string& data) {
    std::string length;
    putLittleEndian(length, data.size(), 8);
    out += length;
    putLittleEndian(out, maskedCrc32c(length.data(), length.size()), 4);
    out += data;
    putLittleEndian(out, maskedCrc32c(data.data(), data.size()), 4);
}

double secondsNow() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Protobuf parsers reject a string field that is not UTF-8 (Python's does), and TensorBoard
// would then drop the whole file from that record on; refuse such a tag up front instead.
bool isUtf8(const std::string& text) {
    std::size_t index = 0;
    while (index < text.size()) {
        const auto lead = static_cast<unsigned char>(text[index]);
        std::size_t length = 0;
        std::uint32_t codePoint = 0;
        if (lead < 0x80) {
            length = 1;
            codePoint = lead;
        } else if ((lead & 0xE0) == 0xC0) {
            length = 2;
            codePoint = lead & 0x1F;
        } else if ((lead & 0xF0) == 0xE0) {
            length = 3;
            codePoint = lead & 0x0F;
        } else if ((lead & 0xF8) == 0xF0) {
            length = 4;
            codePoint = lead & 0x07;
        } else {
            return false;
        }
        if (index + length > text.size()) return false;
        for (std::size_t next = 1; next < length; ++next) {
            const auto byte = static_cast<unsigned char>(text[index + next]);
            if ((byte & 0xC0) != 0x80) return false;
            codePoint = (codePoint << 6) | (byte & 0x3F);
        }
        static constexpr std::uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
        if (codePoint < kSmallest[length] || codePoint > 0x10FFFF ||
            (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
            return false;  // overlong, beyond Unicode, or a surrogate
        }
        index += length;
    }
    return true;
}

std::string hostName() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
    std::string host(name);
    for (char& c : host) {
        if (c == '/') c = '_';  // cannot happen for a real host name, but would make a folder
    }
    return host;
}

std::string systemError() { return std::strerror(errno); }

}  // namespace

Result<TensorBoardWriter> TensorBoardWriter::create(const std::filesystem::path& folder) {
    std::error_code error;
    std::filesystem::create_directories(folder, error);
    if (error) return Error{folder.string() + ": cannot create the folder: " + error.message()};

    // Two writers of one process created in the same second (a run and its restart) differ by
    // the counter; "x" refuses an existing name, so another process never has its file reused.
    static std::atomic<unsigned> counter{0};
    const std::string prefix = "events.out.tfevents." +
                               std::to_string(static_cast<long long>(secondsNow())) + "." +
                               hostName() + "." + std::to_string(getpid()) + ".";
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::filesystem::path file = folder / (prefix + std::to_string(counter++));
        FileHandle handle(std::fopen(file.c_str(), "wbx"));
        if (!handle) {
            if (errno == EEXIST) continue;
            return Error{folder.string() + ": cannot create an event file: " + systemError()};
        }
        // Records are buffered here, whole; stdio's own buffer would split them at 4 KiB.
        std::setvbuf(handle.get(), nullptr, _IONBF, 0);
        TensorBoardWriter writer(std::move(file), std::move(handle));
        appendFramed(writer.m_pending, fileVersionEvent(secondsNow()));
        // Written at once, so TensorBoard sees a valid (empty) run as soon as it starts.
        if (auto flushed = writer.flush(); !flushed) return flushed.error();
        return writer;
    }
    return Error{folder.string() + ": cannot create an event file: every name is taken"};
}

TensorBoardWriter::TensorBoardWriter(std::filesystem::path path, FileHandle file)
    : m_path(std::move(path)), m_file(std::move(file)) {}

TensorBoardWriter& TensorBoardWriter::operator=(TensorBoardWriter&& other) noexcept {
    if (this != &other) {
        if (m_file) (void)flush();
        m_path = std::move(other.m_path);
        m_file = std::move(other.m_file);
        m_pending = std::move(other.m_pending);
        m_writeError = std::move(other.m_writeError);
    }
    return *this;
}

TensorBoardWriter::~TensorBoardWriter() {
    if (m_file) (void)flush();
}

Result<void> TensorBoardWriter::addScalar(const std::string& tag, std::int64_t step, double value,
                                          std::optional<double> wallTimeSeconds) {
    // Summary.Value: tag = 1, simple_value = 2 (float).
    std::string encoded;
    putBytes(encoded, 1, tag);
    putFloat(encoded, 2, static_cast<float>(value));
    return addSummaryValue(tag, step, encoded, wallTimeSeconds);
}

Result<void> TensorBoardWriter::addText(const std::string& tag, std::int64_t step,
                                        const std::string& text,
                                        std::optional<double> wallTimeSeconds) {
    // What TensorBoard's text plugin reads (and PyTorch's SummaryWriter.add_text writes): a
    // DT_STRING tensor of shape [1] whose metadata names the plugin "text".
    std::string pluginData;
    putBytes(pluginData, 1, "text");  // PluginData.plugin_name = 1
    std::string metadata;
    putBytes(metadata, 1, pluginData);  // SummaryMetadata.plugin_data = 1
    std::string dimension;
    putInt64(dimension, 1, 1);  // TensorShapeProto.Dim.size = 1
    std::string shape;
    putBytes(shape, 2, dimension);  // TensorShapeProto.dim = 2
    std::string tensor;
    putInt64(tensor, 1, 7);      // TensorProto.dtype = 1: DT_STRING = 7
    putBytes(tensor, 2, shape);  // TensorProto.tensor_shape = 2
    putBytes(tensor, 8, text);   // TensorProto.string_val = 8 (bytes)

    std::string encoded;
    putBytes(encoded, 1, tag);       // Summary.Value.tag = 1
    putBytes(encoded, 8, tensor);    // Summary.Value.tensor = 8
    putBytes(encoded, 9, metadata);  // Summary.Value.metadata = 9
    return addSummaryValue(tag, step, encoded, wallTimeSeconds);
}

Result<void> TensorBoardWriter::addSummaryValue(const std::string& tag, std::int64_t step,
                                                const std::string& encodedValue,
                                                std::optional<double> wallTimeSeconds) {
    if (tag.empty()) return Error{m_path.string() + ": a TensorBoard tag cannot be empty"};
    if (!isUtf8(tag)) {
        return Error{m_path.string() + ": the TensorBoard tag is not valid UTF-8"};
    }
    return appendRecord(summaryEvent(wallTimeSeconds.value_or(secondsNow()), step, encodedValue));
}

Result<void> TensorBoardWriter::appendRecord(const std::string& event) {
    if (!m_writeError.empty()) return Error{m_writeError};
    appendFramed(m_pending, event);
    if (m_pending.size() >= kPendingLimit) return writePending();
    return {};
}

Result<void> TensorBoardWriter::flush() {
    if (auto written = writePending(); !written) return written;
    if (std::fflush(m_file.get()) != 0) {
        m_writeError = m_path.string() + ": cannot write: " + systemError();
        return Error{m_writeError};
    }
    return {};
}

Result<void> TensorBoardWriter::writePending() {
    if (!m_writeError.empty()) return Error{m_writeError};
    if (!m_file) return Error{"TensorBoardWriter used after it was moved from"};
    if (m_pending.empty()) return {};
    const std::size_t written = std::fwrite(m_pending.data(), 1, m_pending.size(), m_file.get());
    if (written != m_pending.size()) {
        m_writeError = m_path.string() + ": cannot write: " + systemError();
        return Error{m_writeError};
    }
    m_pending.clear();
    return {};
}

}  // namespace fovea::core
