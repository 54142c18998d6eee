// YOLO class names: darknet's classes.txt and the `names:` of an Ultralytics data.yaml.
#include <algorithm>
#include <cctype>
#include <map>

#include "annotation_text.h"
#include "fovea/core/atomic_file.h"
#include "fovea/core/detection/box_annotations.h"

namespace fovea::core::detection {

using namespace box_formats;

namespace {

namespace fs = std::filesystem;

struct Line {
    int number = 0;
    std::string_view text;
};

std::vector<Line> linesOf(std::string_view text) {
    std::vector<Line> lines;
    int number = 1;
    for (std::size_t start = 0; start <= text.size(); ++number) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        lines.push_back({number, text.substr(start, end - start)});
        start = end + 1;
    }
    return lines;
}

Error lineError(const fs::path& file, int line, const std::string& message) {
    return Error{describe(BoxProblem{file, line, message})};
}

// A YAML scalar as written: quotes removed, a trailing comment dropped.
std::string yamlScalar(std::string_view text) {
    text = trim(text);
    if (!text.empty() && (text.front() == '\'' || text.front() == '"')) {
        const std::size_t close = text.find(text.front(), 1);
        if (close != std::string_view::npos) return std::string(text.substr(1, close - 1));
    }
    const std::size_t comment = text.find(" #");
    return std::string(trim(text.substr(0, comment)));
}

// The items of a flow list "[a, 'b c', d]" (commas inside quotes kept).
std::vector<std::string> flowList(std::string_view text) {
    std::vector<std::string> items;
    std::string_view inner = trim(text);
    inner = inner.substr(1, inner.size() - 2);  // the brackets
    char quote = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= inner.size(); ++i) {
        const char c = i < inner.size() ? inner[i] : ',';
        if (quote != 0) {
            if (c == quote) quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == ',') {
            const std::string item = yamlScalar(inner.substr(start, i - start));
            if (!item.empty() || i < inner.size()) items.push_back(item);
            start = i + 1;
        }
    }
    return items;
}

Result<std::vector<std::string>> namesFromYaml(const fs::path& file, std::string_view text) {
    const std::vector<Line> lines = linesOf(text);
    auto names = std::find_if(lines.begin(), lines.end(),
                              [](const Line& line) { return line.text.substr(0, 6) == "names:"; });
    if (names == lines.end()) {
        return Error{file.string() + ": no \"names:\" list of class names"};
    }
    const std::string_view inline_ = trim(names->text.substr(6));
    if (!inline_.empty() && inline_.front() == '[') {
        if (inline_.back() != ']') {
            return lineError(file, names->number,
                             "the names list must end on this line with ']' (multi-line flow "
                             "lists are not read)");
        }
        return flowList(inline_);
    }
    if (!inline_.empty() && inline_.front() != '#') {
        return lineError(file, names->number, "expected a list after \"names:\"");
    }
    // A block below: "- name" items, or Ultralytics' "index: name" mapping, each indented.
    std::vector<std::string> list;
    std::map<long long, std::pair<std::string, int>> mapping;  // index -> name, line
    for (auto line = names + 1; line != lines.end(); ++line) {
        const std::string_view item = trim(line->text);
        if (item.empty() || item.front() == '#') continue;
        if (!std::isspace(static_cast<unsigned char>(line->text.front()))) break;  // next key
        if (item.front() == '-') {
            list.push_back(yamlScalar(item.substr(1)));
            continue;
        }
        const std::size_t colon = item.find(':');
        const std::optional<long long> index = colon == std::string_view::npos
                                                   ? std::nullopt
                                                   : parseInteger(trim(item.substr(0, colon)));
        if (!index || *index < 0) {
            return lineError(file, line->number,
                             "expected \"- name\" or \"index: name\" in the names list");
        }
        mapping[*index] = {yamlScalar(item.substr(colon + 1)), line->number};
    }
    if (!list.empty() && !mapping.empty()) {
        return lineError(file, names->number,
                         "the names list mixes \"- name\" and \"index: name\"");
    }
    long long expected = 0;
    for (const auto& [index, entry] : mapping) {
        if (index != expected++) {
            return lineError(file, entry.second,
                             "class index " + std::to_string(index) + " where " +
                                 std::to_string(expected - 1) +
                                 " was expected (indices count 0, 1, 2...)");
        }
        list.push_back(entry.first);
    }
    return list;
}

Result<std::vector<std::string>> namesFromText(const fs::path& file, std::string_view text) {
    std::vector<std::string> names;
    std::vector<int> blankLines;
    for (const Line& line : linesOf(text)) {
        const std::string_view name = trim(line.text);
        if (name.empty()) {
            blankLines.push_back(line.number);
            continue;
        }
        // A blank line between names would shift every index after it: refuse it.
        if (!blankLines.empty()) {
            return lineError(file, blankLines.front(), "blank line between class names");
        }
        names.emplace_back(name);
    }
    return names;
}

}  // namespace

Result<std::vector<std::string>> readYoloClassNames(const fs::path& file) {
    Result<std::string> text = files::readWholeFile(file);
    if (!text) return text.error();
    const std::string_view content = withoutBom(text.value());
    std::string extension = file.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    Result<std::vector<std::string>> names = extension == ".yaml" || extension == ".yml"
                                                 ? namesFromYaml(file, content)
                                                 : namesFromText(file, content);
    if (names && names.value().empty()) {
        return Error{file.string() + ": no class names"};
    }
    if (names) {
        for (std::size_t i = 0; i < names.value().size(); ++i) {
            if (names.value()[i].empty()) {
                return Error{file.string() + ": class " + std::to_string(i) + " has no name"};
            }
            for (std::size_t j = 0; j < i; ++j) {
                if (names.value()[j] == names.value()[i]) {
                    return Error{file.string() + ": class name \"" + names.value()[i] +
                                 "\" is given twice (classes " + std::to_string(j) + " and " +
                                 std::to_string(i) + ")"};
                }
            }
        }
    }
    return names;
}

}  // namespace fovea::core::detection
