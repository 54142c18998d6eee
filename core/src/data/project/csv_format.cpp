#include "fovea/core/project/csv_format.h"

#include <algorithm>
#include <cctype>

namespace fovea::core {
namespace {

bool isBlank(const std::vector<std::string>& fields) {
    return std::all_of(fields.begin(), fields.end(), [](const std::string& field) {
        return std::all_of(field.begin(), field.end(),
                           [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
    });
}

}  // namespace

Result<std::vector<CsvRecord>> parseCsv(std::string_view text, const std::string& name) {
    constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
    if (text.substr(0, kUtf8Bom.size()) == kUtf8Bom) text.remove_prefix(kUtf8Bom.size());

    std::vector<CsvRecord> records;
    std::size_t line = 1;
    std::size_t i = 0;
    const std::size_t n = text.size();
    const auto at = [&](std::size_t lineNumber) {
        return name + ", line " + std::to_string(lineNumber) + ": ";
    };
    while (i < n) {
        CsvRecord record;
        record.line = line;
        while (true) {
            std::string field;
            if (i < n && text[i] == '"') {
                const std::size_t opened = line;
                ++i;
                while (true) {
                    if (i >= n) return Error{at(opened) + "a quoted field is never closed"};
                    const char c = text[i];
                    if (c == '"') {
                        if (i + 1 < n && text[i + 1] == '"') {
                            field += '"';
                            i += 2;
                            continue;
                        }
                        ++i;
                        break;
                    }
                    // Line ends inside quotes are data, but still lines for the line count.
                    if (c == '\n' || (c == '\r' && (i + 1 >= n || text[i + 1] != '\n'))) ++line;
                    field += c;
                    ++i;
                }
                if (i < n && text[i] != ',' && text[i] != '\r' && text[i] != '\n') {
                    return Error{at(line) +
                                 "unexpected text after a closing quote (a quote "
                                 "inside a quoted field must be doubled)"};
                }
            } else {
                // A quote inside an unquoted field is kept as data, as spreadsheets read it.
                while (i < n && text[i] != ',' && text[i] != '\r' && text[i] != '\n') {
                    field += text[i++];
                }
            }
            record.fields.push_back(std::move(field));
            if (i < n && text[i] == ',') {
                ++i;  // at the very end, the next pass adds the empty last field
                continue;
            }
            if (i < n) {  // CRLF, LF or a lone CR
                if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
                ++i;
                ++line;
            }
            break;
        }
        if (!isBlank(record.fields)) records.push_back(std::move(record));
    }
    return records;
}

std::string csvField(std::string_view value) {
    const bool needsQuotes =
        value.find_first_of(",\"\r\n") != std::string_view::npos ||
        (!value.empty() && (std::isspace(static_cast<unsigned char>(value.front())) ||
                            std::isspace(static_cast<unsigned char>(value.back()))));
    if (!needsQuotes) return std::string(value);
    std::string quoted = "\"";
    for (char c : value) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    quoted += '"';
    return quoted;
}

std::string csvLine(const std::vector<std::string>& fields) {
    std::string line;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) line += ',';
        line += csvField(fields[i]);
    }
    line += "\r\n";
    return line;
}

}  // namespace fovea::core
