#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace fovea::core {

struct ScalarPoint {
    std::int64_t step = 0;
    double value = 0;
};

// Every scalar curve of a run, by tag ("batch/loss"), each sorted by step.
using ScalarCurves = std::map<std::string, std::vector<ScalarPoint>>;

// Reads the scalar summaries of the TensorBoard event files in `folder` (those whose name holds
// "tfevents", as TensorBoard finds them), so a run's curves can be drawn again after the
// process that wrote them has gone: the per-batch loss of a resumed run, a run followed from
// another machine. Files are read in the order they were made (their names hold the creation
// time in seconds and, for two of one process in the same second, a counter).
// A run resumed from a checkpoint starts a new file at an earlier step than the old one
// reached; the later file's points replace the earlier file's from its first step on, as the
// resumed run replaced that training. An incomplete or corrupt record ends its file (the
// writer may still be appending it); text summaries and unknown fields are skipped. A missing
// or unreadable folder has no curves.
ScalarCurves readTensorBoardScalars(const std::filesystem::path& folder);

}  // namespace fovea::core
