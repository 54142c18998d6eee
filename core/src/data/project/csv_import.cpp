#include <algorithm>
#include <cctype>
#include <system_error>
#include <unordered_map>

#include "fovea/core/atomic_file.h"
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

// One CSV import: rows become import items, refused rows become report problems naming the
// file and line.
class CsvImport {
  public:
    CsvImport(const fs::path& csv, const fs::path& base, const std::vector<KnownImage>& known,
              bool replaceExisting)
        : m_csv(csv), m_base(base), m_known(known), m_index(import::indexKnown(known)) {
        // Symbolic links are resolved for the containment check only (the path stored is the
        // one the CSV gives): a link inside the folder must not lead a label file outside it.
        m_realBase = fs::weakly_canonical(base, m_canonicalError);
        m_batch.existingLabels =
            replaceExisting ? ExistingLabels::Replace : ExistingLabels::FillUnlabeled;
    }

    void readRow(const CsvRecord& row, const Columns& columns) {
        ++m_report.found;
        const std::string pathText = field(row, columns.path).value_or("");
        const auto path = checkedPath(pathText, row.line);
        if (!path) return;
        const std::string label = trimmed(field(row, columns.label).value_or(""));
        const std::optional<std::string> splitText = field(row, columns.split);
        std::optional<Split> split;
        if (splitText && !trimmed(*splitText).empty()) {
            split = parseSplitName(*splitText);
            if (!split) {
                problem(*path, row.line,
                        "unknown split \"" + trimmed(*splitText) +
                            "\" (expected train, val or test); row refused");
                return;
            }
        }
        const auto facts = import::statPath(*path);
        if (!facts) {
            problem(*path, row.line, "file not found: " + path->string());
            return;
        }
        if (!facts->regular) {
            problem(*path, row.line, path->string() + " is not a file");
            return;
        }
        ImportItem item;
        item.path = *path;
        item.fileSize = facts->size;
        item.mtimeNs = facts->mtimeNs;
        if (!label.empty()) item.className = label;
        item.split = split;
        // Without a split column the CSV says nothing about splits; with one, an empty cell
        // means "no split".
        item.splitGiven = splitText.has_value();
        addItem(std::move(item), row.line);
    }

    Result<ImportReport> apply(ProjectStore& store) {
        if (auto probed = import::probeItems(m_batch.items, m_toProbe, {}, nullptr); !probed) {
            return probed.error();
        }
        auto applied = store.applyImport(m_batch);
        if (!applied) return applied.error();
        import::fillReport(m_report, applied.value(), m_batch.items);
        return m_report;
    }

  private:
    void problem(const fs::path& path, std::size_t line, const std::string& message) {
        m_report.problems.push_back(
            {path, m_csv.filename().string() + ", line " + std::to_string(line) + ": " + message});
    }

    // The absolute path a row names, or nullopt (with the problem noted) when it is refused.
    std::optional<fs::path> checkedPath(const std::string& pathText, std::size_t line) {
        if (trimmed(pathText).empty()) {
            problem({}, line, "the path is empty");
            return std::nullopt;
        }
        if (pathText.find('\0') != std::string::npos) {
            problem({}, line, "the path holds a NUL character; refused");
            return std::nullopt;
        }
        const fs::path given(pathText);
        const fs::path path =
            paths::normalisedAbsolute(given.is_absolute() ? given : m_base / given);
        if (!paths::isInside(path, m_base) || path == m_base) {
            problem(path, line,
                    "path \"" + pathText + "\" is outside the base folder " + m_base.string() +
                        "; refused");
            return std::nullopt;
        }
        if (!m_canonicalError) {
            std::error_code ec;
            const fs::path real = fs::weakly_canonical(path, ec);
            if (!ec && !paths::isInside(real, m_realBase)) {
                problem(path, line,
                        "path \"" + pathText + "\" leads through a symbolic link to " +
                            real.string() + ", outside the base folder " + m_base.string() +
                            "; refused");
                return std::nullopt;
            }
        }
        return path;
    }

    // A path named twice keeps the later row's labels.
    void addItem(ImportItem item, std::size_t line) {
        const std::string key = item.path.generic_string();
        const auto knownImage = m_index.find(key);
        const bool probe = knownImage == m_index.end() ||
                           m_known[knownImage->second].fileSize != item.fileSize ||
                           m_known[knownImage->second].mtimeNs != item.mtimeNs;
        if (auto earlier = m_rowOfPath.find(key); earlier != m_rowOfPath.end()) {
            problem(item.path, line,
                    item.path.string() + " is also on line " +
                        std::to_string(earlier->second.second) + "; this later row wins");
            m_batch.items[earlier->second.first] = std::move(item);
            earlier->second.second = line;
            return;
        }
        if (probe) m_toProbe.push_back(m_batch.items.size());
        m_rowOfPath[key] = {m_batch.items.size(), line};
        m_batch.items.push_back(std::move(item));
    }

    const fs::path m_csv;
    const fs::path m_base;
    fs::path m_realBase;
    std::error_code m_canonicalError;
    const std::vector<KnownImage>& m_known;
    const import::KnownByPath m_index;
    ImportReport m_report;
    ImportBatch m_batch;
    std::vector<std::size_t> m_toProbe;
    std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> m_rowOfPath;  // item, line
};

}  // namespace

Result<ImportReport> importCsv(ProjectStore& store, const fs::path& csvFile,
                               const CsvImportOptions& options) {
    const fs::path csv = paths::normalisedAbsolute(csvFile);
    const fs::path base =
        options.baseFolder ? paths::normalisedAbsolute(*options.baseFolder) : csv.parent_path();
    auto text = files::readWholeFile(csv);
    if (!text) return text.error();
    auto records = parseCsv(text.value(), csv.string());
    if (!records) return records.error();
    if (records.value().empty()) return ImportReport{};
    auto columns = readColumns(records.value().front(), csv.string());
    if (!columns) return columns.error();
    auto known = store.knownImages();
    if (!known) return known.error();

    CsvImport csvImport(csv, base, known.value(), options.replaceExisting);
    const auto& rows = records.value();
    for (std::size_t r = columns.value().fromHeader ? 1 : 0; r < rows.size(); ++r) {
        csvImport.readRow(rows[r], columns.value());
    }
    return csvImport.apply(store);
}

}  // namespace fovea::core
