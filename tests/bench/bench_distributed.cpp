// What distributed training costs on one machine: the same fovea-cli train run (ResNet-18 from
// random weights, every block trainable, 600 Fashion-MNIST images at 96 px, 3 epochs, a global
// batch of 32) as one process with 2 threads, and as two ranks of 1 thread each with batch 16
// (RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT on 127.0.0.1, as torchrun sets them). Training
// images/s from the runs' own epoch times; the ratio is the price of the process group
// (gradient all-reduce each step, the sharded epoch) against threads sharing one process.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "comparison_table.h"
#include "fovea/core/project/fashion_mnist.h"
#include "free_port.h"
#include "run_process.h"
#include "temp_folder.h"

namespace fs = std::filesystem;

namespace {

constexpr int kEpochs = 3;

[[noreturn]] void fail(const std::string& message) {
    std::printf("bench_distributed: %s\n", message.c_str());
    std::exit(1);
}

std::vector<std::string> trainArgs(const fs::path& data, const fs::path& out, int batch) {
    return {"train",
            "--data",
            data.string(),
            "--out",
            out.string(),
            "--arch",
            "resnet18",
            "--weights",
            "none",
            "--epochs",
            std::to_string(kEpochs),
            "--image-size",
            "96",
            "--batch-size",
            std::to_string(batch),
            "--augment",
            "none",
            "--json"};
}

// Training images per second over the run's epochs (its summary.json, rank 0's).
double imagesPerSecond(const fs::path& run) {
    std::ifstream file(run / "summary.json");
    const auto summary = nlohmann::json::parse(file);
    double seconds = 0;
    for (const auto& row : summary.at("history")) seconds += row.at("seconds").get<double>();
    std::ifstream configFile(run / "config.json");
    const auto config = nlohmann::json::parse(configFile);
    return kEpochs * config.at("images").at("train").get<double>() / seconds;
}

}  // namespace

int main() {
    const fovea::test::TempFolder folder("fovea-bench-distributed");
    const fs::path data = folder.path() / "data";
    fovea::core::FashionMnistFolderOptions options;
    options.imagesPerClass = 60;
    if (!fovea::core::writeFashionMnistFolder(data, options)) {
        fail("no Fashion-MNIST images (install dataset-fashion-mnist)");
    }
    const std::string cli = fovea::test::foveaBinary("fovea-cli");
    const fs::path single = folder.path() / "single";
    const auto one =
        fovea::test::runProcess(cli, trainArgs(data, single, 32), {"OMP_NUM_THREADS=2"}, true);
    if (one.exitCode != 0) fail("one process failed:\n" + one.output);

    const fs::path group = folder.path() / "group";
    const int port = fovea::test::freeLoopbackPort();
    std::vector<std::future<fovea::test::ProcessResult>> ranks;
    for (int rank = 0; rank < 2; ++rank) {
        ranks.push_back(std::async(std::launch::async, [&, rank] {
            return fovea::test::runProcess(
                cli, trainArgs(data, group, 16),
                {"OMP_NUM_THREADS=1", "RANK=" + std::to_string(rank), "WORLD_SIZE=2",
                 "LOCAL_RANK=" + std::to_string(rank), "MASTER_ADDR=127.0.0.1",
                 "MASTER_PORT=" + std::to_string(port)},
                true);
        }));
    }
    for (auto& rank : ranks) {
        const auto result = rank.get();
        if (result.exitCode != 0) fail("a rank failed:\n" + result.output);
    }

    const double threads = imagesPerSecond(single);
    const double processes = imagesPerSecond(group);
    std::printf(
        "resnet18 training, 96 px, global batch 32, %d epochs:\n"
        "  1 process x 2 threads: %.1f img/s\n"
        "  2 processes x 1 thread (c10d Gloo on 127.0.0.1): %.1f img/s\n"
        "  ratio (processes / threads): %.2fx\n",
        kEpochs, threads, processes, processes / threads);
    fovea::test::writeBenchJson("bench_distributed",
                                {{"one_process_two_threads_images_per_second", threads},
                                 {"two_processes_one_thread_images_per_second", processes},
                                 {"ratio", processes / threads}});
    return 0;
}
