#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "fovea/core/result.h"

namespace fovea::core {

// One CSV record and the line of the file it starts on (1-based, counting every physical
// line, so a quoted field spanning lines moves later records down as an editor shows them).
struct CsvRecord {
    std::size_t line = 0;
    std::vector<std::string> fields;
};

// RFC 4180: fields separated by commas, optionally in double quotes; inside quotes, commas,
// CR/LF and doubled quotes ("") are data. Accepts CRLF, LF or CR line ends, a UTF-8 byte order
// mark, a missing final line end; skips empty lines. Malformed quoting (an unterminated quote,
// text after a closing quote) is an error naming `name` and the line.
Result<std::vector<CsvRecord>> parseCsv(std::string_view text, const std::string& name);

// `value` as a CSV field: quoted (with quotes doubled) when it holds a comma, quote, CR, LF or
// leading/trailing space, as is otherwise.
std::string csvField(std::string_view value);

// The fields joined by commas, ending with CRLF (RFC 4180).
std::string csvLine(const std::vector<std::string>& fields);

}  // namespace fovea::core
