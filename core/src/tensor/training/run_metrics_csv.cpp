#include "run_metrics_csv.h"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "fovea/core/atomic_file.h"
#include "fovea/core/training/run_folder.h"
#include "run_files.h"

namespace fovea::core::run_detail {
namespace {

namespace fs = std::filesystem;

// The 1-based epoch at the start of a row, or nothing for a row that does not start with one.
std::optional<std::int64_t> rowEpoch(std::string_view row) {
    std::int64_t epoch = 0;
    const auto [end, error] = std::from_chars(row.data(), row.data() + row.size(), epoch);
    if (error != std::errc() || end == row.data() + row.size() || *end != ',') return std::nullopt;
    return epoch;
}

std::string metricsRow(const EpochReport& report) {
    std::string row = std::to_string(report.epoch + 1);
    const auto cell = [&row](const std::string& text) {
        row += ',';
        row += text;
    };
    cell(shortest(report.trainLoss));
    cell(shortest(report.trainAccuracy));
    cell(report.hasValidation ? shortest(report.validationLoss) : "");
    cell(report.hasValidation ? shortest(report.validationAccuracy) : "");
    cell(report.hasValidation ? shortest(report.validationMacroF1) : "");
    cell(shortest(report.learningRate));
    cell(shortest(report.seconds));
    cell(shortest(report.imagesPerSecond));
    cell(report.improved ? "true" : "false");
    row += '\n';
    return row;
}

// The header, the complete rows of epochs before `epoch` (1-based), and `row`.
std::string rewrittenMetrics(const std::string& content, std::int64_t epoch,
                             const std::string& row) {
    std::string result = std::string(RunFolder::kMetricsHeader) + "\n";
    std::size_t start = content.find('\n');  // after the old header
    start = start == std::string::npos ? content.size() : start + 1;
    while (start < content.size()) {
        const std::size_t end = content.find('\n', start);
        if (end == std::string::npos) break;
        const std::string_view line(content.data() + start, end - start + 1);
        if (const auto lineEpoch = rowEpoch(line); lineEpoch && *lineEpoch < epoch) {
            result += line;
        }
        start = end + 1;
    }
    result += row;
    return result;
}

}  // namespace

MetricsCsv::State MetricsCsv::scan(const std::string& content) {
    State state;
    if (content.empty() || content.back() != '\n') state.needsRewrite = true;
    std::size_t start = 0;
    bool header = true;
    while (start < content.size()) {
        const std::size_t end = content.find('\n', start);
        if (end == std::string::npos) break;  // the truncated tail, already noted
        const std::string_view line(content.data() + start, end - start);
        if (header) {
            if (line != RunFolder::kMetricsHeader) state.needsRewrite = true;
            header = false;
        } else if (const auto epoch = rowEpoch(line)) {
            state.lastEpoch = std::max(state.lastEpoch, *epoch);
        } else {
            state.needsRewrite = true;
        }
        start = end + 1;
    }
    return state;
}

Result<MetricsCsv> MetricsCsv::create(fs::path file) {
    if (auto written =
            files::writeFileAtomically(file, std::string(RunFolder::kMetricsHeader) + "\n");
        !written) {
        return written.error();
    }
    return MetricsCsv(std::move(file), State{0, false});
}

Result<MetricsCsv> MetricsCsv::open(fs::path file) {
    // A missing file is written, header first, with the next row.
    if (std::error_code error; !fs::exists(file, error))
        return MetricsCsv(std::move(file), State{0, true});
    auto content = files::readWholeFile(file);
    if (!content) return content.error();
    return MetricsCsv(std::move(file), scan(content.value()));
}

Result<void> MetricsCsv::appendRow(const EpochReport& report) {
    const std::int64_t epoch = report.epoch + 1;
    const std::string row = metricsRow(report);
    if (m_state.needsRewrite || epoch <= m_state.lastEpoch) return rewriteWith(epoch, row);
    // Opened per row: a rewrite replaces the file, and a kept descriptor would then append to
    // the replaced one.
    const UniqueFd metrics(::open(m_file.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
    if (metrics.get() < 0) {
        if (errno != ENOENT) {
            return Error{"Cannot open " + m_file.string() + ": " + systemReason(errno)};
        }
        // Deleted under us: start it again, header included.
        return rewriteWith(epoch, row);
    }
    if (auto appended = appendWhole(metrics.get(), m_file, row); !appended) return appended;
    m_state.lastEpoch = epoch;
    return {};
}

// A resumed run reporting an epoch again (killed after the row, before the checkpoint) or a
// damaged file: keep the earlier epochs' rows, replace the rest.
Result<void> MetricsCsv::rewriteWith(std::int64_t epoch, const std::string& row) {
    std::string content;
    if (std::error_code error; fs::exists(m_file, error)) {
        auto read = files::readWholeFile(m_file);
        if (!read) return read.error();
        content = std::move(read).value();
    }
    if (auto written = files::writeFileAtomically(m_file, rewrittenMetrics(content, epoch, row));
        !written) {
        return written;
    }
    m_state = State{epoch, false};
    return {};
}

}  // namespace fovea::core::run_detail
