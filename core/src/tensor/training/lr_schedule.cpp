#include "fovea/core/training/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace fovea::core {
namespace {

constexpr double kPi = 3.14159265358979323846;

// OneCycleLR._annealing_cos: from `start` to `end` as pct goes from 0 to 1.
double annealCos(double start, double end, double pct) {
    return end + (start - end) / 2.0 * (std::cos(kPi * pct) + 1.0);
}

double oneCycleFactor(const ScheduleOptions& options, std::int64_t step, std::int64_t totalSteps) {
    // torch's two phases: initial -> max until pct_start * total - 1, then max -> min.
    const double initial = 1.0 / options.divFactor;
    const double minimum = initial / options.finalDivFactor;
    const double firstEnd = options.pctStart * static_cast<double>(totalSteps) - 1.0;
    const double lastEnd = static_cast<double>(totalSteps) - 1.0;
    const double s = static_cast<double>(step);
    if (s <= firstEnd) return annealCos(initial, 1.0, firstEnd > 0 ? s / firstEnd : 1.0);
    const double span = lastEnd - firstEnd;
    return annealCos(1.0, minimum, span > 0 ? std::min(1.0, (s - firstEnd) / span) : 1.0);
}

}  // namespace

double learningRateFactor(const ScheduleOptions& options, std::int64_t step,
                          std::int64_t totalSteps, std::int64_t stepsPerEpoch) {
    if (options.kind == ScheduleKind::OneCycle) return oneCycleFactor(options, step, totalSteps);
    if (step < options.warmupSteps) {
        return static_cast<double>(step + 1) / static_cast<double>(options.warmupSteps);
    }
    switch (options.kind) {
        case ScheduleKind::Constant:
        case ScheduleKind::OneCycle:
            return 1.0;
        case ScheduleKind::Step: {
            const std::int64_t epoch = step / std::max<std::int64_t>(1, stepsPerEpoch);
            return std::pow(options.gamma, epoch / std::max<std::int64_t>(1, options.stepEpochs));
        }
        case ScheduleKind::Cosine: {
            const std::int64_t span = std::max<std::int64_t>(1, totalSteps - options.warmupSteps);
            const double progress =
                std::min(1.0, static_cast<double>(step - options.warmupSteps) / span);
            return options.minFactor +
                   (1.0 - options.minFactor) * 0.5 * (1.0 + std::cos(kPi * progress));
        }
    }
    return 1.0;
}

Result<ScheduleKind> parseScheduleKind(const std::string& name) {
    for (auto kind : {ScheduleKind::Constant, ScheduleKind::Step, ScheduleKind::Cosine,
                      ScheduleKind::OneCycle}) {
        if (name == scheduleKindName(kind)) return kind;
    }
    return Error{"unknown schedule '" + name + "' (expected constant, step, cosine or onecycle)"};
}

const char* scheduleKindName(ScheduleKind kind) {
    switch (kind) {
        case ScheduleKind::Constant:
            return "constant";
        case ScheduleKind::Step:
            return "step";
        case ScheduleKind::Cosine:
            return "cosine";
        case ScheduleKind::OneCycle:
            return "onecycle";
    }
    return "constant";
}

}  // namespace fovea::core
