#include <unordered_map>

#include "fovea/core/atomic_file.h"
#include "fovea/core/project/csv_format.h"
#include "fovea/core/project/csv_labels.h"
#include "project_paths.h"

namespace fovea::core {
namespace fs = std::filesystem;

Result<CsvExportReport> exportCsv(const ProjectStore& store, const fs::path& csvFile,
                                  const CsvExportOptions& options) {
    const fs::path csv = paths::normalisedAbsolute(csvFile);
    const fs::path base =
        options.baseFolder ? paths::normalisedAbsolute(*options.baseFolder) : csv.parent_path();
    auto classes = store.classes();
    if (!classes) return classes.error();
    std::unordered_map<ClassId, std::string> classNames;
    for (const auto& info : classes.value()) classNames[info.id] = info.name;
    auto images = store.images();
    if (!images) return images.error();

    CsvExportReport report;
    std::string content =
        options.includeSplit ? csvLine({"path", "label", "split"}) : csvLine({"path", "label"});
    for (const ImageRecord& image : images.value()) {
        if (image.excluded && !options.includeExcluded) {
            ++report.excludedSkipped;
            continue;
        }
        if (!image.classId && !options.includeUnlabeled) {
            ++report.unlabeledSkipped;
            continue;
        }
        if (!paths::isInside(image.path, base) || image.path == base) {
            ++report.outsideBaseFolder;
            continue;
        }
        std::vector<std::string> fields{image.path.lexically_relative(base).generic_string(),
                                        image.classId ? classNames[*image.classId] : ""};
        if (options.includeSplit) fields.push_back(image.split ? splitName(*image.split) : "");
        content += csvLine(fields);
        ++report.rows;
    }
    if (auto written = files::writeFileAtomically(csv, content); !written) {
        return written.error();
    }
    return report;
}

}  // namespace fovea::core
