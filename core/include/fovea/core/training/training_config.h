#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "fovea/core/result.h"
#include "fovea/core/training/lr_schedule.h"

namespace fovea::core {

enum class OptimizerKind { Sgd, AdamW };
enum class DevicePreference { Auto, Cpu, Cuda };  // Auto: CUDA when available
// Autocast precision for the forward pass; weights, optimizer state and the loss stay float32.
// Auto: bf16 where the device computes it natively (resolvePrecision), float32 elsewhere.
enum class Precision { Auto, Float32, BFloat16, Float16 };
enum class StopMetric { ValidationLoss, ValidationAccuracy, ValidationMacroF1 };

// Everything that decides how a network trains. Written to the run folder as config.json and
// stored in checkpoints, so a run can be repeated or resumed exactly.
struct TrainingConfig {
    std::int64_t epochs = 10;
    double learningRate = 1e-3;  // base rate (OneCycle: the maximum)
    OptimizerKind optimizer = OptimizerKind::AdamW;
    double momentum = 0.9;      // SGD
    bool nesterov = false;      // SGD
    double weightDecay = 1e-2;  // never applied to biases and normalisation weights
    double beta1 = 0.9;         // AdamW
    double beta2 = 0.999;       // AdamW
    double epsilon = 1e-8;      // AdamW
    ScheduleOptions schedule;
    double warmupEpochs = 0;      // converted to schedule.warmupSteps when training starts
    double gradientClipNorm = 0;  // 0: no clipping; else the total L2 norm limit
    double labelSmoothing = 0;
    bool classWeightedLoss = false;  // weights inversely proportional to class counts
    // Discriminative fine-tuning: learning-rate multiplier per block name (default 1).
    std::map<std::string, double> blockLearningRateMultipliers;
    StopMetric stopMetric = StopMetric::ValidationLoss;
    std::int64_t earlyStopPatience = 0;  // epochs without improvement; 0: never stop early
    std::int64_t checkpointEveryEpochs = 1;
    std::uint64_t seed = 0;
    DevicePreference device = DevicePreference::Auto;
    // Auto: bf16 mixed precision (fp32 master weights and loss) where the device computes bf16
    // natively, fp32 elsewhere (resolvePrecision).
    Precision precision = Precision::Auto;
    // Memory layout of activations and convolution weights; unset: channels-last for
    // convolutional networks (oneDNN's and cuDNN's fast kernels expect it).
    std::optional<bool> channelsLast;
    // Frozen-prefix feature cache: computed once per image and augmentation variant.
    bool featureCache = true;
    std::size_t featureCacheMemoryBytes = std::size_t{1} << 30;  // then spill to disk
    // In a distributed run, BatchNorm layers that train normalise with the whole global
    // batch's statistics (PyTorch's SyncBatchNorm) instead of each process's own. Costs two
    // small collectives per layer in each pass; worth it when the batch per process is small.
    bool syncBatchNorm = false;
    std::int64_t reportEveryBatches = 1;  // batch progress events (each one reads the loss)
};

nlohmann::json toJson(const TrainingConfig& config);
// Missing keys keep their defaults; unknown values are errors naming the key.
Result<TrainingConfig> trainingConfigFromJson(const nlohmann::json& json);

const char* optimizerKindName(OptimizerKind kind);
Result<OptimizerKind> parseOptimizerKind(const std::string& name);
const char* devicePreferenceName(DevicePreference device);
Result<DevicePreference> parseDevicePreference(const std::string& name);
const char* precisionName(Precision precision);
Result<Precision> parsePrecision(const std::string& name);
const char* stopMetricName(StopMetric metric);
Result<StopMetric> parseStopMetric(const std::string& name);

}  // namespace fovea::core
