#include "fovea/core/session/run_estimate.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>

#include "../tensor/training/device_setup.h"
#include "fovea/core/loader/image_batch_loader.h"
#include "fovea/core/session/network_setup.h"
#include "fovea/core/training/device_choice.h"
#include "fovea/core/training/optimizer_setup.h"

namespace fovea::core {

namespace {

using Clock = std::chrono::steady_clock;

// Enough images per measurement to time the kernels rather than their launch, few enough to
// answer in a second or two on two CPU cores. The fastest of the timed calls counts: other
// work on the machine (thumbnails, a browser) only ever adds time, and a mean of a few calls
// swung by a third from one estimate to the next while the workbench was busy.
constexpr std::int64_t kMeasuredBatch = 8;
constexpr int kTimedRepeats = 3;
// With augmentation the loader gives each image this many variants before repeating them
// (training_inputs.cpp), so the feature cache serves epochs from this one on.
constexpr std::int64_t kAugmentationVariants = 4;

bool cancelled(const std::atomic<bool>* cancel) { return cancel && cancel->load(); }

struct Timing {
    double secondsPerImage = 0;  // steady state
    // What the first call took beyond a steady one: kernels chosen and memory allocated for
    // new shapes, which a run pays again in its first epoch.
    double warmUpSeconds = 0;
};

// Times `work` on a batch: one warm-up call, then kTimedRepeats, of which the fastest counts.
template <class Work>
Result<Timing> timeWork(Work&& work, std::int64_t batch, const std::atomic<bool>* cancel) {
    const auto warmStart = Clock::now();
    if (auto warm = work(); !warm) return warm.error();
    const double warm = std::chrono::duration<double>(Clock::now() - warmStart).count();
    double fastest = warm;
    for (int i = 0; i < kTimedRepeats; ++i) {
        if (cancelled(cancel)) return Error{"estimate cancelled"};
        const auto start = Clock::now();
        if (auto done = work(); !done) return done.error();
        fastest = std::min(fastest, std::chrono::duration<double>(Clock::now() - start).count());
    }
    return Timing{fastest / static_cast<double>(batch), std::max(0.0, warm - fastest)};
}

// The trainer's decoded-image cache (training_inputs.cpp): images that fit are decoded once.
constexpr std::size_t kLoaderCacheBytes = std::size_t{512} << 20;

struct LoadingTiming {
    double firstSecondsPerImage = 0;  // read, decoded, resized and augmented
    double laterSecondsPerImage = 0;  // from the decoded-image cache: resized and augmented
    double cachedBytesPerImage = 0;
};

// Reads `samples` through the trainer's loader (its threads, preprocessing and augmentation):
// without a cache, every pass decodes the files; with one, passes after the first read the
// decoded images. Each is timed after an untimed pass (threads started, OpenCV's first-call
// set-up) and the fastest of kLoadingRepeats counts, as for the steps: other work on the
// machine only ever adds time.
constexpr int kLoadingRepeats = 2;

Result<LoadingTiming> timeLoading(const std::vector<std::filesystem::path>& samples,
                                  const Preprocessing& spec, AugmentationLevel augment, int workers,
                                  const std::atomic<bool>* cancel) {
    std::vector<LabeledImage> images;
    for (const auto& path : samples) {
        images.push_back({static_cast<std::int64_t>(images.size()), path, 0});
    }
    LoaderOptions options;
    options.batchSize = static_cast<int>(images.size());
    options.workers = workers;
    const auto fastestPass = [&](ImageBatchLoader& loader) -> Result<double> {
        double fastest = 0;
        for (int epoch = 0; epoch <= kLoadingRepeats; ++epoch) {
            if (cancelled(cancel)) return Error{"estimate cancelled"};
            const auto start = Clock::now();
            loader.startEpoch(epoch);
            while (loader.nextBatch()) {
            }
            const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
            if (epoch == 1 || (epoch > 1 && seconds < fastest)) fastest = seconds;
        }
        return fastest / static_cast<double>(images.size());
    };
    ImageBatchLoader decoding(images, spec, augmentationPreset(augment), options);
    auto decoded = fastestPass(decoding);
    if (!decoded) return decoded.error();
    options.cacheBytes = kLoaderCacheBytes;
    ImageBatchLoader cached(images, spec, augmentationPreset(augment), options);
    auto fromCache = fastestPass(cached);
    if (!fromCache) return fromCache.error();
    const LoaderCacheStats cache = cached.cacheStats();
    return LoadingTiming{decoded.value(), fromCache.value(),
                         cache.images > 0
                             ? static_cast<double>(cache.bytes) / static_cast<double>(cache.images)
                             : 0.0};
}

std::size_t frozenPrefixOf(const NetworkImpl& network) {
    std::size_t prefix = 0;
    while (prefix < network.blockCount() &&
           network.frozenBlocks().count(network.blocks()[prefix].name)) {
        ++prefix;
    }
    return prefix == network.blockCount() ? 0 : prefix;
}

}  // namespace

double estimatedSecondsFor(const RunTimeEstimate& e, std::int64_t epochs) {
    const std::int64_t uncached = std::min(epochs, e.uncachedEpochs);
    return e.warmUpSeconds + static_cast<double>(uncached) * e.fullEpochSeconds +
           static_cast<double>(epochs - uncached) * e.cachedEpochSeconds;
}

Result<RunTimeEstimate> estimateRunTime(const RunSettings& settings, std::int64_t classes,
                                        std::int64_t trainImages, std::int64_t validationImages,
                                        const std::vector<std::filesystem::path>& sampleImages,
                                        const std::atomic<bool>* cancel) {
    NetworkChoice choice = settings.network;
    if (choice.freeze) choice.weights = "none";  // no loading or downloading to time a step
    auto prepared = prepareNetwork(choice, std::max<std::int64_t>(classes, 2), {}, cancel);
    if (!prepared) return prepared.error();
    NetworkImpl& network = *prepared.value().network;
    auto device = resolveDevice(settings.training.device);
    if (!device) return device.error();
    TrainingConfig config = settings.training;
    config.precision = resolvePrecision(config.precision, device.value());
    const bool channelsLast = useChannelsLast(config, network);
    network.to(device.value());
    if (channelsLast) toChannelsLast(network);
    const std::int64_t size = network.preprocessing().cropSize;
    const std::int64_t batch = std::clamp<std::int64_t>(
        settings.batchSize == kAutoBatchSize ? kMeasuredBatch : settings.batchSize, 1,
        kMeasuredBatch);

    try {
        // The step as the trainer takes it: forward under autocast, the loss, backward and the
        // optimizer's update (AdamW's moment updates cost about as much as a small network's
        // backward pass, and an estimate without them came out half the run's time). The
        // network is this estimate's own, so its weights may change. A batch that does not fit
        // ends the estimate with the trainer's out-of-memory message.
        OptimizerSetup optimizer = makeOptimizer(network, config);
        torch::Tensor stepInput =
            torch::randn({batch, 3, size, size}, torch::TensorOptions().device(device.value()));
        if (channelsLast) stepInput = stepInput.contiguous(torch::MemoryFormat::ChannelsLast);
        const torch::Tensor targets =
            torch::randint(network.numClasses(), {batch},
                           torch::TensorOptions().dtype(torch::kInt64).device(device.value()));
        network.train(true);
        auto step = timeWork(
            [&]() -> Result<void> {
                try {
                    torch::Tensor logits;
                    {
                        AutocastGuard autocast(device.value(), config.precision);
                        logits = network.forward(stepInput);
                    }
                    const torch::Tensor loss = trainingLoss(logits, targets, config, {});
                    optimizer.optimizer->zero_grad();
                    backwardAndStep(loss, network, *optimizer.optimizer, config.gradientClipNorm,
                                    nullptr);
                    (void)loss.item<float>();  // waits for the device
                    return {};
                } catch (const c10::Error& e) {
                    if (!isOutOfMemory(e)) throw;
                    return Error{outOfMemoryMessage(device.value(), batch)};
                }
            },
            batch, cancel);
        if (!step) return step.error();

        torch::NoGradGuard noGrad;
        network.eval();
        torch::Tensor input =
            torch::randn({batch, 3, size, size}, torch::TensorOptions().device(device.value()));
        if (channelsLast) input = input.contiguous(torch::MemoryFormat::ChannelsLast);
        const std::size_t prefix = frozenPrefixOf(network);
        const auto forwardThrough = [&](std::size_t blocks) {
            return [&, blocks]() -> Result<void> {
                AutocastGuard autocast(device.value(), config.precision);
                (void)network.forwardBlocks(input, 0, blocks).sum().item<float>();
                return {};
            };
        };
        auto evaluation = timeWork(forwardThrough(network.blockCount()), batch, cancel);
        if (!evaluation) return evaluation.error();
        double prefixSeconds = 0;
        if (prefix > 0 && config.featureCache) {
            auto measured = timeWork(forwardThrough(prefix), batch, cancel);
            if (!measured) return measured.error();
            prefixSeconds = measured.value().secondsPerImage;
        }

        LoadingTiming loading;
        if (!sampleImages.empty()) {
            auto timed = timeLoading(sampleImages, network.preprocessing(), settings.augment,
                                     settings.workers, cancel);
            if (!timed) return timed.error();
            loading = timed.value();
        }

        RunTimeEstimate estimate;
        estimate.imageSize = static_cast<int>(size);
        estimate.device = device.value().str();
        const double stepSeconds = step.value().secondsPerImage;
        const double forwardSeconds = evaluation.value().secondsPerImage;
        estimate.trainingImagesPerSecond = 1.0 / stepSeconds;
        const double train = static_cast<double>(trainImages);
        const double validation = static_cast<double>(validationImages);
        // Images that fit the loader's cache are decoded in the first epoch only.
        const bool decodedOnce =
            (train + validation) * loading.cachedBytesPerImage <= double(kLoaderCacheBytes);
        const double loadSeconds =
            decodedOnce ? loading.laterSecondsPerImage : loading.firstSecondsPerImage;
        estimate.loadingSecondsPerImage = loading.firstSecondsPerImage;
        // On a CPU the loader's threads take cores from the step, so their times add up; a GPU
        // computes while they decode, and the slower of the two sets the pace.
        const bool cpu = device.value().is_cpu();
        const auto withLoading = [&](double compute) {
            return cpu ? compute + loadSeconds : std::max(compute, loadSeconds);
        };
        estimate.warmUpSeconds = step.value().warmUpSeconds + evaluation.value().warmUpSeconds;
        if (decodedOnce) {
            estimate.warmUpSeconds += (train + validation) *
                                      (loading.firstSecondsPerImage - loading.laterSecondsPerImage);
        }
        estimate.fullEpochSeconds =
            train * withLoading(stepSeconds) + validation * withLoading(forwardSeconds);
        // What the cache leaves: the trainable blocks' step, never less than a tenth of it.
        const double cachedStep = std::max(stepSeconds - prefixSeconds, 0.1 * stepSeconds);
        const double cachedForward = std::max(forwardSeconds - prefixSeconds, 0.1 * forwardSeconds);
        estimate.cachedEpochSeconds = prefixSeconds > 0
                                          ? train * cachedStep + validation * cachedForward
                                          : estimate.fullEpochSeconds;
        const bool augmented = settings.augment != AugmentationLevel::None;
        estimate.uncachedEpochs =
            prefixSeconds > 0 ? (augmented ? kAugmentationVariants : 1) : settings.training.epochs;
        estimate.seconds = estimatedSecondsFor(estimate, settings.training.epochs);
        return estimate;
    } catch (const c10::Error& e) {
        return Error{std::string("estimating the run's time failed: ") +
                     e.what_without_backtrace()};
    }
}

}  // namespace fovea::core
