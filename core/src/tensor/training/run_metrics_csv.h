#pragma once

// metrics.csv of a run folder: RunFolder::kMetricsHeader, then one row per epoch (numbered
// from 1). Internal to fovea_training.

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>

#include "fovea/core/result.h"
#include "fovea/core/training/training_reports.h"

namespace fovea::core::run_detail {

class MetricsCsv {
  public:
    // Writes a new file holding the header only.
    static Result<MetricsCsv> create(std::filesystem::path file);
    // The file of a run being resumed, which may be missing or damaged: the next row then
    // rewrites it, header first.
    static Result<MetricsCsv> open(std::filesystem::path file);

    // Appends the row of `report` with a single write(). An epoch that the file already has
    // (a resumed run killed after the row but before its checkpoint) or a damaged file makes
    // it rewrite the file atomically instead: the earlier epochs' rows, then this one.
    Result<void> appendRow(const EpochReport& report);

  private:
    struct State {
        std::int64_t lastEpoch = 0;  // the highest epoch with a row, 1-based; 0: none
        // The file is missing, has another header, a row that is not one, or a truncated last
        // line: the next row rewrites it instead of appending.
        bool needsRewrite = false;
    };

    MetricsCsv(std::filesystem::path file, State state) : m_file(std::move(file)), m_state(state) {}

    static State scan(const std::string& content);
    Result<void> rewriteWith(std::int64_t epoch, const std::string& row);

    std::filesystem::path m_file;
    State m_state;
};

}  // namespace fovea::core::run_detail
