#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fovea/core/models/network.h"
#include "fovea/core/result.h"
#include "fovea/core/training/batch_source.h"
#include "fovea/core/training/confusion_matrix.h"
#include "fovea/core/training/training_config.h"
#include "fovea/core/training/training_reports.h"

namespace fovea::core {

class ProcessGroup;

struct TrainingData {
    BatchSource* train = nullptr;       // required
    BatchSource* validation = nullptr;  // optional: no validation metrics without it
    std::vector<std::string> classNames;
    std::vector<std::int64_t> classCounts;  // training images per class (class weighting)
};

// Trains a network on batches. Runs on the calling thread (the GUI's worker thread or the
// CLI's main thread); sets its own grad-mode guards there. With a run folder it writes
// checkpoints/last.pt (atomically, every checkpointEveryEpochs and at a stop), best weights,
// and resumes from checkpoints/last.pt when asked.
class Trainer {
  public:
    Trainer(NetworkPtr network, TrainingConfig config, TrainingData data);
    ~Trainer();
    Trainer(const Trainer&) = delete;
    Trainer& operator=(const Trainer&) = delete;

    // Where checkpoints go; without one nothing is written.
    void setCheckpointFolder(std::filesystem::path folder);
    // Trains as one rank of a distributed run (data parallel): every rank starts from rank 0's
    // weights, gradients are averaged across ranks before each step, and the epoch's metrics
    // are summed over the ranks' shards, so every rank reports the same figures. Each rank's
    // data sources must give it its shard (DataShard) with as many batches as the others'.
    void setProcessGroup(ProcessGroup* group);
    // Continues a stopped or killed run from its last checkpoint: weights, optimizer state,
    // epoch and batch position, random state and history. The config must match.
    Result<void> resumeFromCheckpoint(const std::filesystem::path& checkpoint);

    // Never throws: failures (bad data, out of memory, a CUDA error) come back as an Error.
    Result<TrainingSummary> run(TrainingControl& control, const TrainingCallbacks& callbacks = {});

    const NetworkImpl& network() const;

  private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace fovea::core
