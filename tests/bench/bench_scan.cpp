// Folder import at scale: 100,000 small image files in 100 class folders, imported into a
// fresh project, then rescanned unchanged, then rescanned after 1% new files. Prints files/s.
//   bench_scan [file count, default 100000]
// The files are hard links to one tiny PNG per class (ext4 allows 65,000 links per inode), so
// the tree costs little disk; the import still lists, stats and probes every path.
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <system_error>

#include "fovea/core/project/folder_import.h"
#include "fovea/core/project/project_store.h"
#include "temp_folder.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kClasses = 100;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

bool linkOrCopy(const fs::path& source, const fs::path& target) {
    std::error_code ec;
    fs::create_hard_link(source, target, ec);
    if (ec) fs::copy_file(source, target, ec);
    return !ec;
}

bool makeTree(const fs::path& root, int files) {
    const int perClass = (files + kClasses - 1) / kClasses;
    int made = 0;
    for (int c = 0; c < kClasses && made < files; ++c) {
        char name[32];
        std::snprintf(name, sizeof name, "class_%03d", c);
        const fs::path folder = root / name;
        fs::create_directories(folder);
        const fs::path first = folder / "img_00000.png";
        cv::Mat pixels(8, 8, CV_8UC3, cv::Scalar(c, 255 - c, 128));
        if (!cv::imwrite(first.string(), pixels)) return false;
        ++made;
        for (int i = 1; i < perClass && made < files; ++i, ++made) {
            char file[32];
            std::snprintf(file, sizeof file, "img_%05d.png", i);
            if (!linkOrCopy(first, folder / file)) return false;
        }
    }
    return true;
}

// When each phase (listing, probing, saving) began, from the progress callback.
struct PhaseClock {
    Clock::time_point start = Clock::now();
    double began[3] = {0, -1, -1};
    fovea::core::ImportProgressCallback callback() {
        return [this](const fovea::core::ImportProgress& progress) {
            const auto phase = static_cast<int>(progress.phase);
            if (began[phase] < 0) began[phase] = secondsSince(start);
        };
    }
};

void printReport(const char* what, const fovea::core::ImportReport& report, double seconds,
                 const PhaseClock& phases) {
    std::printf("%-24s %6.2f s %9.0f files/s (found %zu, added %zu, unreadable %zu)\n", what,
                seconds, static_cast<double>(report.found) / seconds, report.found, report.added,
                report.unreadable.size());
    const double probing = phases.began[1] < 0 ? phases.began[2] : phases.began[1];
    std::printf("%-24s listing+stat %.2f s, probing %.2f s, saving %.2f s\n", "", probing,
                phases.began[2] - probing, seconds - phases.began[2]);
}

}  // namespace

int main(int argc, char** argv) {
    const int files = argc > 1 ? std::atoi(argv[1]) : 100000;
    if (files <= 0) {
        std::fprintf(stderr, "usage: %s [file count > 0]\n", argv[0]);
        return 2;
    }
    // Removed however main returns.
    const fovea::test::TempFolder temp("fovea-bench-scan");
    const fs::path root = temp / "data";

    auto start = Clock::now();
    if (!makeTree(root, files)) {
        std::fprintf(stderr, "cannot create the files in %s\n", root.c_str());
        return 1;
    }
    std::printf("bench_scan: %d files in %d class folders under %s (made in %.2f s)\n", files,
                kClasses, root.c_str(), secondsSince(start));

    auto store = fovea::core::ProjectStore::create(temp / "project");
    if (!store) {
        std::fprintf(stderr, "%s\n", store.error().message.c_str());
        return 1;
    }

    PhaseClock firstPhases;
    fovea::core::FolderImportOptions options;
    options.progress = firstPhases.callback();
    start = Clock::now();
    auto first = fovea::core::importFolder(store.value(), root, options);
    const double firstSeconds = secondsSince(start);
    if (!first) {
        std::fprintf(stderr, "%s\n", first.error().message.c_str());
        return 1;
    }
    printReport("first import", first.value(), firstSeconds, firstPhases);
    if (first.value().added != static_cast<std::size_t>(files) ||
        !first.value().unreadable.empty()) {
        std::fprintf(stderr, "the first import did not add every file cleanly\n");
        return 1;
    }

    PhaseClock rescanPhases;
    fovea::core::RescanOptions rescanOptions;
    rescanOptions.progress = rescanPhases.callback();
    start = Clock::now();
    auto rescan = fovea::core::rescanProject(store.value(), rescanOptions);
    const double rescanSeconds = secondsSince(start);
    if (!rescan) {
        std::fprintf(stderr, "%s\n", rescan.error().message.c_str());
        return 1;
    }
    printReport("rescan, nothing changed", rescan.value(), rescanSeconds, rescanPhases);

    // 1% new files, spread over the classes.
    const int extra = std::max(1, files / 100);
    for (int i = 0; i < extra; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "class_%03d", i % kClasses);
        char file[32];
        std::snprintf(file, sizeof file, "new_%05d.png", i);
        if (!linkOrCopy(root / name / "img_00000.png", root / name / file)) return 1;
    }
    PhaseClock grownPhases;
    rescanOptions.progress = grownPhases.callback();
    start = Clock::now();
    auto grown = fovea::core::rescanProject(store.value(), rescanOptions);
    const double grownSeconds = secondsSince(start);
    if (!grown) {
        std::fprintf(stderr, "%s\n", grown.error().message.c_str());
        return 1;
    }
    printReport("rescan, 1% new files", grown.value(), grownSeconds, grownPhases);
    return grown.value().added == static_cast<std::size_t>(extra) ? 0 : 1;
}
