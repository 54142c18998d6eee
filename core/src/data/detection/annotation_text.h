#pragma once

// Internal to the detection formats: locale-independent numbers and text positions. The GUI's
// Qt sets the C locale from the environment, so printf/strtod would read and write "0,5" on a
// German desktop; std::from_chars/to_chars never do.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fovea::core::detection::box_formats {

// The 1-based line of byte `offset` in `text` (offsets past the end give the last line).
int lineAtOffset(std::string_view text, std::size_t offset);
// The 1-based column of byte `offset` within its line.
int columnAtOffset(std::string_view text, std::size_t offset);

// `text` without leading and trailing blanks (spaces, tabs, CR, LF).
std::string_view trim(std::string_view text);
// `text` without a leading UTF-8 byte-order mark (Windows editors add one).
std::string_view withoutBom(std::string_view text);
// The whitespace-separated fields of one line.
std::vector<std::string_view> splitFields(std::string_view line);

// The whole of `text` as a finite number (a leading '+' allowed); nullopt otherwise.
std::optional<double> parseNumber(std::string_view text);
// The whole of `text` as a whole number; nullopt otherwise (also for "1.0").
std::optional<long long> parseInteger(std::string_view text);

// The shortest text that reads back as the same float ("12.3", not "12.300000190734863").
std::string formatNumber(float value);
// `value` with exactly `decimals` digits after the point.
std::string formatFixed(double value, int decimals);
// The double whose shortest text is that of `value`, so JSON shows 12.3 for 12.3f.
double tidyDouble(float value);

}  // namespace fovea::core::detection::box_formats
