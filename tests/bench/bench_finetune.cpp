// Full fine-tuning (nothing frozen, so the feature cache has nothing to do) of ResNet-18 at 224 px
// on 160 Fashion-MNIST PNGs, 2 epochs after one warm-up batch: Fovea's loader + trainer against
// the plain torchvision loop a user would write, measured in the same run. What is compared is
// the training engine itself: the same network, arithmetic, thread count and BLAS on both sides.
//
// Both sides: torchvision's ResNet-18 with random initialisation (the time does not depend on
// the weights' values; it keeps the benchmark offline), Resize(256) + RandomResizedCrop(224,
// scale 0.35-1) + horizontal flip + ImageNet normalisation drawn afresh every epoch, batch 16,
// 2 loader workers, SGD(lr 0.01, momentum 0.9) on every parameter, fp32.
#include <sys/resource.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fashion_mnist_images.h"
#include "fovea/core/blas_probe.h"
#include "fovea/core/loader/image_batch_loader.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/project/fashion_mnist.h"
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
constexpr double kGoal = 1.1;

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

}  // namespace

int main() {
    const int threads = configureIntraOpThreads();
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
        "full fine-tuning: resnet18 (torchvision layout, random initialisation), all blocks "
        "trainable, fp32;\n"
        "%zu Fashion-MNIST PNGs (28x28 grey, upscaled), Resize(256) + RandomResizedCrop(224, "
        "0.35-1) + flip;\n"
        "1 warm-up batch, then %d epochs, batch %d, %d loader workers, SGD(lr 0.01, momentum "
        "0.9)\n"
        "intra-op threads: %d; BLAS: %s; load average before the run: %.2f %.2f %.2f\n",
        images.size(), kEpochs, kBatch, kWorkers, threads, blas.name.c_str(), load[0], load[1],
        load[2]);
    std::fflush(stdout);

    const auto python = fovea::test::runProcess(
        "/usr/bin/python3",
        {fovea::test::foveaSourceDir() + "/tests/bench/bench_finetune.py", folder.path().string(),
         std::to_string(kEpochs), std::to_string(kBatch), std::to_string(kWorkers),
         std::to_string(threads)});
    if (python.exitCode != 0) fail("the Python reference failed:\n" + python.output);
    const auto reference = nlohmann::json::parse(python.output);

    torch::manual_seed(0);
    auto created = createNetwork("resnet18", 10);
    if (!created) fail(created.error().message);
    NetworkPtr network = created.value();
    const ParameterCounts parameters = countParameters(*network);

    // One warm-up batch (its own trainer, so its own optimizer), as on the Python side.
    const std::vector<LabeledImage> warmUp(images.begin(), images.begin() + kBatch);
    (void)train(network, warmUp, 1);

    const auto start = std::chrono::steady_clock::now();
    const double cpuStart = cpuSeconds();
    const TrainingSummary summary = train(network, images, kEpochs);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double foveaCpu = cpuSeconds() - cpuStart;
    if (intraOpThreads() != threads) fail("the intra-op thread count changed during training");
    const auto trained = summary.epochsCompleted * static_cast<std::int64_t>(images.size());
    const double foveaRate = trained / seconds;
    const double pythonRate = reference["images_per_second"].get<double>();
    getloadavg(load, 3);

    std::printf(
        "same network: Fovea %lld parameters (%lld trainable); torchvision %lld (%lld "
        "trainable)\n"
        "  Python: torch %s, torchvision %s, BLAS %s, %d threads\n",
        static_cast<long long>(parameters.total), static_cast<long long>(parameters.trainable),
        reference["parameters"].get<long long>(),
        reference["trainable_parameters"].get<long long>(),
        reference["torch"].get<std::string>().c_str(),
        reference["torchvision"].get<std::string>().c_str(),
        reference["blas"].get<std::string>().c_str(), reference["threads"].get<int>());
    std::printf(
        "  Python ImageFolder+DataLoader+torchvision loop: %6.1f s, %6.2f images/s "
        "(%lld images; last epoch loss %.4f, accuracy %.3f)\n",
        reference["seconds"].get<double>(), pythonRate, reference["images"].get<long long>(),
        reference["last_epoch_loss"].get<double>(), reference["last_epoch_accuracy"].get<double>());
    const EpochReport& last = summary.history.back();
    std::printf(
        "  Fovea ImageBatchLoader+Trainer:                 %6.1f s, %6.2f images/s "
        "(%lld images; last epoch loss %.4f, accuracy %.3f)\n",
        seconds, foveaRate, static_cast<long long>(trained), last.trainLoss, last.trainAccuracy);
    std::printf("  ratio Fovea/Python: %.2fx (goal >= %.1fx)%s\n", foveaRate / pythonRate, kGoal,
                foveaRate / pythonRate >= kGoal ? "" : "  GOAL MISSED");
    const double pythonCpu = reference["cpu_seconds"].get<double>();
    std::printf(
        "  CPU time (user+sys, all threads and workers; less sensitive to other load): Python "
        "%.1f s, Fovea %.1f s, ratio %.2fx\n",
        pythonCpu, foveaCpu, pythonCpu / foveaCpu);
    std::printf("load average after the run: %.2f %.2f %.2f\n", load[0], load[1], load[2]);
    return 0;
}
