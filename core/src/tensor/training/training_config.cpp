#include "fovea/core/training/training_config.h"

#include "fovea/core/json_fields.h"

namespace fovea::core {
namespace {

using json_fields::EnumNames;

constexpr EnumNames<OptimizerKind, 2> kOptimizers{
    {{{OptimizerKind::Sgd, "sgd"}, {OptimizerKind::AdamW, "adamw"}}}, "optimizer"};
constexpr EnumNames<DevicePreference, 3> kDevices{{{{DevicePreference::Auto, "auto"},
                                                    {DevicePreference::Cpu, "cpu"},
                                                    {DevicePreference::Cuda, "cuda"}}},
                                                  "device"};
constexpr EnumNames<Precision, 4> kPrecisions{{{{Precision::Auto, "auto"},
                                                {Precision::Float32, "fp32"},
                                                {Precision::BFloat16, "bf16"},
                                                {Precision::Float16, "fp16"}}},
                                              "precision"};
constexpr EnumNames<StopMetric, 3> kStopMetrics{{{{StopMetric::ValidationLoss, "val_loss"},
                                                  {StopMetric::ValidationAccuracy, "val_accuracy"},
                                                  {StopMetric::ValidationMacroF1, "val_macro_f1"}}},
                                                "metric"};

constexpr const char* kWhere = "training config";

template <class T>
Result<void> readOptional(const nlohmann::json& json, const char* key, T& out) {
    return json_fields::read(json, key, out, kWhere);
}

template <class Enum, std::size_t N>
Result<void> readEnum(const nlohmann::json& json, const char* key, const EnumNames<Enum, N>& names,
                      Enum& out) {
    return json_fields::readEnum(json, key, names, out, kWhere);
}

}  // namespace

const char* optimizerKindName(OptimizerKind kind) { return kOptimizers.name(kind); }
Result<OptimizerKind> parseOptimizerKind(const std::string& name) {
    return kOptimizers.parse(name);
}
const char* devicePreferenceName(DevicePreference device) { return kDevices.name(device); }
Result<DevicePreference> parseDevicePreference(const std::string& name) {
    return kDevices.parse(name);
}
const char* precisionName(Precision precision) { return kPrecisions.name(precision); }
Result<Precision> parsePrecision(const std::string& name) { return kPrecisions.parse(name); }
const char* stopMetricName(StopMetric metric) { return kStopMetrics.name(metric); }
Result<StopMetric> parseStopMetric(const std::string& name) { return kStopMetrics.parse(name); }

nlohmann::json toJson(const TrainingConfig& c) {
    const ScheduleOptions& s = c.schedule;
    return {
        {"epochs", c.epochs},
        {"learning_rate", c.learningRate},
        {"optimizer", optimizerKindName(c.optimizer)},
        {"momentum", c.momentum},
        {"nesterov", c.nesterov},
        {"weight_decay", c.weightDecay},
        {"beta1", c.beta1},
        {"beta2", c.beta2},
        {"epsilon", c.epsilon},
        {"schedule", scheduleKindName(s.kind)},
        {"warmup_epochs", c.warmupEpochs},
        {"step_epochs", s.stepEpochs},
        {"step_gamma", s.gamma},
        {"cosine_min_factor", s.minFactor},
        {"onecycle_pct_start", s.pctStart},
        {"onecycle_div_factor", s.divFactor},
        {"onecycle_final_div_factor", s.finalDivFactor},
        {"gradient_clip_norm", c.gradientClipNorm},
        {"label_smoothing", c.labelSmoothing},
        {"class_weighted_loss", c.classWeightedLoss},
        {"block_lr_multipliers", c.blockLearningRateMultipliers},
        {"stop_metric", stopMetricName(c.stopMetric)},
        {"early_stop_patience", c.earlyStopPatience},
        {"checkpoint_every_epochs", c.checkpointEveryEpochs},
        {"seed", c.seed},
        {"device", devicePreferenceName(c.device)},
        {"precision", precisionName(c.precision)},
        {"channels_last", c.channelsLast ? nlohmann::json(*c.channelsLast) : nlohmann::json()},
        {"feature_cache", c.featureCache},
        {"sync_batchnorm", c.syncBatchNorm},
        {"feature_cache_memory_bytes", c.featureCacheMemoryBytes},
        {"report_every_batches", c.reportEveryBatches},
    };
}

Result<TrainingConfig> trainingConfigFromJson(const nlohmann::json& json) {
    if (!json.is_object()) return Error{"training config: expected a JSON object"};
    TrainingConfig c;
    ScheduleOptions& s = c.schedule;
    std::string schedule = scheduleKindName(s.kind);
    for (const Result<void>& read : {
             readOptional(json, "epochs", c.epochs),
             readOptional(json, "learning_rate", c.learningRate),
             readEnum(json, "optimizer", kOptimizers, c.optimizer),
             readOptional(json, "momentum", c.momentum),
             readOptional(json, "nesterov", c.nesterov),
             readOptional(json, "weight_decay", c.weightDecay),
             readOptional(json, "beta1", c.beta1),
             readOptional(json, "beta2", c.beta2),
             readOptional(json, "epsilon", c.epsilon),
             readOptional(json, "schedule", schedule),
             readOptional(json, "warmup_epochs", c.warmupEpochs),
             readOptional(json, "step_epochs", s.stepEpochs),
             readOptional(json, "step_gamma", s.gamma),
             readOptional(json, "cosine_min_factor", s.minFactor),
             readOptional(json, "onecycle_pct_start", s.pctStart),
             readOptional(json, "onecycle_div_factor", s.divFactor),
             readOptional(json, "onecycle_final_div_factor", s.finalDivFactor),
             readOptional(json, "gradient_clip_norm", c.gradientClipNorm),
             readOptional(json, "label_smoothing", c.labelSmoothing),
             readOptional(json, "class_weighted_loss", c.classWeightedLoss),
             readOptional(json, "block_lr_multipliers", c.blockLearningRateMultipliers),
             readEnum(json, "stop_metric", kStopMetrics, c.stopMetric),
             readOptional(json, "early_stop_patience", c.earlyStopPatience),
             readOptional(json, "checkpoint_every_epochs", c.checkpointEveryEpochs),
             readOptional(json, "seed", c.seed),
             readEnum(json, "device", kDevices, c.device),
             readEnum(json, "precision", kPrecisions, c.precision),
             readOptional(json, "channels_last", c.channelsLast),
             readOptional(json, "feature_cache", c.featureCache),
             readOptional(json, "sync_batchnorm", c.syncBatchNorm),
             readOptional(json, "feature_cache_memory_bytes", c.featureCacheMemoryBytes),
             readOptional(json, "report_every_batches", c.reportEveryBatches),
         }) {
        if (!read) return read.error();
    }
    auto kind = parseScheduleKind(schedule);
    if (!kind) return Error{"training config: 'schedule': " + kind.error().message};
    s.kind = kind.value();
    if (c.epochs < 1) return Error{"training config: 'epochs' must be at least 1"};
    if (!(c.learningRate > 0)) return Error{"training config: 'learning_rate' must be positive"};
    if (c.labelSmoothing < 0 || c.labelSmoothing >= 1) {
        return Error{"training config: 'label_smoothing' must be in [0, 1)"};
    }
    return c;
}

}  // namespace fovea::core
