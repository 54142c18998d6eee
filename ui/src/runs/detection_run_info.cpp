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
    // A stopped run's unfinished epoch, which metrics.csv (read next) does not hold.
    if (run.status == core::RunStatus::Stopped) {
        run.trainingSeconds += summary.value("unfinished_epoch_seconds", 0.0);
    }
}

std::vector<std::string> splitCsv(const std::string& line) {
    std::vector<std::string> cells;
    std::stringstream stream(line);
    std::string cell;
    while (std::getline(stream, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    return cells;
}

// metrics.csv (kDetectionMetricsHeader), columns found by name. A row without its newline is
// still being written (or was cut by a kill) and is skipped, as core's readRunMetrics does.
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
    const int epoch = column("epoch"), loss = column("loss"), map = column("val_map"),
              ap50 = column("val_ap50"), ap75 = column("val_ap75"), rate = column("learning_rate"),
              seconds = column("seconds"), speed = column("images_per_second"),
              improved = column("improved");
    while (std::getline(in, line)) {
        if (in.eof()) break;
        const auto cells = splitCsv(line);
        if (cells.size() != header.size()) continue;
        auto value = [&](int at) -> std::optional<double> {
            if (at < 0 || cells[static_cast<std::size_t>(at)].empty()) return std::nullopt;
            try {
                return std::stod(cells[static_cast<std::size_t>(at)]);
            } catch (const std::exception&) {
                return std::nullopt;
            }
        };
        const auto number = value(epoch);
        if (!number || *number < 1) continue;
        core::DetectionEpochReport report;
        report.epoch = static_cast<std::int64_t>(*number) - 1;
        report.loss = value(loss).value_or(0);
        // Each of torchvision's losses has its column, named as in the report's map.
        for (std::size_t at = 0; at < header.size(); ++at) {
            if (header[at].rfind("loss_", 0) != 0) continue;
            if (const auto part = value(static_cast<int>(at))) report.losses[header[at]] = *part;
        }
        report.validation.map = value(map);
        report.validation.ap50 = value(ap50);
        report.validation.ap75 = value(ap75);
        // An empty mAP cell: the run had no validation images.
        report.hasValidation = report.validation.map.has_value();
        report.learningRate = value(rate).value_or(0);
        report.seconds = value(seconds).value_or(0);
        report.imagesPerSecond = value(speed).value_or(0);
        report.improved = value(improved).value_or(0) != 0;
        run.trainingSeconds += report.seconds;
        const auto& v = report.validation;
        if (v.map && (!run.bestMap || *v.map > *run.bestMap)) run.bestMap = v.map;
        if (v.ap50 && (!run.bestAp50 || *v.ap50 > *run.bestAp50)) run.bestAp50 = v.ap50;
        run.epochs.push_back(std::move(report));
    }
    run.epochsDone = static_cast<qint64>(run.epochs.size());
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
    const nlohmann::json trainIds = config.value("train_image_ids", nlohmann::json::array());
    if (trainIds.is_array() && run.settings.batchSize > 0) {
        const auto images = static_cast<qint64>(trainIds.size());
        run.stepsPerEpoch = (images + run.settings.batchSize - 1) / run.settings.batchSize;
    }
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
               "detection · %1 · batch %2 · lr %3 · %4 · min size %5 · "
               "trainable backbone stages %6 · frozen %7 · flip %8, scale %9, crop %10")
        .arg(s.epochs == 1 ? QString("1 epoch") : QString("%1 epochs").arg(s.epochs))
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
