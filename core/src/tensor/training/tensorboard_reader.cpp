#include "fovea/core/training/tensorboard_reader.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string_view>
#include <tuple>

#include "crc32c.h"

namespace fovea::core {
namespace {

// The reading side of the protobuf wire format TensorBoardWriter writes (see there), for
// tensorflow.Event { wall_time = 1, step = 2, summary = 5 } and
// Summary { repeated Value value = 1 }, Value { tag = 1, simple_value = 2 }.
class WireReader {
  public:
    explicit WireReader(std::string_view bytes) : m_bytes(bytes) {}

    bool atEnd() const { return m_offset >= m_bytes.size(); }

    std::optional<std::uint64_t> varint() {
        std::uint64_t value = 0;
        for (int shift = 0; shift < 64 && m_offset < m_bytes.size(); shift += 7) {
            const auto byte = static_cast<unsigned char>(m_bytes[m_offset++]);
            value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
            if ((byte & 0x80) == 0) return value;
        }
        return std::nullopt;
    }

    std::optional<std::uint64_t> littleEndian(std::size_t bytes) {
        if (m_bytes.size() - m_offset < bytes) return std::nullopt;
        std::uint64_t value = 0;
        for (std::size_t index = 0; index < bytes; ++index) {
            value |= static_cast<std::uint64_t>(static_cast<unsigned char>(m_bytes[m_offset++]))
                     << (8 * index);
        }
        return value;
    }

    std::optional<std::string_view> lengthDelimited() {
        auto length = varint();
        if (!length || *length > m_bytes.size() - m_offset) return std::nullopt;
        std::string_view field = m_bytes.substr(m_offset, *length);
        m_offset += *length;
        return field;
    }

    // Steps over a field of `wireType` this reader does not want; false when it cannot.
    bool skip(std::uint64_t wireType) {
        switch (wireType) {
            case 0:
                return varint().has_value();
            case 1:
                return littleEndian(8).has_value();
            case 2:
                return lengthDelimited().has_value();
            case 5:
                return littleEndian(4).has_value();
            default:
                return false;  // groups (3, 4) are not in these messages
        }
    }

  private:
    std::string_view m_bytes;
    std::size_t m_offset = 0;
};

// Summary.Value as (tag, simple_value); nullopt for other values (text, images...).
std::optional<std::pair<std::string, double>> scalarValue(std::string_view encoded) {
    WireReader reader(encoded);
    std::string tag;
    std::optional<double> value;
    while (!reader.atEnd()) {
        auto key = reader.varint();
        if (!key) return std::nullopt;
        if (*key == ((1u << 3) | 2)) {
            auto text = reader.lengthDelimited();
            if (!text) return std::nullopt;
            tag = std::string(*text);
        } else if (*key == ((2u << 3) | 5)) {
            auto bits = reader.littleEndian(4);
            if (!bits) return std::nullopt;
            const auto narrow = static_cast<std::uint32_t>(*bits);
            float number = 0;
            std::memcpy(&number, &narrow, sizeof number);
            value = number;
        } else if (!reader.skip(*key & 7)) {
            return std::nullopt;
        }
    }
    if (tag.empty() || !value) return std::nullopt;
    return std::make_pair(tag, *value);
}

// Appends an Event's scalar values to `points`, each with the event's step.
void readEvent(std::string_view event, std::map<std::string, std::vector<ScalarPoint>>& points) {
    WireReader reader(event);
    std::int64_t step = 0;
    std::vector<std::pair<std::string, double>> values;
    while (!reader.atEnd()) {
        auto key = reader.varint();
        if (!key) return;
        if (*key == ((2u << 3) | 0)) {
            auto number = reader.varint();
            if (!number) return;
            step = static_cast<std::int64_t>(*number);
        } else if (*key == ((5u << 3) | 2)) {
            auto summary = reader.lengthDelimited();
            if (!summary) return;
            WireReader summaryReader(*summary);
            while (!summaryReader.atEnd()) {
                auto valueKey = summaryReader.varint();
                if (!valueKey) return;
                if (*valueKey == ((1u << 3) | 2)) {
                    auto encoded = summaryReader.lengthDelimited();
                    if (!encoded) return;
                    if (auto scalar = scalarValue(*encoded)) values.push_back(*scalar);
                } else if (!summaryReader.skip(*valueKey & 7)) {
                    return;
                }
            }
        } else if (!reader.skip(*key & 7)) {
            return;
        }
    }
    for (auto& [tag, value] : values) points[tag].push_back({step, value});
}

std::uint64_t readLittleEndian(const std::string& bytes, std::size_t offset, std::size_t size) {
    std::uint64_t value = 0;
    for (std::size_t index = 0; index < size; ++index) {
        value |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[offset + index]))
                 << (8 * index);
    }
    return value;
}

// The scalar points of one event file, in file order, up to its first incomplete or corrupt
// record.
std::map<std::string, std::vector<ScalarPoint>> readEventFile(const std::filesystem::path& file) {
    std::map<std::string, std::vector<ScalarPoint>> points;
    std::ifstream stream(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(stream)), {});
    std::size_t offset = 0;
    while (bytes.size() - offset >= 12) {
        const std::uint64_t length = readLittleEndian(bytes, offset, 8);
        if (readLittleEndian(bytes, offset + 8, 4) != maskedCrc32c(bytes.data() + offset, 8)) {
            break;
        }
        const std::size_t available = bytes.size() - offset - 12;  // after the header
        if (length > available || available - length < 4) break;   // still being written
        const char* data = bytes.data() + offset + 12;
        if (readLittleEndian(bytes, offset + 12 + length, 4) != maskedCrc32c(data, length)) break;
        readEvent(std::string_view(data, length), points);
        offset += 16 + length;
    }
    return points;
}

// Orders event files by creation: "events.out.tfevents.<seconds>.<host>.<pid>.<counter>" by its
// seconds, then by the number at its end (a second file of one process in the same second),
// numerically: "…9" comes before "…10".
struct EventFileOrder {
    static std::int64_t numberAfter(const std::string& name, std::size_t start) {
        std::int64_t number = 0;
        for (std::size_t index = start;
             index < name.size() && std::isdigit(static_cast<unsigned char>(name[index]));
             ++index) {
            number = number * 10 + (name[index] - '0');
        }
        return number;
    }
    static std::tuple<std::int64_t, std::int64_t, std::string> key(
        const std::filesystem::path& file) {
        const std::string name = file.filename().string();
        const std::size_t tag = name.find("tfevents.");
        const std::int64_t seconds = tag == std::string::npos ? 0 : numberAfter(name, tag + 9);
        const std::size_t lastDot = name.rfind('.');
        const std::int64_t counter =
            lastDot == std::string::npos ? 0 : numberAfter(name, lastDot + 1);
        return {seconds, counter, name};
    }
    bool operator()(const std::filesystem::path& a, const std::filesystem::path& b) const {
        return key(a) < key(b);
    }
};

}  // namespace

ScalarCurves readTensorBoardScalars(const std::filesystem::path& folder) {
    std::vector<std::filesystem::path> files;
    std::error_code error;
    for (std::filesystem::directory_iterator entry(folder, error), end; !error && entry != end;
         entry.increment(error)) {
        if (entry->path().filename().string().find("tfevents") != std::string::npos &&
            entry->is_regular_file(error)) {
            files.push_back(entry->path());
        }
    }
    std::sort(files.begin(), files.end(), EventFileOrder{});

    ScalarCurves curves;
    for (const auto& file : files) {
        for (auto& [tag, points] : readEventFile(file)) {
            if (points.empty()) continue;
            std::vector<ScalarPoint>& curve = curves[tag];
            // This file restarted the curve at its first step: what came after it is replaced.
            const std::int64_t restart = points.front().step;
            curve.erase(std::remove_if(curve.begin(), curve.end(),
                                       [&](const ScalarPoint& p) { return p.step >= restart; }),
                        curve.end());
            curve.insert(curve.end(), points.begin(), points.end());
        }
    }
    for (auto& [tag, curve] : curves) {
        std::stable_sort(
            curve.begin(), curve.end(),
            [](const ScalarPoint& a, const ScalarPoint& b) { return a.step < b.step; });
    }
    return curves;
}

}  // namespace fovea::core
