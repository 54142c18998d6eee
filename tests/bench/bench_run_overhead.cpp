// What a training run costs around its epochs: `fovea-cli train` of ResNet-18 (random weights,
// every block trainable) on 240 photographs at 224 px for 1 epoch, timed as a whole process,
// against the time its epoch took (the run's own figure, validation included). The difference is
// process start-up (libraries, network, project, loader) and the end of the run (checkpoint,
// summary and model, each written once, atomically). Median of 3 runs.
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "comparison_table.h"
#include "run_process.h"
#include "temp_folder.h"

namespace fs = std::filesystem;

namespace {

constexpr int kClasses = 3;
constexpr int kPerClass = 80;
constexpr int kRuns = 3;

[[noreturn]] void fail(const std::string& message) {
    std::printf("bench_run_overhead: %s\n", message.c_str());
    std::exit(1);
}

// kClasses x kPerClass 400x300 JPEG crops of the MATE wallpapers, one class per pair of photos.
void writePhotographs(const fs::path& folder) {
    std::vector<fs::path> sources;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator("/usr/share/backgrounds/mate/nature", error)) {
        if (entry.path().extension() == ".jpg") sources.push_back(entry.path());
    }
    if (sources.size() < 2) fail("no photographs (install mate-backgrounds)");
    std::sort(sources.begin(), sources.end());
    for (int c = 0; c < kClasses; ++c) {
        const fs::path classFolder = folder / ("class" + std::to_string(c));
        fs::create_directories(classFolder);
        const cv::Mat photo =
            cv::imread(sources[static_cast<std::size_t>(c) % sources.size()].string(),
                       cv::IMREAD_REDUCED_COLOR_2);
        if (photo.empty()) fail("cannot read a photograph");
        for (int i = 0; i < kPerClass; ++i) {
            const int width = std::min(photo.cols, photo.rows * 4 / 3) * (4 + i % 6) / 10;
            const int height = width * 3 / 4;
            const cv::Rect area((photo.cols - width) * (i % 7) / 6,
                                (photo.rows - height) * (i % 5) / 4, width, height);
            cv::Mat crop;
            cv::resize(photo(area), crop, cv::Size(400, 300), 0, 0, cv::INTER_AREA);
            const fs::path file = classFolder / ("img" + std::to_string(i) + ".jpg");
            if (!cv::imwrite(file.string(), crop, {cv::IMWRITE_JPEG_QUALITY, 90})) {
                fail("cannot write " + file.string());
            }
        }
    }
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

}  // namespace

int main() {
    const fovea::test::TempFolder folder("fovea-bench-overhead");
    writePhotographs(folder.path() / "data");
    std::printf(
        "fovea-cli train: resnet18, random weights, every block trainable, %d photographs "
        "400x300, 224 px, 1 epoch, batch 32; median of %d runs\n",
        kClasses * kPerClass, kRuns);
    std::fflush(stdout);

    std::vector<double> wall, epoch, outside;
    for (int run = 0; run < kRuns; ++run) {
        const fs::path out = folder.path() / ("run" + std::to_string(run));
        const auto start = std::chrono::steady_clock::now();
        const auto result = fovea::test::runProcess(
            fovea::test::foveaBinary("fovea-cli"),
            {"train", "--data", (folder.path() / "data").string(), "--out", out.string(), "--arch",
             "resnet18", "--weights", "none", "--epochs", "1", "--image-size", "224", "--json"});
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (result.exitCode != 0) fail("training failed:\n" + result.output);
        const auto json = nlohmann::json::parse(result.output);
        std::ifstream summaryFile(out / "summary.json");
        const auto summary = nlohmann::json::parse(summaryFile);
        double epochs = 0;
        for (const auto& row : summary.at("history")) epochs += row.at("seconds").get<double>();
        wall.push_back(seconds);
        epoch.push_back(epochs);
        outside.push_back(seconds - epochs);
        std::printf("  run %d: %.2f s in all, the epoch %.2f s, outside it %.2f s (%s, %s)\n",
                    run + 1, seconds, epochs, seconds - epochs,
                    json.at("precision").get<std::string>().c_str(),
                    json.at("channels_last").get<bool>() ? "channels-last" : "default layout");
        std::fflush(stdout);
    }
    std::printf("median: %.2f s in all, the epoch %.2f s, outside it %.2f s (%.0f%%)\n",
                median(wall), median(epoch), median(outside), 100 * median(outside) / median(wall));
    fovea::test::writeBenchJson("bench_run_overhead", {{"seconds", median(wall)},
                                                       {"epoch_seconds", median(epoch)},
                                                       {"outside_epoch_seconds", median(outside)}});
    return 0;
}
