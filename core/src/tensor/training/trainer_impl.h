#pragma once

// Internal to fovea_training: the Trainer's state and steps, shared by trainer.cpp (setting up
// a run, its epoch loop, its summary) and trainer_epoch.cpp (one epoch: its batches,
// validation, and what follows it).

#include <torch/torch.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "feature_cache.h"
#include "fovea/core/distributed/gradient_averager.h"
#include "fovea/core/training/lr_schedule.h"
#include "fovea/core/training/optimizer_setup.h"
#include "fovea/core/training/trainer.h"
#include "loss_scaler.h"
#include "training_state.h"

namespace fovea::core {

class Trainer::Impl {
  public:
    Impl(NetworkPtr network, TrainingConfig config, TrainingData data)
        : m_network(std::move(network)), m_config(std::move(config)), m_data(std::move(data)) {}
    // The network's BatchNorm layers must not reach for a group that is gone if it trains on.
    ~Impl();

    NetworkPtr m_network;
    TrainingConfig m_config;
    TrainingData m_data;
    std::optional<std::filesystem::path> m_checkpointFolder;
    TrainingState m_state;
    std::optional<torch::serialize::InputArchive> m_pendingOptimizerState;
    ProcessGroup* m_group = nullptr;  // a distributed run's; null for one process

    Result<TrainingSummary> run(TrainingControl& control, const TrainingCallbacks& callbacks);
    std::string outOfMemory() const;

  private:
    using Clock = std::chrono::steady_clock;

    struct EvaluationResult {
        double loss = 0;
        ConfusionMatrix confusion;
    };

    // When the run and the epoch in progress started, for speeds and remaining time.
    struct Timing {
        Clock::time_point runStart;
        std::int64_t stepsAtStart = 0;  // a resumed run estimates from its own steps only
        Clock::time_point epochStart;
        std::int64_t epochImagesAtStart = 0;
    };

    // What a step of the run says: nullopt to go on, or how the run ends.
    using RunEnd = std::optional<Result<TrainingSummary>>;

    // --- Setting up and ending the run (trainer.cpp) ---

    void log(const std::string& line) const {
        if (m_callbacks && m_callbacks->onLog) m_callbacks->onLog(line);
    }
    // Moves the network to m_device, channels-last where that trains faster (m_channelsLast).
    void placeNetwork();
    // Optimizer, feature caches, loss scaler, restored optimizer state, device sums, seed and
    // class weights.
    void setUpOptimization();
    // Batches per epoch, total steps and the warmup in steps.
    Result<void> setUpSchedule();
    void rebuildOptimizer();
    // (Re)creates the feature caches for the current frozen prefix.
    void setUpFeatureCaches();
    // Logits for a batch; with a frozen prefix and a cache, the prefix runs once per image and
    // augmentation variant.
    torch::Tensor forwardBatch(const Batch& batch, const torch::Tensor& images,
                               FeatureCache* cache);
    torch::Tensor lossOf(const torch::Tensor& logits, const torch::Tensor& targets) const;
    Result<void> saveCheckpoint();
    // Adds the device-side sums of the epoch so far to m_state (one device sync).
    void syncEpochSums();
    void reportFailures(BatchSource& source) const;
    // A distributed run starts every rank from rank 0's weights and buffers.
    void shareInitialState();
    // Ends the run with `outcome`; `message` says why, in the summary and the log.
    TrainingSummary endRun(TrainingSummary summary, TrainingOutcome outcome, std::string message);
    TrainingSummary diverged(TrainingSummary summary, std::int64_t epoch, double loss);
    TrainingSummary finish(TrainingSummary summary);

    // --- One epoch (trainer_epoch.cpp) ---

    // The epoch's training batches, until the data runs out (nullopt), a stop or divergence.
    RunEnd trainEpoch(TrainingControl& control, std::int64_t epoch, Timing& timing,
                      const TrainingSummary& summary);
    void applyFrozenBlocksRequest(TrainingControl& control);
    // In a distributed run, whether any rank was asked to stop (then this one stops too).
    bool anyRankStopping(TrainingControl& control);
    // One optimizer step; the batch's loss on the device, undefined for an empty batch.
    torch::Tensor trainBatch(const Batch& batch);
    void reportBatch(std::int64_t epoch, double loss, const Timing& timing) const;
    // Saves a checkpoint where the epoch stopped and ends the run.
    // `unfinishedSeconds`: the training time spent in this epoch so far (pauses left out).
    RunEnd stopInEpoch(std::int64_t epoch, TrainingSummary summary, double unfinishedSeconds);
    // Metrics, validation, best weights, then checkpoint and early stop.
    RunEnd endEpoch(std::int64_t epoch, const Timing& timing, const TrainingSummary& summary);
    EpochReport trainingReport(std::int64_t epoch, const Timing& timing) const;
    void addValidation(EpochReport& report);
    EvaluationResult evaluate(BatchSource& source);
    // Keeps the weights of the best epoch so far by the stop metric.
    void trackBest(EpochReport& report, std::int64_t epoch);
    double stopMetricValue(const EpochReport& report) const;
    bool isImprovement(double value) const;
    RunEnd checkpointOrEarlyStop(const TrainingSummary& summary);

    const TrainingCallbacks* m_callbacks = nullptr;
    torch::Device m_device = torch::kCPU;
    bool m_channelsLast = false;
    Precision m_precision = Precision::Float32;  // the config's, resolved for m_device
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
    std::unique_ptr<GradientAverager> m_averager;  // with m_group
    bool m_batchNormSynchronised = false;          // its layers sum through m_group
    // This rank's images since the last syncEpochSums (the other ranks' come with the sums).
    std::int64_t m_unsyncedImages = 0;
};

}  // namespace fovea::core
