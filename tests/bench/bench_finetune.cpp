// Full fine-tuning (nothing frozen, so the feature cache has nothing to do) of ResNet-18 and
// MobileNetV2 at 224 px on 160 Fashion-MNIST PNGs, 2 epochs after one warm-up batch: Fovea's
// loader + trainer with its defaults (channels-last; bf16 mixed precision where the CPU computes
// bf16 natively) against the Python loop a user would write, plain (fp32, default layout) and
// tuned (channels-last + bf16 autocast where torch can train the network so), measured in the
// same run with the same thread count and BLAS.
//
// Every side: the torchvision network with random initialisation (the time does not depend on
// the weights' values; it keeps the benchmark offline), Resize(256) + RandomResizedCrop(224,
// scale 0.35-1) + horizontal flip + ImageNet normalisation drawn afresh every epoch, batch 16,
// 2 loader workers, SGD(lr 0.01, momentum 0.9) on every parameter.
#include <sys/resource.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "comparison_table.h"
#include "fashion_mnist_images.h"
#include "fovea/core/blas_probe.h"
#include "fovea/core/loader/image_batch_loader.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/project/fashion_mnist.h"
#include "fovea/core/tensor_memory.h"
#include "fovea/core/threads.h"
#include "fovea/core/training/trainer.h"
#include "run_process.h"
#include "temp_folder.h"

using namespace fovea::core;

namespace {

constexpr int kImagesPerClass = 16;  // x 10 classes
constexpr int kEpochs = 2;
constexpr int kBatch = 16;
constexpr int kWorkers = 2;

// The networks measured, with the goals over plain and over tuned Python (0: none).
struct Network {
    const char* name;
    double goalOverPlain;
    double goalOverBest;
};
constexpr Network kNetworks[] = {{"resnet18", 2.5, 1.0}, {"mobilenet_v2", 2.0, 0}};

[[noreturn]] void fail(const std::string& message) {
    std::printf("bench_finetune: %s\n", message.c_str());
    std::exit(1);
}

// User + system CPU time of this process, all threads (the loader's workers included): less
// sensitive than wall time to other processes sharing the cores.
double cpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

TrainingConfig fineTuningConfig(std::int64_t epochs) {
    TrainingConfig config;
    config.epochs = epochs;
    config.optimizer = OptimizerKind::Sgd;
    config.learningRate = 0.01;
    config.momentum = 0.9;
    config.weightDecay = 0;  // as the Python loop's plain SGD
    config.device = DevicePreference::Cpu;
    config.featureCache = false;  // nothing is frozen
    config.checkpointEveryEpochs = 0;
    return config;
}

LoaderOptions loaderOptions() {
    LoaderOptions loading;
    loading.batchSize = kBatch;
    loading.workers = kWorkers;
    // As fovea-cli train: the decoded, resized image is kept; the crop and flip are drawn
    // afresh every epoch (augmentationVariants 0), as torchvision's transforms are.
    loading.cacheBytes = std::size_t{512} << 20;
    loading.channelsLast = true;  // as fovea-cli train asks for a convolutional network
    return loading;
}

TrainingSummary train(NetworkPtr network, const std::vector<LabeledImage>& images,
                      std::int64_t epochs) {
    ImageBatchLoader loader(images, Preprocessing{256, 224},
                            augmentationPreset(AugmentationLevel::Light), loaderOptions());
    Trainer trainer(std::move(network), fineTuningConfig(epochs), {&loader, nullptr, {}, {}});
    TrainingControl control;
    auto summary = trainer.run(control);
    if (!summary) fail("Fovea's training failed: " + summary.error().message);
    return summary.value();
}

struct FoveaRun {
    fovea::test::BenchRow row;
    TrainingSummary summary;
    double cpuSeconds = 0;
};

FoveaRun runFovea(const std::string& architecture, const std::vector<LabeledImage>& images) {
    torch::manual_seed(0);
    auto created = createNetwork(architecture, 10);
    if (!created) fail(created.error().message);
    NetworkPtr network = created.value();
    // One warm-up batch (its own trainer, so its own optimizer), as on the Python side.
    const std::vector<LabeledImage> warmUp(images.begin(), images.begin() + kBatch);
    (void)train(network, warmUp, 1);

    const auto start = std::chrono::steady_clock::now();
    const double cpuStart = cpuSeconds();
    FoveaRun run;
    run.summary = train(network, images, kEpochs);
    run.row.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    run.cpuSeconds = cpuSeconds() - cpuStart;
    run.row.images = static_cast<double>(run.summary.epochsCompleted) * images.size();
    run.row.name = "Fovea (" + std::string(precisionName(run.summary.precision)) +
                   (run.summary.channelsLast ? ", channels-last)" : ", default layout)");
    return run;
}

nlohmann::json runPython(const fovea::test::TempFolder& folder, const std::string& architecture,
                         const std::string& mode, int threads) {
    const auto python = fovea::test::runProcess(
        "/usr/bin/python3",
        {fovea::test::foveaSourceDir() + "/tests/bench/bench_finetune.py", folder.path().string(),
         std::to_string(kEpochs), std::to_string(kBatch), std::to_string(kWorkers),
         std::to_string(threads), architecture, mode});
    if (python.exitCode != 0) fail("the Python " + mode + " loop failed:\n" + python.output);
    return nlohmann::json::parse(python.output);
}

fovea::test::BenchRow pythonRow(const nlohmann::json& reference) {
    std::string name = reference["channels_last"].get<bool>() ? "Python best (channels-last"
                                                              : "Python plain (default layout";
    name += reference["bf16"].get<bool>() ? ", bf16 autocast)" : ", fp32)";
    return {name, reference["seconds"].get<double>(), reference["images"].get<double>()};
}

}  // namespace

int main() {
    const int threads = configureIntraOpThreads();
    adviseHugePagesForLargeTensors();  // as both executables do
    const BlasInfo blas = probeBlas();
    double load[3] = {0, 0, 0};
    getloadavg(load, 3);

    const fovea::test::TempFolder folder("fovea-bench-finetune");
    FashionMnistFolderOptions dataOptions;
    dataOptions.imagesPerClass = kImagesPerClass;
    auto written = fovea::test::writeFashionMnistImages(folder.path(), dataOptions);
    if (!written) fail(written.error().message);
    const std::vector<LabeledImage> images = std::move(written).value();

    std::printf(
        "full fine-tuning, all blocks trainable, random initialisation;\n"
        "%zu Fashion-MNIST PNGs (28x28 grey, upscaled), Resize(256) + RandomResizedCrop(224, "
        "0.35-1) + flip;\n"
        "1 warm-up batch, then %d epochs, batch %d, %d loader workers, SGD(lr 0.01, momentum "
        "0.9)\n"
        "intra-op threads: %d; BLAS: %s; load average before the run: %.2f %.2f %.2f\n",
        images.size(), kEpochs, kBatch, kWorkers, threads, blas.name.c_str(), load[0], load[1],
        load[2]);
    std::fflush(stdout);

    nlohmann::json results = nlohmann::json::array();
    for (const Network& network : kNetworks) {
        const nlohmann::json plain = runPython(folder, network.name, "plain", threads);
        const nlohmann::json best = runPython(folder, network.name, "best", threads);
        const FoveaRun fovea = runFovea(network.name, images);
        if (intraOpThreads() != threads) fail("the intra-op thread count changed in training");

        const fovea::test::Comparison comparison{std::string("full fine-tuning of ") +
                                                     network.name + " (torch " +
                                                     plain["torch"].get<std::string>() + ", BLAS " +
                                                     plain["blas"].get<std::string>() + ")",
                                                 pythonRow(plain),
                                                 pythonRow(best),
                                                 fovea.row,
                                                 network.goalOverPlain,
                                                 network.goalOverBest};
        fovea::test::printComparison(comparison);
        if (!best["note"].get<std::string>().empty()) {
            std::printf("  Python best: %s\n", best["note"].get<std::string>().c_str());
        }
        const EpochReport& last = fovea.summary.history.back();
        std::printf(
            "  last epoch loss / accuracy: plain %.4f / %.3f, best %.4f / %.3f, Fovea %.4f / "
            "%.3f\n"
            "  CPU time (user+sys, all threads and workers): plain %.1f s, best %.1f s, Fovea "
            "%.1f s\n",
            plain["last_epoch_loss"].get<double>(), plain["last_epoch_accuracy"].get<double>(),
            best["last_epoch_loss"].get<double>(), best["last_epoch_accuracy"].get<double>(),
            last.trainLoss, last.trainAccuracy, plain["cpu_seconds"].get<double>(),
            best["cpu_seconds"].get<double>(), fovea.cpuSeconds);
        std::fflush(stdout);
        nlohmann::json entry = toJson(comparison);
        entry["python_best_note"] = best["note"];
        results.push_back(entry);
    }
    getloadavg(load, 3);
    std::printf("load average after the run: %.2f %.2f %.2f\n", load[0], load[1], load[2]);
    fovea::test::writeBenchJson("bench_finetune", {{"comparisons", results}});
    return 0;
}
