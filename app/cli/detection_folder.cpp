#include "detection_folder.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "fovea/core/project/project_store.h"

namespace fovea::cli {

namespace fs = std::filesystem;

namespace {

const char* formatTitle(core::BoxFormat format) {
    switch (format) {
        case core::BoxFormat::Yolo:
            return "YOLO";
        case core::BoxFormat::Voc:
            return "Pascal VOC";
        default:
            return "COCO";
    }
}

}  // namespace

bool isBoxFolder(const fs::path& folder) {
    std::error_code ec;
    if (folder.empty() || !fs::is_directory(folder, ec) || core::ProjectStore::exists(folder)) {
        return false;
    }
    return core::findBoxFiles(folder, core::BoxFormat::Auto).ok();
}

core::Result<core::DetectionImportReport> importBoxFolder(const fs::path& folder,
                                                          const fs::path& project, bool json) {
    auto store = core::ProjectStore::exists(project)
                     ? core::ProjectStore::open(project)
                     : core::ProjectStore::create(project, core::ProjectTask::Detection);
    if (!store) return store.error();
    if (store.value().projectTask() != core::ProjectTask::Detection) {
        return core::Error{project.string() + " holds a classification project, not the boxes of " +
                               folder.string(),
                           core::ErrorKind::Usage};
    }
    auto report = core::importDetectionFolder(store.value(), folder);
    if (!report) return report.error();
    if (!json) {
        const auto& r = report.value();
        std::fprintf(
            stderr,
            "Imported %zu images with %zu boxes (%zu background) from %s files in %s into %s%s\n",
            r.annotated, r.boxes, r.background, formatTitle(r.files.format),
            folder.string().c_str(), project.string().c_str(),
            r.problems.empty() ? "" : "; skipped:");
        for (const auto& problem : r.problems) {
            std::fprintf(stderr, "  %s\n", core::detection::describe(problem).c_str());
        }
    }
    return report;
}

TemporaryProjectFolder::TemporaryProjectFolder() {
    std::string pattern = (fs::temp_directory_path() / "fovea-eval-XXXXXX").string();
    if (mkdtemp(pattern.data())) m_path = pattern;
}

TemporaryProjectFolder::~TemporaryProjectFolder() {
    std::error_code ec;
    if (!m_path.empty()) fs::remove_all(m_path, ec);
}

}  // namespace fovea::cli
