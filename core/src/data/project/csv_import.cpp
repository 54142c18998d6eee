#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>
#include <unordered_map>

#include "fovea/core/project/csv_format.h"
#include "fovea/core/project/csv_labels.h"
#include "import_common.h"
#include "project_paths.h"

namespace fovea::core {
namespace fs = std::filesystem;
namespace {

std::string trimmed(const std::string& text) {
    std::size_t begin = 0;
    std::size_t end = text.size();
    while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
    while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
    return text.substr(begin, end - begin);
}

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

struct Columns {
    int path = 0;
    int label = 1;
    int split = 2;
    bool fromHeader = false;
};

// A header row is recognised by a "path" column (no image file is called that); its names
// then place the columns, in any order.
Result<Columns> readColumns(const CsvRecord& first, const std::string& name) {
    Columns columns{-1, -1, -1, true};
    for (std::size_t i = 0; i < first.fields.size(); ++i) {
        const std::string column = lower(trimmed(first.fields[i]));
        const int index = static_cast<int>(i);
        if (column == "path" || column == "file" || column == "filename") columns.path = index;
        if (column == "label" || column == "class") columns.label = index;
        if (column == "split") columns.split = index;
    }
    const bool header =
        std::any_of(first.fields.begin(), first.fields.end(),
                    [](const std::string& f) { return lower(trimmed(f)) == "path"; });
    if (!header) return Columns{};
    if (columns.path < 0) return Error{name + ": the header has no \"path\" column"};
    return columns;
}

std::optional<std::string> field(const CsvRecord& record, int column) {
    if (column < 0 || static_cast<std::size_t>(column) >= record.fields.size()) {
        return std::nullopt;
    }
    return record.fields[static_cast<std::size_t>(column)];
}

Result<std::string> readWholeFile(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Error{"Cannot read " + file.string() + ": " + std::strerror(errno)};
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) return Error{"Cannot read " + file.string() + ": read error"};
    return content.str();
}

}  // namespace

Result<ImportReport> importCsv(ProjectStore& store, const fs::path& csvFile,
                               const CsvImportOptions& options) {
    const fs::path csv = paths::normalisedAbsolute(csvFile);
    const fs::path base =
        options.baseFolder ? paths::normalisedAbsolute(*options.baseFolder) : csv.parent_path();
    auto text = readWholeFile(csv);
    if (!text) return text.error();
    auto records = parseCsv(text.value(), csv.string());
    if (!records) return records.error();
    if (records.value().empty()) return ImportReport{};
    auto columns = readColumns(records.value().front(), csv.string());
    if (!columns) return columns.error();

    // Symbolic links are resolved for the containment check only (the path stored is the one
    // the CSV gives): a link inside the folder must not lead a label file outside it.
    std::error_code canonicalError;
    const fs::path realBase = fs::weakly_canonical(base, canonicalError);

    auto known = store.knownImages();
    if (!known) return known.error();
    const import::KnownByPath index = import::indexKnown(known.value());

    ImportReport report;
    ImportBatch batch;
    batch.existingLabels =
        options.replaceExisting ? ExistingLabels::Replace : ExistingLabels::FillUnlabeled;
    std::vector<std::size_t> toProbe;
    std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> rowOfPath;  // item, line
    const auto problem = [&](const fs::path& path, std::size_t line, const std::string& message) {
        report.problems.push_back(
            {path, csv.filename().string() + ", line " + std::to_string(line) + ": " + message});
    };

    const auto& rows = records.value();
    for (std::size_t r = columns.value().fromHeader ? 1 : 0; r < rows.size(); ++r) {
        const CsvRecord& row = rows[r];
        ++report.found;
        const std::string pathText = field(row, columns.value().path).value_or("");
        if (trimmed(pathText).empty()) {
            problem({}, row.line, "the path is empty");
            continue;
        }
        if (pathText.find('\0') != std::string::npos) {
            problem({}, row.line, "the path holds a NUL character; refused");
            continue;
        }
        const fs::path given(pathText);
        const fs::path path = paths::normalisedAbsolute(given.is_absolute() ? given : base / given);
        if (!paths::isInside(path, base) || path == base) {
            problem(path, row.line,
                    "path \"" + pathText + "\" is outside the base folder " + base.string() +
                        "; refused");
            continue;
        }
        if (!canonicalError) {
            std::error_code ec;
            const fs::path real = fs::weakly_canonical(path, ec);
            if (!ec && !paths::isInside(real, realBase)) {
                problem(path, row.line,
                        "path \"" + pathText + "\" leads through a symbolic link to " +
                            real.string() + ", outside the base folder " + base.string() +
                            "; refused");
                continue;
            }
        }
        const std::string label = trimmed(field(row, columns.value().label).value_or(""));
        const std::optional<std::string> splitText = field(row, columns.value().split);
        std::optional<Split> split;
        if (splitText && !trimmed(*splitText).empty()) {
            split = parseSplitName(*splitText);
            if (!split) {
                problem(path, row.line,
                        "unknown split \"" + trimmed(*splitText) +
                            "\" (expected train, val or test); row refused");
                continue;
            }
        }
        const auto facts = import::statPath(path);
        if (!facts) {
            problem(path, row.line, "file not found: " + path.string());
            continue;
        }
        if (!facts->regular) {
            problem(path, row.line, path.string() + " is not a file");
            continue;
        }

        ImportItem item;
        item.path = path;
        item.fileSize = facts->size;
        item.mtimeNs = facts->mtimeNs;
        if (!label.empty()) item.className = label;
        item.split = split;
        // Without a split column the CSV says nothing about splits; with one, an empty cell
        // means "no split".
        item.splitGiven = splitText.has_value();
        const auto knownImage = index.find(path.generic_string());
        const bool probe = knownImage == index.end() ||
                           known.value()[knownImage->second].fileSize != facts->size ||
                           known.value()[knownImage->second].mtimeNs != facts->mtimeNs;

        const std::string key = path.generic_string();
        if (auto earlier = rowOfPath.find(key); earlier != rowOfPath.end()) {
            problem(path, row.line,
                    path.string() + " is also on line " + std::to_string(earlier->second.second) +
                        "; this later row wins");
            batch.items[earlier->second.first] = std::move(item);
            earlier->second.second = row.line;
            continue;
        }
        if (probe) toProbe.push_back(batch.items.size());
        rowOfPath[key] = {batch.items.size(), row.line};
        batch.items.push_back(std::move(item));
    }

    if (auto probed = import::probeItems(batch.items, toProbe, {}, nullptr); !probed) {
        return probed.error();
    }
    auto applied = store.applyImport(batch);
    if (!applied) return applied.error();
    import::fillReport(report, applied.value(), batch.items);
    return report;
}

}  // namespace fovea::core
