#pragma once

// The names of the files in a run folder (see RunFolder), free of LibTorch, for the code that
// only reads runs (the run list, the workbench).

namespace fovea::core::run_layout {

inline constexpr const char* kConfigFile = "config.json";
inline constexpr const char* kMetricsFile = "metrics.csv";
inline constexpr const char* kLogFile = "log.txt";
inline constexpr const char* kSummaryFile = "summary.json";
inline constexpr const char* kCheckpointFolder = "checkpoints";
inline constexpr const char* kModelFile = "model.safetensors";
// {"pid", "host", "started"} of the process recording the run; gone when it lets go of the run.
inline constexpr const char* kRunningFile = "running.json";
// {"message", "failed"}: an error ended the run.
inline constexpr const char* kFailureFile = "failure.json";

// The per-batch curves in the run's TensorBoard event files (see readTensorBoardScalars).
inline constexpr const char* kBatchLossTag = "batch/loss";
inline constexpr const char* kBatchLearningRateTag = "batch/learning_rate";

}  // namespace fovea::core::run_layout
