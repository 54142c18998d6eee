#include "runs/detection_run_info.h"

#include <QStringList>
#include <fstream>
#include <sstream>
#include <vector>

#include "fovea/core/session/detection_freezing.h"
#include "fovea/core/training/run_activity.h"
#include "fovea/core/training/run_folder_layout.h"

namespace fovea::ui {
namespace {

namespace layout = core::run_layout;

// The status as core's catalogue derives it for classification runs: the running mark, then
// failure.json, then summary.json's outcome.
void readStatus(const std::filesystem::path& folder, DetectionRunInfo& run) {
    const core::RunActivity activity = core::runActivity(folder);
    if (activity.marked) {
        run.status = activity.live ? core::RunStatus::Running : core::RunStatus::Interrupted;
        return;
    }
    const nlohmann::json failure = core::loadJsonFile(folder / layout::kFailureFile);
    if (failure.is_object()) {
        run.status = core::RunStatus::Failed;
        run.message = QString::fromStdString(failure.value("message", std::string("failed")));
        return;
    }
    const nlohmann::json summary = core::loadJsonFile(folder / layout::kSummaryFile);
    if (!summary.is_object()) return;  // killed before its end: interrupted
    const std::string outcome = summary.value("outcome", std::string());
    run.message = QString::fromStdString(summary.value("message", std::string()));
    run.status = outcome == "completed" ? core::RunStatus::Finished
                 : outcome == "stopped" ? core::RunStatus::Stopped
                                        : core::RunStatus::Failed;
}

std::vector<std::string> splitCsv(const std::string& line) {
    std::vector<std::string> cells;
    std::stringstream stream(line);
    std::string cell;
    while (std::getline(stream, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    return cells;
}

// metrics.csv (kDetectionMetricsHeader), columns found by name; a cut-off last row is skipped.
void readMetrics(const std::filesystem::path& folder, DetectionRunInfo& run) {
    std::ifstream in(folder / layout::kMetricsFile);
    std::string line;
    if (!std::getline(in, line)) return;
    const auto header = splitCsv(line);
    auto column = [&](const std::string& name) {
        for (std::size_t i = 0; i < header.size(); ++i) {
            if (header[i] == name) return static_cast<int>(i);
        }
        return -1;
    };
    const int map = column("val_map"), ap50 = column("val_ap50"), seconds = column("seconds");
    while (std::getline(in, line)) {
        const auto cells = splitCsv(line);
        if (cells.size() != header.size()) continue;
        ++run.epochsDone;
        auto value = [&](int at) -> std::optional<double> {
            if (at < 0 || cells[static_cast<std::size_t>(at)].empty()) return std::nullopt;
            try {
                return std::stod(cells[static_cast<std::size_t>(at)]);
            } catch (const std::exception&) {
                return std::nullopt;
            }
        };
        run.trainingSeconds += value(seconds).value_or(0);
        if (const auto m = value(map); m && (!run.bestMap || *m > *run.bestMap)) run.bestMap = m;
        if (const auto a = value(ap50); a && (!run.bestAp50 || *a > *run.bestAp50)) {
            run.bestAp50 = a;
        }
    }
}

}  // namespace

std::optional<DetectionRunInfo> readDetectionRunInfo(const std::filesystem::path& folder) {
    const nlohmann::json config = core::loadJsonFile(folder / layout::kConfigFile);
    if (!config.is_object() || config.value("task", std::string()) != core::kDetectionTask) {
        return std::nullopt;
    }
    DetectionRunInfo run;
    if (auto settings = core::detectionSettingsFromJson(config.value("settings", nlohmann::json{}));
        settings) {
        run.settings = settings.value();
    }
    const nlohmann::json backbone = config.value("backbone_weights", nlohmann::json{});
    run.weights = backbone.is_object()
                      ? QString::fromStdString(backbone.value("description", run.settings.weights))
                      : QString("none (random initialisation)");
    run.created = config.value("created", std::string());
    readStatus(folder, run);
    readMetrics(folder, run);
    return run;
}

QString detectionSettingsLine(const DetectionRunInfo& run) {
    const auto& s = run.settings;
    QStringList frozen;
    for (const auto& part : s.frozenParts) {
        frozen << QString::fromStdString(core::detectorPartShortName(part));
    }
    return QString(
               "detection · %1 epochs · batch %2 · lr %3 · %4 · min size %5 · "
               "trainable backbone stages %6 · frozen %7 · flip %8, scale %9, crop %10")
        .arg(s.epochs)
        .arg(s.batchSize)
        .arg(s.learningRate)
        .arg(core::scheduleKindName(s.schedule.kind))
        .arg(s.minSize ? QString::number(s.minSize) : QString("default"))
        .arg(s.trainableBackboneLayers)
        .arg(frozen.isEmpty() ? QString("none") : frozen.join(", "))
        .arg(s.augmentation.horizontalFlip ? "on" : "off")
        .arg(s.augmentation.minScale)
        .arg(s.augmentation.cropProbability);
}

}  // namespace fovea::ui
