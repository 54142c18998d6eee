#pragma once

#include <cstdint>
#include <string>

#include "fovea/core/result.h"

namespace fovea::core {

enum class ScheduleKind {
    Constant,  // the base rate throughout (after any warmup)
    Step,      // multiplied by `gamma` every `stepEpochs` epochs
    Cosine,    // cosine annealing to minFactor (Loshchilov & Hutter 2017, SGDR without restarts)
    OneCycle,  // Smith & Topin 2018, as torch.optim.lr_scheduler.OneCycleLR (cosine phases)
};

struct ScheduleOptions {
    ScheduleKind kind = ScheduleKind::Constant;
    std::int64_t warmupSteps = 0;  // linear warmup from 1/warmupSteps (not for OneCycle)
    std::int64_t stepEpochs = 10;  // Step
    double gamma = 0.1;            // Step
    double minFactor = 0.0;        // Cosine: final rate as a fraction of the base rate
    double pctStart = 0.3;         // OneCycle: fraction of the steps spent rising
    double divFactor = 25.0;       // OneCycle: start at max / divFactor
    double finalDivFactor = 1e4;   // OneCycle: end at start / finalDivFactor
};

// The learning rate at optimizer step `step` (0-based) of `totalSteps`, as a multiple of the base
// rate (for OneCycle, of the maximum rate). Epoch-based schedules use stepsPerEpoch.
double learningRateFactor(const ScheduleOptions& options, std::int64_t step,
                          std::int64_t totalSteps, std::int64_t stepsPerEpoch);

Result<ScheduleKind> parseScheduleKind(const std::string& name);
const char* scheduleKindName(ScheduleKind kind);

}  // namespace fovea::core
