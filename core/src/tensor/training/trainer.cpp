#include "fovea/core/training/trainer.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>

#include "checkpoint.h"
#include "device_setup.h"
#include "feature_cache.h"
#include "fovea/core/torch_runtime.h"
#include "fovea/core/training/lr_schedule.h"
#include "fovea/core/training/optimizer_setup.h"

namespace fovea::core {
namespace F = torch::nn::functional;
using Clock = std::chrono::steady_clock;

const char* trainingOutcomeName(TrainingOutcome outcome) {
    switch (outcome) {
        case TrainingOutcome::Completed:
            return "completed";
        case TrainingOutcome::Stopped:
            return "stopped";
        case TrainingOutcome::EarlyStopped:
            return "early_stopped";
        case TrainingOutcome::Diverged:
            return "diverged";
    }
    return "completed";
}

void TrainingControl::requestStop() {
    m_stop.store(true);
    std::lock_guard lock(m_mutex);
    m_resumed.notify_all();
}

void TrainingControl::pause() {
    std::lock_guard lock(m_mutex);
    m_paused = true;
}

void TrainingControl::resume() {
    std::lock_guard lock(m_mutex);
    m_paused = false;
    m_resumed.notify_all();
}

bool TrainingControl::paused() const {
    std::lock_guard lock(m_mutex);
    return m_paused;
}

void TrainingControl::requestFrozenBlocks(std::set<std::string> blocks) {
    std::lock_guard lock(m_mutex);
    m_frozenRequest = std::move(blocks);
}

bool TrainingControl::waitWhilePaused() {
    std::unique_lock lock(m_mutex);
    m_resumed.wait(lock, [&] { return !m_paused || m_stop.load(); });
    return !m_stop.load();
}

std::optional<std::set<std::string>> TrainingControl::takeFrozenBlocksRequest() {
    std::lock_guard lock(m_mutex);
    return std::exchange(m_frozenRequest, std::nullopt);
}

// --- The training loop. ---
namespace {

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Remaining time at the average speed of this session's steps.
double estimateRemaining(Clock::time_point start, std::int64_t stepsDone, std::int64_t stepsLeft) {
    if (stepsDone <= 0) return 0;
    return secondsSince(start) / static_cast<double>(stepsDone) * static_cast<double>(stepsLeft);
}

}  // namespace

class Trainer::Impl {
  public:
    Impl(NetworkPtr network, TrainingConfig config, TrainingData data)
        : m_network(std::move(network)), m_config(std::move(config)), m_data(std::move(data)) {}

    NetworkPtr m_network;
    TrainingConfig m_config;
    TrainingData m_data;
    std::optional<std::filesystem::path> m_checkpointFolder;
    TrainingState m_state;
    std::optional<torch::serialize::InputArchive> m_pendingOptimizerState;

    Result<TrainingSummary> run(TrainingControl& control, const TrainingCallbacks& callbacks);
    std::string outOfMemory() const { return outOfMemoryMessage(m_device, m_lastBatchSize); }

  private:
    struct EvaluationResult {
        double loss = 0;
        ConfusionMatrix confusion;
    };

    void log(const std::string& line) const {
        if (m_callbacks && m_callbacks->onLog) m_callbacks->onLog(line);
    }
    torch::Tensor lossOf(const torch::Tensor& logits, const torch::Tensor& targets) const;
    EvaluationResult evaluate(BatchSource& source);
    Result<void> saveCheckpoint();
    double stopMetricValue(const EpochReport& report) const;
    bool isImprovement(double value) const;
    void rebuildOptimizer();
    void reportFailures(BatchSource& source) const {
        for (const auto& failure : source.takeFailures()) {
            log("skipped: " + failure.message);
            if (m_callbacks && m_callbacks->onSampleFailure) m_callbacks->onSampleFailure(failure);
        }
    }
    // Logits for a batch; with a frozen prefix and a cache, the prefix runs once per image and
    // augmentation variant.
    torch::Tensor forwardBatch(const Batch& batch, const torch::Tensor& images,
                               FeatureCache* cache);
    // (Re)creates the feature caches for the current frozen prefix.
    void setUpFeatureCaches();
    // Adds the device-side sums of the epoch so far to m_state (one device sync).
    void syncEpochSums();
    TrainingSummary finish(TrainingSummary summary);
    TrainingSummary diverged(TrainingSummary summary, std::int64_t epoch, double loss);

    const TrainingCallbacks* m_callbacks = nullptr;
    torch::Device m_device = torch::kCPU;
    bool m_channelsLast = false;
    OptimizerSetup m_optimizer;
    std::optional<LossScaler> m_lossScaler;  // fp16 only
    torch::Tensor m_classWeights;
    std::int64_t m_totalSteps = 0;
    std::int64_t m_batchesPerEpoch = 0;
    ScheduleOptions m_schedule;
    std::size_t m_frozenPrefix = 0;  // leading frozen blocks served by the feature caches
    std::unique_ptr<FeatureCache> m_trainFeatures;
    std::unique_ptr<FeatureCache> m_validationFeatures;
    // Caches checked against the prefix signature since the epoch began (hashing the frozen
    // weights once per epoch, not per batch).
    std::set<const FeatureCache*> m_validatedCaches;
    torch::Tensor m_lossSum;           // float64 on the device: sum of batch loss x images
    torch::Tensor m_correct;           // int64 on the device
    std::int64_t m_lastBatchSize = 0;  // for the out-of-memory message
};

void Trainer::Impl::syncEpochSums() {
    if (!m_lossSum.defined()) return;
    m_state.epochLossSum += m_lossSum.item<double>();
    m_state.epochCorrect += m_correct.item<std::int64_t>();
    m_lossSum.zero_();
    m_correct.zero_();
}

TrainingSummary Trainer::Impl::diverged(TrainingSummary summary, std::int64_t epoch, double loss) {
    summary.outcome = TrainingOutcome::Diverged;
    summary.message = "the training loss became " + std::to_string(loss) + " in epoch " +
                      std::to_string(epoch + 1) + "; try a lower learning rate";
    log(summary.message);
    return finish(summary);
}

TrainingSummary Trainer::Impl::finish(TrainingSummary summary) {
    summary.epochsCompleted = m_state.epoch;
    summary.steps = m_state.step;
    summary.history = m_state.history;
    summary.bestEpoch = m_state.bestEpoch;
    summary.bestMetric = m_state.bestMetric;
    if (m_trainFeatures) {
        summary.featureCacheHits = m_trainFeatures->stats().hits;
        summary.featureCacheMisses = m_trainFeatures->stats().misses;
        summary.featureCacheDiskBytes = m_trainFeatures->stats().diskBytes;
    }
    if (m_lossScaler) {
        summary.overflowSkippedSteps = m_lossScaler->state().skippedSteps;
        summary.lossScale = m_lossScaler->state().scale;
        log("fp16 loss scale " + std::to_string(summary.lossScale) + "; " +
            std::to_string(summary.overflowSkippedSteps) + " steps skipped on gradient overflow");
    }
    // Keep the best weights (by the validation stop metric), as early stopping promises.
    if (!m_state.bestWeights.empty() && summary.outcome != TrainingOutcome::Stopped) {
        loadStateInto(*m_network, m_state.bestWeights);
        log("kept the weights of epoch " + std::to_string(*m_state.bestEpoch + 1) + " (best " +
            stopMetricName(m_config.stopMetric) + " " + std::to_string(m_state.bestMetric) + ")");
    }
    return summary;
}

torch::Tensor Trainer::Impl::lossOf(const torch::Tensor& logits,
                                    const torch::Tensor& targets) const {
    return trainingLoss(logits, targets, m_config, m_classWeights);
}

Trainer::Impl::EvaluationResult Trainer::Impl::evaluate(BatchSource& source) {
    torch::NoGradGuard noGrad;
    m_network->eval();
    EvaluationResult result{0, ConfusionMatrix(static_cast<int>(m_network->numClasses()))};
    torch::Tensor lossSum =
        torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(m_device));
    std::int64_t count = 0;
    source.startEpoch(0);
    std::vector<torch::Tensor> predictions;
    std::vector<torch::Tensor> truths;
    while (auto batch = source.nextBatch()) {
        if (batch->images.size(0) == 0) continue;
        const torch::Tensor images = prepareInput(batch->images, m_device, m_channelsLast);
        const torch::Tensor targets = batch->targets.to(m_device);
        torch::Tensor logits;
        { logits = forwardBatch(*batch, images, m_validationFeatures.get()); }
        // Unweighted, unsmoothed loss: comparable across runs whatever the training loss is.
        lossSum += F::cross_entropy(logits.to(torch::kFloat32), targets,
                                    F::CrossEntropyFuncOptions().reduction(torch::kSum))
                       .to(torch::kFloat64);
        count += targets.size(0);
        predictions.push_back(logits.argmax(1).cpu());
        truths.push_back(batch->targets);
    }
    if (count == 0) return result;
    result.loss = lossSum.item<double>() / static_cast<double>(count);
    const torch::Tensor predicted = torch::cat(predictions);
    const torch::Tensor truth = torch::cat(truths);
    const auto* p = predicted.data_ptr<std::int64_t>();
    const auto* t = truth.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < predicted.numel(); ++i) result.confusion.add(t[i], p[i]);
    return result;
}

double Trainer::Impl::stopMetricValue(const EpochReport& report) const {
    switch (m_config.stopMetric) {
        case StopMetric::ValidationLoss:
            return report.validationLoss;
        case StopMetric::ValidationAccuracy:
            return report.validationAccuracy;
        case StopMetric::ValidationMacroF1:
            return report.validationMacroF1;
    }
    return report.validationLoss;
}

bool Trainer::Impl::isImprovement(double value) const {
    if (!m_state.bestEpoch) return true;
    return m_config.stopMetric == StopMetric::ValidationLoss ? value < m_state.bestMetric
                                                             : value > m_state.bestMetric;
}

void Trainer::Impl::setUpFeatureCaches() {
    const auto& frozen = m_network->frozenBlocks();
    std::size_t prefix = 0;
    while (prefix < m_network->blockCount() && frozen.count(m_network->blocks()[prefix].name)) {
        ++prefix;
    }
    // Nothing to save without a frozen prefix; nothing to train with everything frozen.
    if (!m_config.featureCache || prefix == 0 || prefix == m_network->blockCount()) {
        m_frozenPrefix = 0;
        m_trainFeatures.reset();
        m_validationFeatures.reset();
        return;
    }
    m_frozenPrefix = prefix;
    m_validatedCaches.clear();
    const std::filesystem::path spill =
        m_checkpointFolder ? *m_checkpointFolder / "feature-cache"
                           : std::filesystem::temp_directory_path() / "fovea-feature-cache";
    // Train and validation ids may overlap (they come from different sources): two caches.
    const std::size_t half = m_config.featureCacheMemoryBytes / 2;
    // On a GPU, features stay in its memory while a quarter of what is free now lasts (the
    // rest is for training), then go to RAM.
    std::size_t deviceHalf = 0;
    if (m_device.is_cuda()) {
        if (const auto memory = gpuMemory(m_device.has_index() ? m_device.index() : 0)) {
            deviceHalf = static_cast<std::size_t>(memory->freeBytes) / 8;
        }
    }
    if (!m_trainFeatures) {
        m_trainFeatures = std::make_unique<FeatureCache>(half, spill, m_device, deviceHalf);
    }
    if (!m_validationFeatures) {
        m_validationFeatures = std::make_unique<FeatureCache>(half, spill, m_device, deviceHalf);
    }
    log("feature cache: the first " + std::to_string(prefix) +
        " blocks are frozen; their outputs are computed once per image" +
        (deviceHalf > 0 ? " and kept on " + m_device.str() + " up to " +
                              std::to_string((2 * deviceHalf) >> 20) + " MiB"
                        : std::string()));
}

torch::Tensor Trainer::Impl::forwardBatch(const Batch& batch, const torch::Tensor& images,
                                          FeatureCache* cache) {
    AutocastGuard autocast(m_device, m_config.precision);
    const std::int64_t n = images.size(0);
    if (!cache || m_frozenPrefix == 0 || static_cast<std::int64_t>(batch.sampleIds.size()) != n ||
        static_cast<std::int64_t>(batch.variants.size()) != n) {
        return m_network->forward(images);
    }
    // The signature changes when the frozen blocks' weights or the input size change.
    if (m_validatedCaches.insert(cache).second) {
        cache->validate(prefixSignature(*m_network, m_frozenPrefix, images.sizes().slice(1)));
    }
    std::vector<torch::Tensor> features(static_cast<std::size_t>(n));
    std::vector<std::int64_t> missing;
    for (std::int64_t i = 0; i < n; ++i) {
        if (auto cached = cache->find(batch.sampleIds[i], batch.variants[i])) {
            features[i] = cached->to(m_device);
        } else {
            missing.push_back(i);
        }
    }
    if (!missing.empty()) {
        torch::NoGradGuard noGrad;
        const bool whole = static_cast<std::int64_t>(missing.size()) == n;
        const torch::Tensor input =
            whole ? images
                  : images.index_select(0, torch::tensor(missing, torch::kInt64).to(m_device));
        const torch::Tensor computed = m_network->forwardBlocks(input, 0, m_frozenPrefix);
        for (std::size_t j = 0; j < missing.size(); ++j) {
            const std::int64_t i = missing[j];
            cache->insert(batch.sampleIds[i], batch.variants[i], computed[j]);
            features[i] = computed[j];
        }
    }
    return m_network->forwardBlocks(torch::stack(features), m_frozenPrefix,
                                    m_network->blockCount());
}

void Trainer::Impl::rebuildOptimizer() { m_optimizer = makeOptimizer(*m_network, m_config); }

Result<void> Trainer::Impl::saveCheckpoint() {
    if (!m_checkpointFolder) return {};
    return writeCheckpoint(*m_checkpointFolder / "last.pt", *m_network, *m_optimizer.optimizer,
                           m_state, m_config);
}

Result<TrainingSummary> Trainer::Impl::run(TrainingControl& control,
                                           const TrainingCallbacks& callbacks) {
    m_callbacks = &callbacks;
    if (!m_data.train) return Error{"training needs a training set"};
    auto device = resolveDevice(m_config.device);
    if (!device) return device.error();
    m_device = device.value();
    if (auto supported = checkPrecisionFor(m_device, m_config.precision); !supported) {
        return supported.error();
    }
    TrainingSummary summary;
    summary.device = m_device.str();

    // The thread that trains owns its grad mode (it is thread-local in LibTorch).
    torch::AutoGradMode gradMode(true);
    m_network->to(m_device);
    m_channelsLast = useChannelsLast(m_config, m_device, *m_network);
    summary.channelsLast = m_channelsLast;
    if (m_channelsLast) toChannelsLast(*m_network);
    // Every training batch has the same image size: let cuDNN time its algorithms once per
    // shape and keep the fastest (cudnn.benchmark in PyTorch).
    if (m_device.is_cuda()) at::globalContext().setBenchmarkCuDNN(true);
    rebuildOptimizer();
    setUpFeatureCaches();
    if (m_config.precision == Precision::Float16) {
        m_lossScaler.emplace();
        if (m_state.lossScale) m_lossScaler->restore(*m_state.lossScale);
    }
    if (m_pendingOptimizerState) {
        m_optimizer.optimizer->load(*m_pendingOptimizerState);
        m_pendingOptimizerState.reset();
    }
    const auto sumOptions = torch::TensorOptions().device(m_device);
    m_lossSum = torch::zeros({}, sumOptions.dtype(torch::kFloat64));
    m_correct = torch::zeros({}, sumOptions.dtype(torch::kInt64));
    // A new run seeds LibTorch's generator (dropout); a resumed one restored it instead.
    if (m_state.step == 0 && m_state.batchInEpoch == 0) torch::manual_seed(m_config.seed);
    m_classWeights =
        classWeightsFor(m_config, m_data.classCounts, m_network->numClasses(), m_device);

    m_batchesPerEpoch = m_data.train->batchesPerEpoch();
    if (m_batchesPerEpoch == 0) return Error{"the training set is empty"};
    m_totalSteps = m_config.epochs * m_batchesPerEpoch;
    m_schedule = m_config.schedule;
    m_schedule.warmupSteps = static_cast<std::int64_t>(
        std::llround(m_config.warmupEpochs * static_cast<double>(m_batchesPerEpoch)));

    log("training " + m_network->architecture() + " on " + summary.device + " for " +
        std::to_string(m_config.epochs) + " epochs of " + std::to_string(m_batchesPerEpoch) +
        " batches (" + precisionName(m_config.precision) + ", " +
        (m_channelsLast ? "channels-last" : "default layout") + ")");
    const auto runStart = Clock::now();
    const std::int64_t stepsAtStart = m_state.step;

    for (std::int64_t epoch = m_state.epoch; epoch < m_config.epochs; ++epoch) {
        const auto epochStart = Clock::now();
        std::int64_t epochImagesAtStart = m_state.epochImages;
        m_data.train->startEpoch(epoch, m_state.batchInEpoch);
        m_validatedCaches.clear();
        m_network->train(true);
        for (;;) {
            if (!control.waitWhilePaused()) {
                syncEpochSums();
                if (auto saved = saveCheckpoint(); !saved) return saved.error();
                summary.outcome = TrainingOutcome::Stopped;
                summary.message = "stopped at epoch " + std::to_string(epoch + 1) + ", batch " +
                                  std::to_string(m_state.batchInEpoch);
                log(summary.message);
                return finish(summary);
            }
            if (auto frozen = control.takeFrozenBlocksRequest()) {
                m_network->setFrozenBlocks(*frozen);
                m_network->train(true);
                rebuildOptimizer();
                setUpFeatureCaches();
                log("frozen blocks changed; optimizer state restarted");
            }
            auto batch = m_data.train->nextBatch();
            torch::Tensor lastLoss;
            if (!batch) break;
            const std::int64_t n = batch->images.size(0);
            m_lastBatchSize = n;
            if (n > 0) {
                applyLearningRateFactor(
                    m_optimizer,
                    learningRateFactor(m_schedule, m_state.step, m_totalSteps, m_batchesPerEpoch));
                const torch::Tensor images = prepareInput(batch->images, m_device, m_channelsLast);
                const torch::Tensor targets = batch->targets.to(m_device);
                torch::Tensor logits;
                logits = forwardBatch(*batch, images, m_trainFeatures.get());
                const torch::Tensor loss = lossOf(logits, targets);
                m_optimizer.optimizer->zero_grad();
                backwardAndStep(loss, *m_network, *m_optimizer.optimizer, m_config.gradientClipNorm,
                                m_lossScaler ? &*m_lossScaler : nullptr);
                if (m_lossScaler) m_state.lossScale = m_lossScaler->state();
                ++m_state.step;
                {
                    torch::NoGradGuard noGrad;
                    m_lossSum += loss.detach().to(torch::kFloat64) * static_cast<double>(n);
                    m_correct += logits.argmax(1).eq(targets).sum();
                }
                m_state.epochImages += n;
                lastLoss = loss.detach();
            }
            ++m_state.batchInEpoch;
            const bool report = m_config.reportEveryBatches > 0 &&
                                (m_state.batchInEpoch % m_config.reportEveryBatches == 0 ||
                                 m_state.batchInEpoch == m_batchesPerEpoch);
            if (!report || !lastLoss.defined()) continue;
            // Reading the loss waits for the device: only when reporting.
            const double lossValue = lastLoss.item<double>();
            if (!std::isfinite(lossValue)) return diverged(summary, epoch, lossValue);
            if (callbacks.onBatch) {
                BatchProgress progress;
                progress.epoch = epoch;
                progress.batch = m_state.batchInEpoch - 1;
                progress.batchesInEpoch = m_batchesPerEpoch;
                progress.step = m_state.step;
                progress.loss = lossValue;
                progress.learningRate = currentLearningRate(m_optimizer);
                const double seconds = secondsSince(epochStart);
                progress.imagesPerSecond =
                    seconds > 0 ? (m_state.epochImages - epochImagesAtStart) / seconds : 0;
                progress.etaSeconds = estimateRemaining(runStart, m_state.step - stepsAtStart,
                                                        m_totalSteps - m_state.step);
                callbacks.onBatch(progress);
            }
        }

        syncEpochSums();
        if (!std::isfinite(m_state.epochLossSum)) {
            return diverged(summary, epoch, m_state.epochLossSum);
        }
        reportFailures(*m_data.train);
        EpochReport report;
        report.epoch = epoch;
        report.trainLoss = m_state.epochImages > 0 ? m_state.epochLossSum / m_state.epochImages : 0;
        report.trainAccuracy =
            m_state.epochImages > 0 ? double(m_state.epochCorrect) / m_state.epochImages : 0;
        report.seconds = secondsSince(epochStart);
        report.imagesPerSecond =
            report.seconds > 0 ? (m_state.epochImages - epochImagesAtStart) / report.seconds : 0;
        report.learningRate = currentLearningRate(m_optimizer);
        if (m_data.validation) {
            EvaluationResult validation = evaluate(*m_data.validation);
            reportFailures(*m_data.validation);
            report.hasValidation = validation.confusion.total() > 0;
            report.validationLoss = validation.loss;
            report.validationAccuracy = validation.confusion.accuracy();
            report.validationMacroF1 = validation.confusion.macroF1();
            report.validationPerClass = validation.confusion.perClass();
            report.validationConfusion = std::move(validation.confusion);
        }
        if (report.hasValidation && isImprovement(stopMetricValue(report))) {
            report.improved = true;
            m_state.bestMetric = stopMetricValue(report);
            m_state.bestEpoch = epoch;
            m_state.epochsWithoutImprovement = 0;
            m_state.bestWeights = copyStateOf(*m_network);
        } else if (report.hasValidation) {
            ++m_state.epochsWithoutImprovement;
        }
        report.etaSeconds =
            estimateRemaining(runStart, m_state.step - stepsAtStart, m_totalSteps - m_state.step);
        m_state.history.push_back(report);
        m_state.epoch = epoch + 1;
        m_state.startNextEpoch();
        if (callbacks.onEpoch) callbacks.onEpoch(report);

        const bool last = m_state.epoch == m_config.epochs;
        const bool earlyStop = m_config.earlyStopPatience > 0 &&
                               m_state.epochsWithoutImprovement >= m_config.earlyStopPatience;
        if (last || earlyStop ||
            (m_config.checkpointEveryEpochs > 0 &&
             m_state.epoch % m_config.checkpointEveryEpochs == 0)) {
            if (auto saved = saveCheckpoint(); !saved) return saved.error();
        }
        if (earlyStop) {
            summary.outcome = TrainingOutcome::EarlyStopped;
            summary.message = std::string("no improvement in ") +
                              stopMetricName(m_config.stopMetric) + " for " +
                              std::to_string(m_config.earlyStopPatience) + " epochs";
            log(summary.message);
            return finish(summary);
        }
    }
    summary.outcome = TrainingOutcome::Completed;
    return finish(summary);
}

}  // namespace fovea::core

namespace fovea::core {

Trainer::Trainer(NetworkPtr network, TrainingConfig config, TrainingData data)
    : m_impl(std::make_unique<Impl>(std::move(network), std::move(config), std::move(data))) {}

Trainer::~Trainer() = default;

void Trainer::setCheckpointFolder(std::filesystem::path folder) {
    m_impl->m_checkpointFolder = std::move(folder);
}

Result<void> Trainer::resumeFromCheckpoint(const std::filesystem::path& checkpoint) {
    auto device = resolveDevice(m_impl->m_config.device);
    if (!device) return device.error();
    auto loaded = readCheckpoint(checkpoint, *m_impl->m_network, m_impl->m_config, device.value());
    if (!loaded) return loaded.error();
    m_impl->m_state = std::move(loaded.value().state);
    m_impl->m_pendingOptimizerState = std::move(loaded.value().optimizerState);
    return {};
}

Result<TrainingSummary> Trainer::run(TrainingControl& control, const TrainingCallbacks& callbacks) {
    try {
        return m_impl->run(control, callbacks);
    } catch (const c10::Error& e) {
        if (isOutOfMemory(e)) return Error{"training failed: " + m_impl->outOfMemory()};
        return Error{std::string("training failed: ") + e.what_without_backtrace()};
    } catch (const std::exception& e) {
        return Error{std::string("training failed: ") + e.what()};
    }
}

const NetworkImpl& Trainer::network() const { return *m_impl->m_network; }

}  // namespace fovea::core
