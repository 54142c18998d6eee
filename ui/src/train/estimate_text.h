#pragma once

#include <QString>

#include "fovea/core/session/run_estimate.h"

namespace fovea::ui {

// The Train page's sentence for a run's estimated time over `epochs`: the whole, the device,
// the cost per epoch (the first epochs apart when the frozen blocks' features are cached after
// them and that makes a visible difference), and the measured speed.
QString estimateSentence(const core::RunTimeEstimate& estimate, qint64 epochs);
// Its first part: "About 3 min on cpu".
QString estimateSummary(const core::RunTimeEstimate& estimate, qint64 epochs);

}  // namespace fovea::ui
