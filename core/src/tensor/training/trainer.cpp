#include "fovea/core/training/trainer.h"

#include <torch/torch.h>

#include <cmath>
#include <utility>

#include "checkpoint.h"
#include "device_setup.h"
#include "fovea/core/count_text.h"
#include "fovea/core/distributed/process_group.h"
#include "fovea/core/models/batch_norm_sync.h"
#include "fovea/core/torch_runtime.h"
#include "trainer_impl.h"

namespace fovea::core {

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

// --- Setting up a run ---

Result<TrainingSummary> Trainer::Impl::run(TrainingControl& control,
                                           const TrainingCallbacks& callbacks) {
    m_callbacks = &callbacks;
    if (!m_data.train) return Error{"training needs a training set"};
    auto device = resolveDevice(m_config.device);
    if (!device) return device.error();
    m_device = device.value();
    m_precision = resolvePrecision(m_config.precision, m_device);
    if (auto supported = checkPrecisionFor(m_device, m_precision); !supported) {
        return supported.error();
    }
    TrainingSummary summary;
    summary.device = m_device.str();
    summary.precision = m_precision;

    // The thread that trains owns its grad mode (it is thread-local in LibTorch).
    torch::AutoGradMode gradMode(true);
    placeNetwork();
    summary.channelsLast = m_channelsLast;
    shareInitialState();
    setUpOptimization();
    if (auto scheduled = setUpSchedule(); !scheduled) return scheduled.error();

    log("training " + m_network->architecture() + " on " + summary.device + " for " +
        countText(m_config.epochs, "epoch") + " of " +
        countText(m_batchesPerEpoch, "batch", "batches") + " (" + precisionName(m_precision) +
        ", " + (m_channelsLast ? "channels-last" : "default layout") + ")");
    Timing timing;
    timing.runStart = Clock::now();
    timing.stepsAtStart = m_state.step;

    for (std::int64_t epoch = m_state.epoch; epoch < m_config.epochs; ++epoch) {
        timing.epochStart = Clock::now();
        timing.epochImagesAtStart = m_state.epochImages;
        if (RunEnd end = trainEpoch(control, epoch, timing, summary)) return std::move(*end);
        if (RunEnd end = endEpoch(epoch, timing, summary)) return std::move(*end);
    }
    summary.outcome = TrainingOutcome::Completed;
    return finish(summary);
}

void Trainer::Impl::placeNetwork() {
    m_network->to(m_device);
    m_channelsLast = useChannelsLast(m_config, *m_network);
    if (m_channelsLast) toChannelsLast(*m_network);
    // Every training batch has the same image size: let cuDNN time its algorithms once per
    // shape and keep the fastest (cudnn.benchmark in PyTorch).
    if (m_device.is_cuda()) at::globalContext().setBenchmarkCuDNN(true);
}

void Trainer::Impl::setUpOptimization() {
    rebuildOptimizer();
    setUpFeatureCaches();
    if (m_precision == Precision::Float16) {
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
}

Result<void> Trainer::Impl::setUpSchedule() {
    m_batchesPerEpoch = m_data.train->batchesPerEpoch();
    if (m_batchesPerEpoch == 0) return Error{"the training set is empty"};
    m_totalSteps = m_config.epochs * m_batchesPerEpoch;
    m_schedule = m_config.schedule;
    m_schedule.warmupSteps = static_cast<std::int64_t>(
        std::llround(m_config.warmupEpochs * static_cast<double>(m_batchesPerEpoch)));
    return {};
}

void Trainer::Impl::rebuildOptimizer() { m_optimizer = makeOptimizer(*m_network, m_config); }

std::string Trainer::Impl::outOfMemory() const {
    return outOfMemoryMessage(m_device, m_lastBatchSize);
}

void Trainer::Impl::shareInitialState() {
    if (!m_group) return;
    m_averager = std::make_unique<GradientAverager>(*m_group);
    m_averager->attach(m_network->parameters());
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> state;
    for (const auto& parameter : m_network->parameters()) state.push_back(parameter);
    for (const auto& buffer : m_network->buffers()) state.push_back(buffer);
    m_group->broadcast(state);
    log("rank " + std::to_string(m_group->rank()) + " of " + std::to_string(m_group->worldSize()) +
        ": starting from rank 0's weights; collectives over " + m_group->backendFor(m_device));
    if (m_config.syncBatchNorm) {
        ProcessGroup* group = m_group;
        const std::size_t layers = synchroniseBatchNorm(*m_network, [group](torch::Tensor& t) {
            std::vector<torch::Tensor> one{t};
            group->allreduceSum(one);
        });
        m_batchNormSynchronised = layers > 0;
        log("BatchNorm statistics summed across the " + std::to_string(m_group->worldSize()) +
            " ranks in " + std::to_string(layers) + " layers");
    }
}

void Trainer::Impl::reportFailures(BatchSource& source) const {
    for (const auto& failure : source.takeFailures()) {
        log("skipped: " + failure.message);
        if (m_callbacks && m_callbacks->onSampleFailure) m_callbacks->onSampleFailure(failure);
    }
}

// --- Ending a run ---

Result<void> Trainer::Impl::saveCheckpoint() {
    if (!m_checkpointFolder) return {};
    return writeCheckpoint(*m_checkpointFolder / "last.pt", *m_network, *m_optimizer.optimizer,
                           m_state, m_config);
}

TrainingSummary Trainer::Impl::endRun(TrainingSummary summary, TrainingOutcome outcome,
                                      std::string message) {
    summary.outcome = outcome;
    summary.message = std::move(message);
    log(summary.message);
    return finish(std::move(summary));
}

TrainingSummary Trainer::Impl::diverged(TrainingSummary summary, std::int64_t epoch, double loss) {
    return endRun(std::move(summary), TrainingOutcome::Diverged,
                  "the training loss became " + std::to_string(loss) + " in epoch " +
                      std::to_string(epoch + 1) + "; try a lower learning rate");
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

// --- The forward pass, through the feature caches ---

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
    AutocastGuard autocast(m_device, m_precision);
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
    // The cache keeps features in the default layout: the trainable blocks get them back in the
    // layout the prefix gave them, so that they compute exactly what they would without it.
    torch::Tensor prefixOutput = torch::stack(features);
    if (m_channelsLast && prefixOutput.dim() == 4) {
        prefixOutput = prefixOutput.contiguous(torch::MemoryFormat::ChannelsLast);
    }
    return m_network->forwardBlocks(prefixOutput, m_frozenPrefix, m_network->blockCount());
}

}  // namespace fovea::core

namespace fovea::core {

Trainer::Trainer(NetworkPtr network, TrainingConfig config, TrainingData data)
    : m_impl(std::make_unique<Impl>(std::move(network), std::move(config), std::move(data))) {}

Trainer::~Trainer() = default;

Trainer::Impl::~Impl() {
    if (m_batchNormSynchronised) synchroniseBatchNorm(*m_network, {});
}

void Trainer::setCheckpointFolder(std::filesystem::path folder) {
    m_impl->m_checkpointFolder = std::move(folder);
}

void Trainer::setProcessGroup(ProcessGroup* group) { m_impl->m_group = group; }

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
