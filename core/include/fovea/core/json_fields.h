#pragma once

// Strict reading of JSON objects written by Fovea (config.json, images.json, training configs):
// a missing key keeps the caller's default, a value of the wrong type or an unknown name is an
// error naming the key and `where` (e.g. "training config" or the file).

#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "fovea/core/result.h"

namespace fovea::core::json_fields {

// One table per enum keeps names and values in one place for printing and parsing.
template <class Enum, std::size_t N>
struct EnumNames {
    std::array<std::pair<Enum, const char*>, N> entries;
    const char* what;

    const char* name(Enum value) const {
        for (const auto& [v, n] : entries) {
            if (v == value) return n;
        }
        return entries[0].second;
    }
    Result<Enum> parse(const std::string& text) const {
        std::string expected;
        for (const auto& [v, n] : entries) {
            if (text == n) return v;
            expected += (expected.empty() ? "" : ", ") + std::string(n);
        }
        return Error{"unknown " + std::string(what) + " '" + text + "' (expected " + expected + ")",
                     ErrorKind::Usage};
    }
};

// Reads json[key] into `out` when present.
template <class T>
Result<void> read(const nlohmann::json& json, const char* key, T& out, const std::string& where) {
    const auto it = json.find(key);
    if (it == json.end()) return {};
    try {
        out = it->template get<T>();
    } catch (const nlohmann::json::exception&) {
        return Error{where + ": '" + key + "' has the wrong type"};
    }
    return {};
}

// An optional setting: null (or absent) leaves it unset, meaning "Fovea decides".
template <class T>
Result<void> read(const nlohmann::json& json, const char* key, std::optional<T>& out,
                  const std::string& where) {
    const auto it = json.find(key);
    if (it == json.end() || it->is_null()) return {};
    T value{};
    if (auto got = read(json, key, value, where); !got) return got;
    out = value;
    return {};
}

// An enum stored by name.
template <class Enum, std::size_t N>
Result<void> readEnum(const nlohmann::json& json, const char* key, const EnumNames<Enum, N>& names,
                      Enum& out, const std::string& where) {
    std::string text = names.name(out);
    if (auto got = read(json, key, text, where); !got) return got;
    auto parsed = names.parse(text);
    if (!parsed) return Error{where + ": '" + key + "': " + parsed.error().message};
    out = parsed.value();
    return {};
}

// The first failed read of `reads`, or success.
inline Result<void> firstFailure(std::initializer_list<Result<void>> reads) {
    for (const Result<void>& got : reads) {
        if (!got) return got.error();
    }
    return {};
}

}  // namespace fovea::core::json_fields
