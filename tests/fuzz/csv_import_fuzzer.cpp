// libFuzzer target: the CSV reader (csv_format) and the label import (csv_labels) on a fresh
// project per input. The base folder holds a few real images, a sub-folder and a symbolic link
// that points outside it, so rows can name files that exist, escape the folder, or go through
// the link.

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>

#include "fovea/core/project/csv_format.h"
#include "fovea/core/project/csv_labels.h"
#include "fovea/core/project/project_store.h"
#include "fuzz_support.h"

namespace fs = std::filesystem;
using namespace fovea::core;

namespace {

struct Folders {
    fs::path images;   // the CSV and its images
    fs::path project;  // recreated for every input
};

const Folders& folders() {
    static const Folders f = [] {
        const fs::path root = fovea::fuzz::scratchFolder("csv");
        Folders made{root / "images", root / "project"};
        fs::create_directories(made.images / "sub");
        const cv::Mat pixels(4, 6, CV_8UC3, cv::Scalar(10, 200, 30));
        if (!cv::imwrite((made.images / "a.png").string(), pixels) ||
            !cv::imwrite((made.images / "b.jpg").string(), pixels) ||
            !cv::imwrite((made.images / "sub" / "c.png").string(), pixels) ||
            !cv::imwrite((root / "outside.png").string(), pixels)) {
            std::abort();
        }
        fovea::fuzz::writeBytes(made.images / "not-an-image.png",
                                reinterpret_cast<const std::uint8_t*>("text"), 4);
        fs::create_symlink(root / "outside.png", made.images / "link.png");
        fs::create_directory_symlink(root, made.images / "up");
        return made;
    }();
    return f;
}

// Records written back with csvLine must parse to the same fields (a round trip through the
// writer Fovea uses for exports).
void checkRoundTrip(const CsvRecord& record) {
    if (record.fields.empty()) std::abort();
    // A leading byte order mark is dropped by the reader: only the file's first bytes can be one.
    if (record.fields[0].rfind("\xEF\xBB\xBF", 0) == 0) return;
    const std::string line = csvLine(record.fields);
    auto again = parseCsv(line, "round trip");
    if (!again.ok() || again.value().size() != 1 || again.value()[0].fields != record.fields) {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Folders& f = folders();
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    auto records = parseCsv(text, "fuzz.csv");
    if (records.ok()) {
        std::size_t previousLine = 0;
        for (const CsvRecord& record : records.value()) {
            if (record.line <= previousLine) std::abort();  // lines go forward
            previousLine = record.line;
            checkRoundTrip(record);
        }
    } else if (records.error().message.find("fuzz.csv") == std::string::npos) {
        std::abort();  // every error names the file
    }

    const fs::path csv = f.images / "labels.csv";
    fovea::fuzz::writeBytes(csv, data, size);
    std::error_code ec;
    fs::remove_all(f.project, ec);
    auto store = ProjectStore::create(f.project);
    if (!store.ok()) std::abort();
    for (const bool replace : {false, true}) {
        CsvImportOptions options;
        options.replaceExisting = replace;
        auto report = importCsv(store.value(), csv, options);
        if (!report.ok()) {
            fovea::fuzz::showError(report.error().message);
            continue;
        }
        for (const auto& problem : report.value().problems) {
            if (problem.message.find("labels.csv, line ") != 0) std::abort();
        }
    }
    // Whatever was imported must read back, and must lie inside the base folder.
    auto images = store.value().images();
    auto classes = store.value().classes();
    auto counts = store.value().classCounts();
    if (!images.ok() || !classes.ok() || !counts.ok()) std::abort();
    for (const auto& image : images.value()) {
        const fs::path real = fs::weakly_canonical(image.path, ec);
        const fs::path base = fs::weakly_canonical(f.images, ec);
        const auto [end, unused] = std::mismatch(base.begin(), base.end(), real.begin());
        if (end != base.end()) std::abort();
    }
    return 0;
}
