// `fovea-cli predict` of 200 photographs with MobileNetV2, the whole command (process start,
// model load, decoding, forward passes, printing), against the Python script a user would
// write, plain (fp32, default layout) and tuned (channels-last + bf16 autocast), each timed as
// a whole process in the same run. Fovea runs twice: in its default fp32 (channels-last) and
// with --precision bf16, which also runs its agreement sample in fp32 and prints the agreement.
//
// The images: 800x600 JPEG crops of Debian's MATE wallpapers (natural photographs), written
// once by the benchmark. Both sides use random weights of the same network (the time does not
// depend on their values), batch 32 and 2 decoding workers.
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "comparison_table.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/session/trained_model.h"
#include "run_process.h"
#include "temp_folder.h"

namespace fs = std::filesystem;
using namespace fovea::core;

namespace {

constexpr int kImages = 200;
constexpr int kBatch = 32;
constexpr int kWorkers = 2;

[[noreturn]] void fail(const std::string& message) {
    std::printf("bench_predict: %s\n", message.c_str());
    std::exit(1);
}

// kImages crops of the wallpapers, 4:3, at spread positions and scales, as 800x600 JPEGs.
std::vector<std::string> writePhotographs(const fs::path& folder) {
    std::vector<fs::path> sources;
    for (const char* wallpapers : {"/usr/share/backgrounds/mate/nature"}) {
        if (!fs::is_directory(wallpapers)) continue;
        for (const auto& entry : fs::directory_iterator(wallpapers)) {
            if (entry.path().extension() == ".jpg") sources.push_back(entry.path());
        }
    }
    if (sources.empty()) fail("no photographs (install mate-backgrounds)");
    std::sort(sources.begin(), sources.end());
    std::vector<std::string> files;
    for (std::size_t s = 0; s < sources.size() && files.size() < kImages; ++s) {
        const cv::Mat photo = cv::imread(sources[s].string(), cv::IMREAD_COLOR);
        if (photo.empty()) continue;
        const int perSource =
            (kImages + static_cast<int>(sources.size()) - 1) / static_cast<int>(sources.size());
        for (int i = 0; i < perSource && files.size() < kImages; ++i) {
            const double scale = 0.35 + 0.6 * ((i * 7) % 10) / 10.0;
            const int width = static_cast<int>(std::min(photo.cols, photo.rows * 4 / 3) * scale);
            const int height = width * 3 / 4;
            const int x = (photo.cols - width) * ((i * 3) % 7) / 6;
            const int y = (photo.rows - height) * ((i * 5) % 4) / 3;
            cv::Mat crop;
            cv::resize(photo(cv::Rect(x, y, width, height)), crop, cv::Size(800, 600), 0, 0,
                       cv::INTER_AREA);
            char name[32];
            std::snprintf(name, sizeof name, "photo%03zu.jpg", files.size());
            const fs::path file = folder / name;
            if (!cv::imwrite(file.string(), crop, {cv::IMWRITE_JPEG_QUALITY, 90})) {
                fail("cannot write " + file.string());
            }
            files.push_back(file.string());
        }
    }
    return files;
}

// Wall time of one whole process, which must print one line per image.
double timeProcess(const std::string& program, const std::vector<std::string>& args,
                   const std::string& what, std::string* output = nullptr) {
    const auto start = std::chrono::steady_clock::now();
    const auto run = fovea::test::runProcess(program, args);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (run.exitCode != 0) fail(what + " failed:\n" + run.output);
    const auto lines = std::count(run.output.begin(), run.output.end(), '\n');
    if (lines < kImages)
        fail(what + " printed " + std::to_string(lines) + " lines:\n" + run.output);
    if (output) *output = run.output;
    return seconds;
}

}  // namespace

int main() {
    const fovea::test::TempFolder folder("fovea-bench-predict");
    const std::vector<std::string> files = writePhotographs(folder.path());
    if (files.size() < kImages) fail("too few photographs");

    torch::manual_seed(0);
    auto network = createNetwork("mobilenet_v2", 10);
    if (!network) fail(network.error().message);
    std::vector<std::string> classes;
    for (int c = 0; c < 10; ++c) classes.push_back("class" + std::to_string(c));
    const fs::path model = folder.path() / "model.safetensors";
    if (auto saved = saveTrainedModel(model, *network.value(), classes); !saved) {
        fail(saved.error().message);
    }

    double load[3] = {0, 0, 0};
    getloadavg(load, 3);
    std::printf(
        "predict: mobilenet_v2 (10 classes, random weights), %d JPEG photographs 800x600,\n"
        "Resize(256) + CenterCrop(224), top-5, batch %d, %d decoding workers; whole process "
        "timed;\nload average before the run: %.2f %.2f %.2f\n",
        kImages, kBatch, kWorkers, load[0], load[1], load[2]);
    std::fflush(stdout);

    const std::string script = fovea::test::foveaSourceDir() + "/tests/bench/bench_predict.py";
    const auto python = [&](const std::string& mode) {
        std::vector<std::string> args = {script, mode, std::to_string(kBatch),
                                         std::to_string(kWorkers)};
        args.insert(args.end(), files.begin(), files.end());
        return timeProcess("/usr/bin/python3", args, "the Python " + mode + " script");
    };
    const auto fovea = [&](const std::string& precision, std::string* output) {
        std::vector<std::string> args = {"predict",
                                         "--model",
                                         model.string(),
                                         "--batch-size",
                                         std::to_string(kBatch),
                                         "--workers",
                                         std::to_string(kWorkers),
                                         "--precision",
                                         precision};
        args.insert(args.end(), files.begin(), files.end());
        return timeProcess(fovea::test::foveaBinary("fovea-cli"), args,
                           "fovea-cli predict --precision " + precision, output);
    };
    const double images = static_cast<double>(files.size());
    const fovea::test::BenchRow plain{"Python plain (fp32, default layout)", python("plain"),
                                      images};
    const fovea::test::BenchRow best{"Python best (channels-last, bf16 autocast)", python("best"),
                                     images};
    std::string bf16Output;
    const fovea::test::BenchRow fp32{"fovea-cli predict (fp32, channels-last)",
                                     fovea("fp32", nullptr), images};
    const fovea::test::BenchRow bf16{"fovea-cli predict --precision bf16",
                                     fovea("bf16", &bf16Output), images};

    const fovea::test::Comparison inFp32{
        "predict, Fovea in fp32 (its default)", plain, best, fp32, 2.0, 0};
    const fovea::test::Comparison inBf16{"predict, Fovea in bf16", plain, best, bf16, 0, 1.0};
    fovea::test::printComparison(inFp32);
    fovea::test::printComparison(inBf16);
    const auto agreement = bf16Output.find("Ran in bf16");
    if (agreement != std::string::npos) {
        std::printf("  fovea-cli: %s", bf16Output.substr(agreement).c_str());
    }
    getloadavg(load, 3);
    std::printf("load average after the run: %.2f %.2f %.2f\n", load[0], load[1], load[2]);
    fovea::test::writeBenchJson(
        "bench_predict",
        {{"comparisons", {toJson(inFp32), toJson(inBf16)}},
         {"bf16_agreement", agreement == std::string::npos ? "" : bf16Output.substr(agreement)}});
    return 0;
}
