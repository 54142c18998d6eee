// The run folder: a real trainer on a tiny problem writes config.json, metrics.csv, log.txt, a
// TensorBoard file and summary.json that read back to exactly what it reported; an existing run
// is refused; a resumed run replaces the epochs it reports again; a full disk stops recording
// but not training.
#include "fovea/core/training/run_folder.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fovea/core/models/zoo.h"
#include "fovea/core/training/report_json.h"
#include "fovea/core/training/trainer.h"
#include "fovea/core/version.h"
#include "in_memory_batch_source.h"
#include "run_process.h"
#include "temp_folder.h"
#include "tiny_problem.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using fovea::test::makeTinyNetwork;
using fovea::test::makeTinyProblem;
using fovea::test::TinyProblem;

TrainingConfig smallConfig() {
    TrainingConfig config;
    config.epochs = 3;
    config.learningRate = 2e-3;
    config.seed = 5;
    config.featureCache = false;
    return config;
}

// --- Reading the files back ---

std::string fileText(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> splitLines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        if (end == std::string::npos) {
            lines.push_back(text.substr(start));
            break;
        }
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

std::vector<std::string> splitCells(const std::string& row) {
    std::vector<std::string> cells;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = row.find(',', start);
        cells.push_back(row.substr(start, comma == std::string::npos ? comma : comma - start));
        if (comma == std::string::npos) return cells;
        start = comma + 1;
    }
}

// metrics.csv as rows of cells, header first; checks that every line is complete.
std::vector<std::vector<std::string>> readCsv(const fs::path& file) {
    const std::string text = fileText(file);
    EXPECT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n') << "the last row is incomplete";
    std::vector<std::vector<std::string>> rows;
    for (const auto& line : splitLines(text)) rows.push_back(splitCells(line));
    return rows;
}

double number(const std::string& cell) { return std::strtod(cell.c_str(), nullptr); }

std::vector<fs::path> eventFiles(const fs::path& folder) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(folder)) {
        if (entry.path().filename().string().find("tfevents") != std::string::npos) {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

// The event file read by an independent reader (Python protobuf), as in run_log_test.cpp.
json readEvents(const fs::path& file) {
    const auto result = test::runProcess(
        "/usr/bin/python3",
        {test::foveaSourceDir() + "/tests/core/tensor/run_log/read_tfevents.py", file.string()});
    EXPECT_EQ(result.exitCode, 0) << "read_tfevents.py failed on " << file;
    if (result.exitCode != 0) return json::object();
    return json::parse(result.output);
}

struct Point {
    std::int64_t step;
    double value;
};

std::vector<Point> curve(const json& events, const std::string& tag) {
    std::vector<Point> points;
    for (const auto& row : events.at("scalars")) {
        if (row[0] == tag) {
            points.push_back({row[1].get<std::int64_t>(),
                              std::strtod(row[2].get<std::string>().c_str(), nullptr)});
        }
    }
    return points;
}

// TensorBoard keeps float32.
void expectCurve(const json& events, const std::string& tag, const std::vector<Point>& expected) {
    const auto actual = curve(events, tag);
    ASSERT_EQ(actual.size(), expected.size()) << tag;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(actual[i].step, expected[i].step) << tag << " point " << i;
        EXPECT_EQ(static_cast<float>(actual[i].value), static_cast<float>(expected[i].value))
            << tag << " point " << i;
    }
}

bool isTimestamped(const std::string& line) {
    static const std::regex pattern(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ .+$)");
    return std::regex_match(line, pattern);
}

// log.txt's messages, without their times; checks that every line has one.
std::vector<std::string> logMessages(const fs::path& file) {
    std::vector<std::string> messages;
    for (const auto& line : splitLines(fileText(file))) {
        EXPECT_TRUE(isTimestamped(line)) << line;
        messages.push_back(line.substr(21));
    }
    return messages;
}

bool startsWith(const std::string& text, const std::string& prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

int countStartingWith(const std::vector<std::string>& lines, const std::string& prefix) {
    return static_cast<int>(std::count_if(lines.begin(), lines.end(), [&](const std::string& line) {
        return startsWith(line, prefix);
    }));
}

EpochReport syntheticReport(std::int64_t epoch, double trainLoss, bool withValidation) {
    EpochReport report;
    report.epoch = epoch;
    report.trainLoss = trainLoss;
    report.trainAccuracy = 0.25 + 0.1 * epoch;
    report.hasValidation = withValidation;
    if (withValidation) {
        report.validationLoss = trainLoss + 0.125;
        report.validationAccuracy = 0.5;
        report.validationMacroF1 = 0.4;
    }
    report.learningRate = 1e-3 / (epoch + 1);
    report.seconds = 1.5;
    report.imagesPerSecond = 16;
    report.improved = epoch == 0;
    return report;
}

class RunFolderTest : public ::testing::Test {
  protected:
    fovea::test::TempFolder m_folder{"fovea-run-folder"};
};

TEST_F(RunFolderTest, RecordsEveryEventOfARealTrainingRun) {
    const TinyProblem train = makeTinyProblem(24, 1);
    const TinyProblem validation = makeTinyProblem(12, 2);
    fovea::test::InMemoryBatchSource trainSource(train.images, train.targets, 8);
    fovea::test::InMemoryBatchSource validationSource(validation.images, validation.targets, 12);
    const TrainingConfig config = smallConfig();
    const json description = {{"architecture", "mobilenet_v3_small"},
                              {"classes", {"red", "green", "blue"}},
                              {"image_size", 32},
                              {"training", toJson(config)}};
    const fs::path folder = m_folder / "runs" / "first";
    auto created = RunFolder::create(folder, description);
    ASSERT_TRUE(created.ok()) << created.error().message;
    RunFolder run = std::move(created).value();
    EXPECT_EQ(run.path(), folder);
    EXPECT_EQ(run.checkpointFolder(), folder / "checkpoints");
    EXPECT_TRUE(fs::is_directory(run.checkpointFolder()));

    Trainer trainer(makeTinyNetwork(), config, {&trainSource, &validationSource, {}, {}});
    trainer.setCheckpointFolder(run.checkpointFolder());
    std::vector<BatchProgress> batches;
    std::vector<EpochReport> epochs;
    std::vector<std::string> logs;
    TrainingCallbacks forward;
    forward.onBatch = [&](const BatchProgress& p) { batches.push_back(p); };
    forward.onEpoch = [&](const EpochReport& r) { epochs.push_back(r); };
    forward.onLog = [&](const std::string& line) { logs.push_back(line); };
    TrainingControl control;
    auto summary = trainer.run(control, run.callbacks(forward));
    ASSERT_TRUE(summary.ok()) << summary.error().message;
    auto written = run.writeSummary(summary.value());
    ASSERT_TRUE(written.ok()) << written.error().message;
    EXPECT_FALSE(run.recordingError().has_value()) << run.recordingError()->message;

    // Every event still reached the caller.
    ASSERT_EQ(batches.size(), 9u);
    ASSERT_EQ(epochs.size(), 3u);
    ASSERT_FALSE(logs.empty());
    EXPECT_TRUE(fs::exists(run.checkpointFolder() / "last.pt"));

    // config.json: the description as given, plus the version and creation time.
    const json stored = json::parse(fileText(folder / "config.json"));
    for (const auto& [key, value] : description.items()) EXPECT_EQ(stored.at(key), value) << key;
    EXPECT_EQ(stored.at("fovea_version"), kFoveaVersion);
    EXPECT_TRUE(std::regex_match(stored.at("created").get<std::string>(),
                                 std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$)")))
        << stored.at("created");
    EXPECT_EQ(stored.size(), description.size() + 2);
    // Written once, at create(): the training run left it as it was.
    EXPECT_EQ(stored.at("training"), toJson(config));
    EXPECT_NE(fileText(folder / "config.json").find("\n    \"architecture\""), std::string::npos)
        << "config.json should be pretty-printed";

    // metrics.csv: one row per epoch, numbered from 1, holding exactly the reported numbers.
    const auto rows = readCsv(folder / "metrics.csv");
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(
        fileText(folder / "metrics.csv").substr(0, fileText(folder / "metrics.csv").find('\n')),
        RunFolder::kMetricsHeader);
    for (std::size_t i = 0; i < epochs.size(); ++i) {
        const auto& row = rows[i + 1];
        const EpochReport& r = epochs[i];
        ASSERT_EQ(row.size(), 10u) << "row " << i + 1;
        EXPECT_EQ(row[0], std::to_string(i + 1));
        EXPECT_EQ(number(row[1]), r.trainLoss);
        EXPECT_EQ(number(row[2]), r.trainAccuracy);
        EXPECT_EQ(number(row[3]), r.validationLoss);
        EXPECT_EQ(number(row[4]), r.validationAccuracy);
        EXPECT_EQ(number(row[5]), r.validationMacroF1);
        EXPECT_EQ(number(row[6]), r.learningRate);
        EXPECT_EQ(number(row[7]), r.seconds);
        EXPECT_EQ(number(row[8]), r.imagesPerSecond);
        EXPECT_EQ(row[9], r.improved ? "true" : "false");
    }

    // log.txt: the trainer's lines in order, one line per epoch, the end; each with a UTC time.
    const auto messages = logMessages(folder / "log.txt");
    std::size_t next = 0;
    for (const auto& message : messages) {
        if (next < logs.size() && message == logs[next]) ++next;
    }
    EXPECT_EQ(next, logs.size()) << "not every trainer log line is in log.txt, in order";
    for (int epoch = 1; epoch <= 3; ++epoch) {
        EXPECT_EQ(countStartingWith(messages, "epoch " + std::to_string(epoch) + ": train loss "),
                  1)
            << "epoch " << epoch;
    }
    EXPECT_EQ(countStartingWith(messages, "finished: completed after 3 epochs, "), 1);

    // TensorBoard: the config as text, batch curves by optimizer step, epoch curves from 1.
    const auto files = eventFiles(folder);
    ASSERT_EQ(files.size(), 1u);
    const json events = readEvents(files[0]);
    ASSERT_TRUE(events.contains("scalars"));
    ASSERT_EQ(events.at("texts").size(), 1u);
    EXPECT_EQ(events.at("texts")[0][0], "config");
    std::vector<Point> loss;
    std::vector<Point> rate;
    for (const auto& b : batches) {
        loss.push_back({b.step, b.loss});
        rate.push_back({b.step, b.learningRate});
    }
    expectCurve(events, "batch/loss", loss);
    expectCurve(events, "batch/learning_rate", rate);
    const auto epochCurve = [&](double EpochReport::*field) {
        std::vector<Point> points;
        for (const auto& r : epochs) points.push_back({r.epoch + 1, r.*field});
        return points;
    };
    expectCurve(events, "epoch/train_loss", epochCurve(&EpochReport::trainLoss));
    expectCurve(events, "epoch/train_accuracy", epochCurve(&EpochReport::trainAccuracy));
    expectCurve(events, "epoch/val_loss", epochCurve(&EpochReport::validationLoss));
    expectCurve(events, "epoch/val_accuracy", epochCurve(&EpochReport::validationAccuracy));
    expectCurve(events, "epoch/val_macro_f1", epochCurve(&EpochReport::validationMacroF1));
    expectCurve(events, "epoch/learning_rate", epochCurve(&EpochReport::learningRate));
    EXPECT_EQ(events.at("scalars").size(), 2 * batches.size() + 6 * epochs.size());

    // summary.json: the summary's JSON and when it finished.
    json summaryJson = json::parse(fileText(folder / "summary.json"));
    ASSERT_TRUE(summaryJson.contains("finished"));
    summaryJson.erase("finished");
    EXPECT_EQ(summaryJson, toJson(summary.value()));
}

TEST_F(RunFolderTest, WithoutValidationTheValidationCellsAndCurvesAreLeftOut) {
    TrainingCallbacks callbacks;
    fs::path folder = m_folder / "run";
    {
        auto created = RunFolder::create(folder, json::object());
        ASSERT_TRUE(created.ok()) << created.error().message;
        RunFolder moved = std::move(created).value();
        callbacks = moved.callbacks();
        callbacks.onLog("two\nlines");
    }
    // The callbacks keep recording after the RunFolder is gone.
    callbacks.onEpoch(syntheticReport(0, 1.25, false));
    callbacks.onBatch({});

    const auto rows = readCsv(folder / "metrics.csv");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1], (std::vector<std::string>{"1", "1.25", "0.25", "", "", "", "0.001", "1.5",
                                                 "16", "true"}));
    const auto messages = logMessages(folder / "log.txt");
    EXPECT_EQ(std::count(messages.begin(), messages.end(), "two lines"), 1);

    callbacks = {};  // the last owner: the TensorBoard file is complete now
    const auto files = eventFiles(folder);
    ASSERT_EQ(files.size(), 1u);
    const json events = readEvents(files[0]);
    EXPECT_EQ(curve(events, "epoch/train_loss").size(), 1u);
    EXPECT_EQ(curve(events, "epoch/learning_rate").size(), 1u);
    EXPECT_TRUE(curve(events, "epoch/val_loss").empty());
    EXPECT_TRUE(curve(events, "epoch/val_accuracy").empty());
    EXPECT_TRUE(curve(events, "epoch/val_macro_f1").empty());
}

TEST_F(RunFolderTest, CreateRefusesAFolderThatHoldsARun) {
    const fs::path folder = m_folder / "run";
    ASSERT_TRUE(RunFolder::create(folder, {{"architecture", "resnet18"}}).ok());

    auto again = RunFolder::create(folder, {{"architecture", "resnet50"}});
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.error().message.find(folder.string()), std::string::npos)
        << again.error().message;
    EXPECT_NE(again.error().message.find("already holds a training run"), std::string::npos);
    EXPECT_NE(again.error().message.find("--resume"), std::string::npos);
    EXPECT_EQ(json::parse(fileText(folder / "config.json")).at("architecture"), "resnet18");

    // An empty folder, or one with unrelated files, is fine.
    fs::create_directories(m_folder / "empty");
    EXPECT_TRUE(RunFolder::create(m_folder / "empty", json::object()).ok());
    fs::create_directories(m_folder / "notes");
    std::ofstream(m_folder / "notes" / "README.md") << "my experiments\n";
    EXPECT_TRUE(RunFolder::create(m_folder / "notes", json::object()).ok());

    // Leftovers of a run without its config.json are refused too, by name.
    fs::create_directories(m_folder / "leftovers");
    std::ofstream(m_folder / "leftovers" / "metrics.csv") << "epoch\n";
    auto leftovers = RunFolder::create(m_folder / "leftovers", json::object());
    ASSERT_FALSE(leftovers.ok());
    EXPECT_NE(leftovers.error().message.find("metrics.csv"), std::string::npos)
        << leftovers.error().message;

    std::ofstream(m_folder / "a-file") << "x";
    EXPECT_FALSE(RunFolder::create(m_folder / "a-file", json::object()).ok());

    auto notAnObject = RunFolder::create(m_folder / "never", json::array());
    ASSERT_FALSE(notAnObject.ok());
    EXPECT_FALSE(fs::exists(m_folder / "never"));

    auto nothingToResume = RunFolder::open(m_folder / "empty2");
    ASSERT_FALSE(nothingToResume.ok());
    EXPECT_NE(nothingToResume.error().message.find("no training run"), std::string::npos)
        << nothingToResume.error().message;
}

TEST_F(RunFolderTest, InvalidUtf8IsReplacedNotThrown) {
    // A class folder named in Latin-1: nlohmann::json would throw when writing it as it is.
    const fs::path folder = m_folder / "run";
    auto created = RunFolder::create(folder, {{"classes", {"caf\xe9"}}});
    ASSERT_TRUE(created.ok()) << created.error().message;
    EXPECT_EQ(json::parse(fileText(folder / "config.json")).at("classes")[0], "caf\xef\xbf\xbd");
    TrainingSummary summary;
    summary.message = "stopped in caf\xe9";
    ASSERT_TRUE(created.value().writeSummary(summary).ok());
    EXPECT_EQ(json::parse(fileText(folder / "summary.json")).at("message"),
              "stopped in caf\xef\xbf\xbd");
}

TEST_F(RunFolderTest, ReopenedRunReplacesTheEpochsReportedAgain) {
    const fs::path folder = m_folder / "run";
    {
        auto created = RunFolder::create(folder, {{"architecture", "resnet18"}});
        ASSERT_TRUE(created.ok()) << created.error().message;
        RunFolder run = std::move(created).value();
        TrainingCallbacks callbacks = run.callbacks();
        callbacks.onLog("first process");
        for (int epoch = 0; epoch < 3; ++epoch) {
            callbacks.onEpoch(syntheticReport(epoch, 0.9 - 0.1 * epoch, true));
        }
    }
    // A torn last line (power loss; this class never writes one) must not merge with the next.
    std::ofstream(folder / "metrics.csv", std::ios::app) << "4,0.12";

    const std::string configBefore = fileText(folder / "config.json");
    auto opened = RunFolder::open(folder);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    RunFolder run = std::move(opened).value();
    // Reopening leaves config.json to its reader: the same file, still this run's.
    EXPECT_EQ(fileText(folder / "config.json"), configBefore);
    EXPECT_EQ(json::parse(configBefore).at("architecture"), "resnet18");
    EXPECT_EQ(json::parse(configBefore).at("fovea_version"), kFoveaVersion);
    TrainingCallbacks callbacks = run.callbacks();
    callbacks.onLog("second process");
    // Killed after epoch 3's row but before its checkpoint, which was at the end of epoch 1:
    // the resumed trainer reports epochs 2 and 3 again, then goes on with 4.
    callbacks.onEpoch(syntheticReport(1, 0.5, true));
    callbacks.onEpoch(syntheticReport(2, 0.4, true));
    callbacks.onEpoch(syntheticReport(3, 0.3, true));
    EXPECT_FALSE(run.recordingError().has_value()) << run.recordingError()->message;

    const auto rows = readCsv(folder / "metrics.csv");
    ASSERT_EQ(rows.size(), 5u);
    const std::vector<std::pair<std::string, double>> expected = {
        {"1", 0.9}, {"2", 0.5}, {"3", 0.4}, {"4", 0.3}};
    for (std::size_t i = 0; i < expected.size(); ++i) {
        ASSERT_EQ(rows[i + 1].size(), 10u);
        EXPECT_EQ(rows[i + 1][0], expected[i].first);
        EXPECT_EQ(number(rows[i + 1][1]), expected[i].second) << "row " << i + 1;
    }

    // The log goes on; the curves go to a second event file beside the first.
    const auto messages = logMessages(folder / "log.txt");
    const auto first = std::find(messages.begin(), messages.end(), "first process");
    const auto second = std::find(messages.begin(), messages.end(), "second process");
    ASSERT_NE(first, messages.end());
    ASSERT_NE(second, messages.end());
    EXPECT_LT(first, second);
    EXPECT_EQ(countStartingWith(messages, "run reopened to resume"), 1);
    EXPECT_EQ(countStartingWith(messages, "epoch 2: "), 2);  // the log keeps history
    EXPECT_EQ(eventFiles(folder).size(), 2u);
}

TEST_F(RunFolderTest, ResumedTrainingAfterAKillWritesEachEpochOnce) {
    const TinyProblem train = makeTinyProblem(24, 3);
    const TrainingConfig config = smallConfig();
    const fs::path folder = m_folder / "run";
    const fs::path backup = m_folder / "after-epoch-2.pt";
    {
        auto created = RunFolder::create(folder, {{"training", toJson(config)}});
        ASSERT_TRUE(created.ok()) << created.error().message;
        RunFolder run = std::move(created).value();
        fovea::test::InMemoryBatchSource source(train.images, train.targets, 8);
        Trainer trainer(makeTinyNetwork(), config, {&source, nullptr, {}, {}});
        trainer.setCheckpointFolder(run.checkpointFolder());
        // The trainer writes last.pt after each onEpoch: during epoch 3's it still holds the
        // end of epoch 2, which is all a kill right after epoch 3's row would leave.
        TrainingCallbacks keepCheckpoint;
        keepCheckpoint.onEpoch = [&](const EpochReport& r) {
            if (r.epoch == 2) fs::copy_file(run.checkpointFolder() / "last.pt", backup);
        };
        TrainingControl control;
        ASSERT_TRUE(trainer.run(control, run.callbacks(keepCheckpoint)).ok());
    }
    fs::copy_file(backup, folder / "checkpoints" / "last.pt", fs::copy_options::overwrite_existing);
    ASSERT_EQ(readCsv(folder / "metrics.csv").size(), 4u);

    auto opened = RunFolder::open(folder);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    RunFolder run = std::move(opened).value();
    fovea::test::InMemoryBatchSource source(train.images, train.targets, 8);
    Trainer resumed(makeTinyNetwork(), config, {&source, nullptr, {}, {}});
    resumed.setCheckpointFolder(run.checkpointFolder());
    auto restored = resumed.resumeFromCheckpoint(run.checkpointFolder() / "last.pt");
    ASSERT_TRUE(restored.ok()) << restored.error().message;
    std::vector<EpochReport> reported;
    TrainingCallbacks forward;
    forward.onEpoch = [&](const EpochReport& r) { reported.push_back(r); };
    TrainingControl control;
    auto summary = resumed.run(control, run.callbacks(forward));
    ASSERT_TRUE(summary.ok()) << summary.error().message;
    ASSERT_TRUE(run.writeSummary(summary.value()).ok());
    ASSERT_EQ(reported.size(), 1u);
    EXPECT_EQ(reported[0].epoch, 2);

    const auto rows = readCsv(folder / "metrics.csv");
    ASSERT_EQ(rows.size(), 4u);
    for (std::size_t i = 1; i < rows.size(); ++i) EXPECT_EQ(rows[i][0], std::to_string(i));
    EXPECT_EQ(number(rows[3][1]), reported[0].trainLoss);
    EXPECT_EQ(rows[3][3], "");  // no validation data
    EXPECT_EQ(json::parse(fileText(folder / "summary.json")).at("history").size(), 3u);
}

TEST_F(RunFolderTest, AFullDiskStopsRecordingButNotTheCallbacks) {
    if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full to simulate a full disk";
    const fs::path folder = m_folder / "run";
    auto created = RunFolder::create(folder, json::object());
    ASSERT_TRUE(created.ok()) << created.error().message;
    RunFolder run = std::move(created).value();
    // Every write to metrics.csv now fails with ENOSPC, as on a full disk.
    fs::remove(folder / "metrics.csv");
    fs::create_symlink("/dev/full", folder / "metrics.csv");

    int forwardedEpochs = 0;
    int forwardedLogs = 0;
    TrainingCallbacks forward;
    forward.onEpoch = [&](const EpochReport&) { ++forwardedEpochs; };
    forward.onLog = [&](const std::string&) { ++forwardedLogs; };
    TrainingCallbacks callbacks = run.callbacks(forward);
    callbacks.onLog("before");
    EXPECT_FALSE(run.recordingError().has_value());
    callbacks.onEpoch(syntheticReport(0, 1.0, true));
    callbacks.onLog("after");
    callbacks.onEpoch(syntheticReport(1, 0.9, true));
    EXPECT_EQ(forwardedEpochs, 2);
    EXPECT_EQ(forwardedLogs, 2);

    const auto error = run.recordingError();
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->message.find("metrics.csv"), std::string::npos) << error->message;
    EXPECT_NE(error->message.find(std::strerror(ENOSPC)), std::string::npos) << error->message;

    // log.txt says why it ends, and nothing after that was recorded.
    const auto messages = logMessages(folder / "log.txt");
    ASSERT_GE(messages.size(), 2u);
    EXPECT_EQ(messages[messages.size() - 2], "before");
    EXPECT_TRUE(startsWith(messages.back(), "recording stopped: ")) << messages.back();

    // The summary is still written: it is what the caller waits for.
    TrainingSummary summary;
    summary.epochsCompleted = 2;
    auto written = run.writeSummary(summary);
    ASSERT_TRUE(written.ok()) << written.error().message;
    EXPECT_EQ(json::parse(fileText(folder / "summary.json")).at("epochs_completed"), 2);
    EXPECT_TRUE(startsWith(logMessages(folder / "log.txt").back(), "recording stopped: "));
}

}  // namespace
}  // namespace fovea::core
