#pragma once

#include <QString>
#include <cstdint>

#include "fovea/core/session/run_estimate.h"

namespace fovea::ui {

// A new project's first run should finish in a few minutes on a CPU, so that people see the
// whole loop before they tune anything. This picks its input size and epochs from a measured
// estimate of the run as set.
struct FirstRunChoice {
    std::int64_t epochs = 0;
    int imageSize = 0;  // the network input side to use; the estimate's when unchanged
    bool changed = false;
    QString note;  // what was chosen and why, for the Train page
};

inline constexpr double kFirstRunTargetSeconds = 5 * 60;
inline constexpr std::int64_t kFirstRunMinimumEpochs = 3;
inline constexpr int kSmallestFirstRunSize = 96;

// `estimate` of the settings as they are (`epochs` epochs at estimate.imageSize); `dataSide`:
// the median shorter side of the project's images (0: unknown). On a GPU nothing changes.
// Small images (28 px garments) need no more than 96 px. Otherwise the epochs come down
// (to kFirstRunMinimumEpochs at least) until the run fits the target, then the input size
// (in steps of 32 px, down to 96), its cost taken as proportional to its area.
FirstRunChoice chooseFirstRun(const core::RunTimeEstimate& estimate, std::int64_t epochs,
                              int dataSide, double targetSeconds = kFirstRunTargetSeconds);

}  // namespace fovea::ui
