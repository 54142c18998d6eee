// Does the fast path keep accuracy? The same real fine-tuning run, 3 seeds each, in float32 and
// in the fast path (--precision auto: bf16 mixed precision where the hardware computes bf16
// natively; channels-last): validation accuracy, per-step training losses against float32's,
// and speed.
//
// The run: the offline default weights (nsfwjs' ImageNet MobileNetV2, `fovea-cli
// prepare-offline-weights`), every block trainable, 128 px, 60 training images per class of
// Fashion-MNIST's training part and 30 validation images per class of its test part, light
// augmentation, AdamW 1e-3 with the default one-cycle schedule, batch 32, 2 epochs.
//
// Goals: the fast path's mean validation accuracy within the spread of the seeds (the larger
// max - min of the two precisions) of float32's; the per-step losses of the first epoch within
// 10% of float32's on average (the same seed, so the same batches and augmentations), or no
// further from them than rounding alone moves them: float32 in channels-last, which only sums
// in another order, measured in the same run as the baseline (tolerance: 1.5x its difference).
// Mini-batch losses are noisy and a run's trajectory drifts with any rounding change, so a
// fixed percentage alone says little; the baseline says how much of the difference is bf16's.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "comparison_table.h"
#include "fashion_mnist_images.h"
#include "fovea/core/loader/image_batch_loader.h"
#include "fovea/core/project/fashion_mnist.h"
#include "fovea/core/session/network_setup.h"
#include "fovea/core/tensor_memory.h"
#include "fovea/core/threads.h"
#include "fovea/core/training/trainer.h"
#include "temp_folder.h"

using namespace fovea::core;

namespace {

constexpr int kTrainPerClass = 60;
constexpr int kValidationPerClass = 30;
constexpr int kImageSize = 128;
constexpr int kEpochs = 2;
constexpr int kBatch = 32;
constexpr std::uint64_t kSeeds[] = {1, 2, 3};
constexpr double kStepLossTolerance = 0.10;  // mean relative difference, first epoch
constexpr double kRoundingFactor = 1.5;      // or within this factor of rounding alone

[[noreturn]] void fail(const std::string& message) {
    std::printf("bench_precision: %s\n", message.c_str());
    std::exit(1);
}

std::vector<LabeledImage> writeImages(const std::filesystem::path& folder, FashionMnistPart part,
                                      int perClass) {
    FashionMnistFolderOptions options;
    options.part = part;
    options.imagesPerClass = perClass;
    auto written = fovea::test::writeFashionMnistImages(folder, options);
    if (!written) fail(written.error().message);
    return std::move(written).value();
}

struct RunResult {
    Precision precision = Precision::Float32;  // what the run computed in
    bool channelsLast = false;
    double validationAccuracy = 0;
    std::vector<double> stepLosses;
    std::int64_t stepsInFirstEpoch = 0;
    double seconds = 0;
};

RunResult fineTune(const std::vector<LabeledImage>& train,
                   const std::vector<LabeledImage>& validation, std::uint64_t seed,
                   Precision precision, bool channelsLast) {
    NetworkChoice choice;
    choice.architecture = "mobilenet_v2_keras";
    choice.freeze = std::vector<std::string>{};  // every block trains
    choice.imageSize = kImageSize;
    auto prepared = prepareNetwork(choice, 10);
    if (!prepared) fail(prepared.error().message);
    NetworkPtr network = prepared.value().network;
    const Preprocessing preprocessing = network->preprocessing();

    LoaderOptions trainLoading;
    trainLoading.batchSize = kBatch;
    trainLoading.seed = seed;
    trainLoading.cacheBytes = std::size_t{256} << 20;
    ImageBatchLoader trainBatches(train, preprocessing,
                                  augmentationPreset(AugmentationLevel::Light), trainLoading);
    LoaderOptions validationLoading = trainLoading;
    validationLoading.shuffle = false;
    ImageBatchLoader validationBatches(
        validation, preprocessing, augmentationPreset(AugmentationLevel::None), validationLoading);

    TrainingConfig config;
    config.epochs = kEpochs;
    config.seed = seed;
    config.device = DevicePreference::Cpu;
    config.precision = precision;
    config.channelsLast = channelsLast;
    config.checkpointEveryEpochs = 0;
    Trainer trainer(network, config, {&trainBatches, &validationBatches, {}, {}});
    RunResult result;
    TrainingCallbacks callbacks;
    callbacks.onBatch = [&](const BatchProgress& progress) {
        result.stepLosses.push_back(progress.loss);
        if (progress.epoch == 0) result.stepsInFirstEpoch = progress.batch + 1;
    };
    TrainingControl control;
    const auto start = std::chrono::steady_clock::now();
    auto summary = trainer.run(control, callbacks);
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!summary) fail("training failed: " + summary.error().message);
    result.precision = summary.value().precision;
    result.channelsLast = summary.value().channelsLast;
    result.validationAccuracy = summary.value().history.back().validationAccuracy;
    return result;
}

// Mean relative difference of the first epoch's per-step losses of `other` from `reference`'s.
double firstEpochDifference(const RunResult& reference, const RunResult& other) {
    const std::int64_t steps = std::min<std::int64_t>(
        reference.stepsInFirstEpoch, static_cast<std::int64_t>(other.stepLosses.size()));
    double relative = 0;
    for (std::int64_t i = 0; i < steps; ++i) {
        relative +=
            std::abs(other.stepLosses[i] - reference.stepLosses[i]) / reference.stepLosses[i];
    }
    return relative / static_cast<double>(std::max<std::int64_t>(steps, 1));
}

double mean(const std::vector<double>& values) {
    double sum = 0;
    for (double v : values) sum += v;
    return values.empty() ? 0 : sum / static_cast<double>(values.size());
}

double range(const std::vector<double>& values) {
    const auto [low, high] = std::minmax_element(values.begin(), values.end());
    return *high - *low;
}

}  // namespace

int main() {
    const int threads = configureIntraOpThreads();
    adviseHugePagesForLargeTensors();  // as both executables do
    double load[3] = {0, 0, 0};
    getloadavg(load, 3);
    const fovea::test::TempFolder folder("fovea-bench-precision");
    const auto train =
        writeImages(folder.path() / "train", FashionMnistPart::Train, kTrainPerClass);
    const auto validation =
        writeImages(folder.path() / "validation", FashionMnistPart::Test, kValidationPerClass);
    std::printf(
        "fine-tuning mobilenet_v2_keras (offline ImageNet weights), every block trainable, %d px;\n"
        "%zu training and %zu validation Fashion-MNIST images, light augmentation, batch %d, "
        "%d epochs, AdamW 1e-3 one-cycle\n"
        "intra-op threads: %d; load average before: %.2f %.2f %.2f\n",
        kImageSize, train.size(), validation.size(), kBatch, kEpochs, threads, load[0], load[1],
        load[2]);
    std::fflush(stdout);

    std::vector<double> accuracyFp32, accuracyFast, stepDifference, roundingDifference, speedup;
    nlohmann::json seeds = nlohmann::json::array();
    std::string fastUsed;
    for (const std::uint64_t seed : kSeeds) {
        const RunResult fp32 = fineTune(train, validation, seed, Precision::Float32, false);
        const RunResult rounding = fineTune(train, validation, seed, Precision::Float32, true);
        const RunResult fast = fineTune(train, validation, seed, Precision::Auto, true);
        fastUsed = std::string(precisionName(fast.precision)) +
                   (fast.channelsLast ? ", channels-last" : ", default layout");
        const double relative = firstEpochDifference(fp32, fast);
        const double roundingAlone = firstEpochDifference(fp32, rounding);
        accuracyFp32.push_back(fp32.validationAccuracy);
        accuracyFast.push_back(fast.validationAccuracy);
        stepDifference.push_back(relative);
        roundingDifference.push_back(roundingAlone);
        speedup.push_back(fp32.seconds / fast.seconds);
        std::printf(
            "  seed %llu: validation accuracy fp32 %.4f, fast (%s) %.4f; first-epoch step "
            "losses differ by %.2f%% on average (fp32 channels-last, rounding alone: %.2f%%); "
            "%.1f s vs %.1f s (%.2fx)\n",
            static_cast<unsigned long long>(seed), fp32.validationAccuracy, fastUsed.c_str(),
            fast.validationAccuracy, 100 * relative, 100 * roundingAlone, fp32.seconds,
            fast.seconds, fp32.seconds / fast.seconds);
        std::fflush(stdout);
        seeds.push_back({{"seed", seed},
                         {"fp32_accuracy", fp32.validationAccuracy},
                         {"fast_accuracy", fast.validationAccuracy},
                         {"first_epoch_step_loss_difference", relative},
                         {"rounding_alone_step_loss_difference", roundingAlone},
                         {"fp32_seconds", fp32.seconds},
                         {"fast_seconds", fast.seconds}});
    }

    const double spread = std::max(range(accuracyFp32), range(accuracyFast));
    const double accuracyGap = mean(accuracyFast) - mean(accuracyFp32);
    const bool accuracyKept = std::abs(accuracyGap) <= spread;
    const bool lossesClose = mean(stepDifference) <= kStepLossTolerance ||
                             mean(stepDifference) <= kRoundingFactor * mean(roundingDifference);
    getloadavg(load, 3);
    std::printf(
        "fast path = %s\n"
        "mean validation accuracy: fp32 %.4f, fast %.4f (difference %+.4f; spread of seeds "
        "%.4f)%s\n"
        "first-epoch step losses: %.2f%% from fp32 on average; rounding alone %.2f%% "
        "(tolerance: %.0f%%, or %.1fx rounding alone)%s\n"
        "speed: fast path %.2fx fp32 (mean over seeds, whole run with validation)\n"
        "load average after: %.2f %.2f %.2f\n",
        fastUsed.c_str(), mean(accuracyFp32), mean(accuracyFast), accuracyGap, spread,
        accuracyKept ? "" : "  GOAL MISSED", 100 * mean(stepDifference),
        100 * mean(roundingDifference), 100 * kStepLossTolerance, kRoundingFactor,
        lossesClose ? "" : "  GOAL MISSED", mean(speedup), load[0], load[1], load[2]);
    fovea::test::writeBenchJson(
        "bench_precision",
        nlohmann::json{{"fast_path", fastUsed},
                       {"seeds", seeds},
                       {"accuracy_gap", accuracyGap},
                       {"seed_spread", spread},
                       {"mean_step_loss_difference", mean(stepDifference)},
                       {"mean_rounding_alone_difference", mean(roundingDifference)},
                       {"speedup", mean(speedup)}});
    return 0;
}
