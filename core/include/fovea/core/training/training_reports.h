#pragma once

// What training reports and how it is controlled, free of LibTorch: the CLI and the
// workbench's pages use these directly.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fovea/core/training/confusion_matrix.h"
#include "fovea/core/training/training_config.h"

namespace fovea::core {

// An image that could not be used (unreadable, corrupt...): it is left out of its batch and
// reported once; the run goes on.
struct SampleFailure {
    std::int64_t sampleId = 0;
    std::string message;  // names the file and the problem
};

// Reported every `reportEveryBatches` batches.
struct BatchProgress {
    std::int64_t epoch = 0;  // 0-based
    std::int64_t batch = 0;  // 0-based within the epoch
    std::int64_t batchesInEpoch = 0;
    std::int64_t step = 0;       // optimizer steps so far, over the whole run
    double loss = 0;             // this batch's mean training loss
    double learningRate = 0;     // of the base (multiplier 1) parameter groups
    double imagesPerSecond = 0;  // over the epoch so far
    double etaSeconds = 0;       // to the end of the run at the current speed
};

// Reported after every epoch.
struct EpochReport {
    std::int64_t epoch = 0;
    double trainLoss = 0;
    double trainAccuracy = 0;
    bool hasValidation = false;
    double validationLoss = 0;
    double validationAccuracy = 0;
    double validationMacroF1 = 0;
    ConfusionMatrix validationConfusion;  // rows: true class
    std::vector<ClassMetrics> validationPerClass;
    double learningRate = 0;  // at the end of the epoch
    double seconds = 0;
    double imagesPerSecond = 0;  // training images
    bool improved = false;       // the stop metric reached a new best (best weights kept)
    double etaSeconds = 0;
};
// One line for an epoch, as the run's log.txt and the Train page's log give it: losses,
// accuracies, learning rate, time and speed.
std::string epochLogMessage(const EpochReport& report);

enum class TrainingOutcome {
    Completed,     // all epochs ran
    Stopped,       // a stop request (checkpoint written)
    EarlyStopped,  // no improvement for earlyStopPatience epochs
    Diverged,      // the loss became NaN or infinite (reported, not thrown)
};
const char* trainingOutcomeName(TrainingOutcome outcome);

struct TrainingSummary {
    TrainingOutcome outcome = TrainingOutcome::Completed;
    std::string message;  // e.g. why it diverged
    std::int64_t epochsCompleted = 0;
    std::int64_t steps = 0;
    // A stopped run's time in the epoch it did not finish (pauses left out); the finished
    // epochs' times are in `history`.
    double unfinishedEpochSeconds = 0;
    std::vector<EpochReport> history;
    std::optional<std::int64_t> bestEpoch;
    double bestMetric = 0;
    std::string device;                        // where it trained, e.g. "cpu" or "cuda:0"
    bool channelsLast = false;                 // the memory layout it used
    Precision precision = Precision::Float32;  // what it computed in (never Auto)
    // Frozen-prefix feature cache, training set: images served from it and computed for it.
    std::int64_t featureCacheHits = 0;
    std::int64_t featureCacheMisses = 0;
    std::size_t featureCacheDiskBytes = 0;  // spilled beyond the memory budget
    // fp16 with dynamic loss scaling: optimizer steps skipped because a gradient overflowed, and
    // the scale at the end (0 without fp16).
    std::int64_t overflowSkippedSteps = 0;
    double lossScale = 0;
};

// What the trainer tells its caller, on the training thread.
struct TrainingCallbacks {
    std::function<void(const BatchProgress&)> onBatch;
    std::function<void(const EpochReport&)> onEpoch;
    std::function<void(const std::string&)> onLog;  // one line, no newline
    // The frozen blocks changed mid-run (TrainingControl::requestFrozenBlocks): those frozen
    // now, in the network's order.
    std::function<void(const std::vector<std::string>&)> onFrozenBlocksChanged;
    // An image the loader could not use (it was skipped; training goes on).
    std::function<void(const SampleFailure&)> onSampleFailure;
};

// Stop and pause requests from any thread (the GUI's, a signal handler's watcher); the trainer
// checks them between batches, so a request takes effect within one batch.
class TrainingControl {
  public:
    void requestStop();
    bool stopRequested() const { return m_stop.load(); }
    void pause();
    void resume();
    bool paused() const;
    // Frozen blocks to apply at the next batch boundary (e.g. changed in the GUI while paused).
    void requestFrozenBlocks(std::set<std::string> blocks);

    // Trainer side: blocks while paused; false when a stop was requested.
    bool waitWhilePaused();
    std::optional<std::set<std::string>> takeFrozenBlocksRequest();

  private:
    std::atomic<bool> m_stop{false};
    mutable std::mutex m_mutex;
    std::condition_variable m_resumed;
    bool m_paused = false;
    std::optional<std::set<std::string>> m_frozenRequest;
};

}  // namespace fovea::core
