#include "json_element_lines.h"

namespace fovea::core::detection::box_formats {

std::map<std::string, std::vector<int>> topLevelArrayElementLines(std::string_view json) {
    std::map<std::string, std::vector<int>> lines;
    std::vector<char> open;                // the containers around the current position: '{' or '['
    std::string lastString;                // the last string read: a key when ':' follows
    std::string key;                       // the top-level key whose value comes next
    std::vector<int>* elements = nullptr;  // the top-level array being read, if any
    bool expectElement = false;
    int line = 1;
    // A value starting directly inside the watched array is one of its elements.
    auto valueStarts = [&] {
        if (elements != nullptr && open.size() == 2 && expectElement) {
            elements->push_back(line);
            expectElement = false;
        }
    };
    for (std::size_t i = 0; i < json.size(); ++i) {
        const char c = json[i];
        switch (c) {
            case '\n':
                ++line;
                break;
            case ' ':
            case '\t':
            case '\r':
                break;
            case '"': {
                valueStarts();
                std::string text;
                for (++i; i < json.size() && json[i] != '"'; ++i) {
                    if (json[i] == '\\')
                        ++i;  // an escaped character, never a quote or newline
                    else
                        text += json[i];
                }
                lastString = std::move(text);
                break;
            }
            case ':':
                if (open.size() == 1) key = lastString;
                break;
            case '{':
            case '[':
                valueStarts();
                open.push_back(c);
                if (c == '[' && open.size() == 2 && open.front() == '{') {
                    elements = &lines[key];
                    elements->clear();
                    expectElement = true;
                }
                break;
            case '}':
            case ']':
                if (!open.empty()) open.pop_back();
                if (open.size() < 2) elements = nullptr;
                break;
            case ',':
                if (open.size() == 2) expectElement = true;
                break;
            default:
                valueStarts();  // a number or literal
                break;
        }
    }
    return lines;
}

}  // namespace fovea::core::detection::box_formats
