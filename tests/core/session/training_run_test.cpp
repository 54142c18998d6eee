// A training run followed through session/training_run.h alone, as the workbench follows it.
// This file is compiled with FOVEA_WITHOUT_LIBTORCH, so a LibTorch header reached from
// training_run.h fails the build.
#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "fovea/core/session/run_catalogue.h"
#include "fovea/core/session/run_estimate.h"
#include "fovea/core/session/training_run.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

// `count` PNGs per class in data/<class>/, each class its own colour with a little noise.
void writeImageFolder(const fs::path& data, int count) {
    const std::vector<std::pair<std::string, cv::Scalar>> classes{{"blue", {200, 40, 40}},
                                                                  {"red", {40, 40, 200}}};
    cv::RNG random(3);
    for (const auto& [name, colour] : classes) {
        fs::create_directories(data / name);
        for (int i = 0; i < count; ++i) {
            cv::Mat image(40, 48, CV_8UC3, colour);
            cv::Mat noise(image.size(), CV_8UC3);
            random.fill(noise, cv::RNG::UNIFORM, 0, 30);
            image += noise;
            ASSERT_TRUE(cv::imwrite((data / name / (std::to_string(i) + ".png")).string(), image));
        }
    }
}

// A small ResNet-18 from random weights on the images below `data`, on the CPU.
RunSettings tinySettings(const fs::path& data, std::int64_t epochs) {
    RunSettings settings;
    settings.data = data;
    settings.network.architecture = "resnet18";
    settings.network.weights = "none";
    settings.network.imageSize = 32;
    settings.training.epochs = epochs;
    settings.training.device = DevicePreference::Cpu;
    settings.batchSize = 4;
    settings.augment = AugmentationLevel::None;
    settings.workers = 1;
    return settings;
}

std::string fileText(const fs::path& file) {
    std::ifstream stream(file);
    return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

TEST(TrainingRun, TellsItsStartItsProjectWritesAndTheWatchedImagesEveryEpoch) {
    const test::TempFolder folder("fovea-training-run");
    writeImageFolder(folder / "images", 6);
    const fs::path broken = folder / "broken.png";
    std::ofstream(broken) << "not an image";
    const fs::path watched = folder / "images" / "red" / "0.png";

    RunSettings settings;
    settings.data = folder / "images";
    settings.network.architecture = "resnet18";
    settings.network.weights = "none";
    settings.network.imageSize = 32;
    settings.training.epochs = 2;
    settings.training.device = DevicePreference::Cpu;
    settings.batchSize = 4;
    settings.augment = AugmentationLevel::None;
    settings.workers = 1;

    std::vector<TrainingStart> starts;
    int projectWrites = 0;
    std::vector<std::int64_t> predictedEpochs;
    std::vector<std::vector<ImagePrediction>> predictions;
    TrainingRunHooks hooks;
    hooks.started = [&](const TrainingStart& start) { starts.push_back(start); };
    hooks.projectChanged = [&](const fs::path&) { ++projectWrites; };
    hooks.watch.files = {watched, broken};
    hooks.watch.predicted = [&](std::int64_t epoch,
                                const Result<std::vector<ImagePrediction>>& predicted) {
        ASSERT_TRUE(predicted) << predicted.error().message;
        predictedEpochs.push_back(epoch);
        predictions.push_back(predicted.value());
    };
    TrainingControl control;
    const auto ran = runTraining(settings, folder / "run", /*resume=*/false, control, hooks);
    ASSERT_TRUE(ran) << ran.error().message;
    EXPECT_EQ(ran.value().summary.epochsCompleted, 2);

    ASSERT_EQ(starts.size(), 1u);
    EXPECT_EQ(starts[0].runFolder, ran.value().runFolder);
    EXPECT_EQ(starts[0].classNames, (std::vector<std::string>{"blue", "red"}));
    EXPECT_EQ(starts[0].trainImages + starts[0].validationImages, 12u);
    EXPECT_GT(starts[0].validationImages, 0u);
    EXPECT_GE(projectWrites, 1);  // the split assigned before the first batch

    // Before training, then after each epoch: the image and the file that is not one.
    EXPECT_EQ(predictedEpochs, (std::vector<std::int64_t>{-1, 0, 1}));
    for (const auto& epoch : predictions) {
        ASSERT_EQ(epoch.size(), 2u);
        EXPECT_FALSE(epoch[0].error.has_value());
        ASSERT_EQ(epoch[0].top.size(), 1u);
        EXPECT_TRUE(epoch[0].top[0].label == "blue" || epoch[0].top[0].label == "red");
        ASSERT_TRUE(epoch[1].error.has_value());
        EXPECT_NE(epoch[1].error->find("broken.png"), std::string::npos) << *epoch[1].error;
    }
}

TEST(TrainingRun, AFailureAfterTheRunFolderExistsIsInItsLogAndTheRunListSaysFailed) {
    const test::TempFolder folder("fovea-training-run-failure");
    writeImageFolder(folder / "images", 4);
    TrainingControl control;
    // What the workbench once sent after the architecture changed during a pause.
    control.requestFrozenBlocks({"layer1_of_another_network"});
    const auto ran =
        runTraining(tinySettings(folder / "images", 2), folder / "run", false, control, {});
    ASSERT_FALSE(ran);
    EXPECT_NE(ran.error().message.find("layer1_of_another_network"), std::string::npos)
        << ran.error().message;

    EXPECT_NE(fileText(folder / "run" / "log.txt").find("failed: " + ran.error().message),
              std::string::npos)
        << fileText(folder / "run" / "log.txt");
    const auto listing = readRunListing(folder / "run");
    ASSERT_TRUE(listing) << listing.error().message;
    EXPECT_EQ(listing.value().status, RunStatus::Failed);
    EXPECT_EQ(listing.value().message, ran.error().message);
    EXPECT_FALSE(fs::exists(folder / "run" / "running.json"));
}

TEST(TrainingRun, TheRunListShowsAStoppedRunThenTheSameRunFinishedAfterItsResume) {
    const test::TempFolder folder("fovea-training-run-list");
    writeImageFolder(folder / "images", 4);
    const RunSettings settings = tinySettings(folder / "images", 3);
    const fs::path run = folder / "runs" / "first";

    TrainingControl stopAfterOneEpoch;
    TrainingRunHooks hooks;
    std::vector<RunStatus> statusWhileTraining;
    hooks.training.onEpoch = [&](const EpochReport&) {
        statusWhileTraining.push_back(readRunListing(run).value().status);
        stopAfterOneEpoch.requestStop();
    };
    ASSERT_TRUE(runTraining(settings, run, false, stopAfterOneEpoch, hooks));
    EXPECT_EQ(statusWhileTraining, std::vector<RunStatus>{RunStatus::Running});

    auto stopped = readRunListing(run);
    ASSERT_TRUE(stopped) << stopped.error().message;
    EXPECT_EQ(stopped.value().status, RunStatus::Stopped);
    EXPECT_EQ(stopped.value().epochsDone, 1);
    EXPECT_EQ(stopped.value().epochsPlanned, 3);
    EXPECT_TRUE(stopped.value().resumable());
    EXPECT_FALSE(stopped.value().hasModel);

    TrainingControl control;
    ASSERT_TRUE(runTraining({}, run, /*resume=*/true, control, {}));
    const std::vector<RunListing> runs = listRuns(folder / "runs");
    ASSERT_EQ(runs.size(), 1u);
    const RunListing& finished = runs[0];
    EXPECT_EQ(finished.status, RunStatus::Finished);
    EXPECT_EQ(finished.epochsDone, 3);
    EXPECT_FALSE(finished.resumable());
    EXPECT_TRUE(finished.hasModel);
    ASSERT_TRUE(finished.config.has_value());
    EXPECT_EQ(finished.config->settings.network.architecture, "resnet18");

    // The figures are metrics.csv's: the best of its rows.
    const std::vector<EpochReport> epochs = readRunMetrics(run);
    ASSERT_EQ(epochs.size(), 3u);
    double best = 0, seconds = 0;
    for (const EpochReport& epoch : epochs) {
        ASSERT_TRUE(epoch.hasValidation);
        best = std::max(best, epoch.validationAccuracy);
        seconds += epoch.seconds;
    }
    EXPECT_DOUBLE_EQ(finished.bestValidationAccuracy.value(), best);
    EXPECT_NEAR(finished.trainingSeconds, seconds, 1e-9);
    EXPECT_GT(seconds, 0);
}

TEST(TrainingRun, AStoppedRunCountsTheTimeOfItsUnfinishedEpoch) {
    const test::TempFolder folder("fovea-training-run-stopped");
    writeImageFolder(folder / "images", 8);  // 12 training images: 3 batches of 4
    RunSettings settings = tinySettings(folder / "images", 2);
    settings.training.reportEveryBatches = 1;
    const fs::path run = folder / "runs" / "stopped";
    TrainingControl control;
    TrainingRunHooks hooks;
    hooks.training.onBatch = [&](const BatchProgress&) { control.requestStop(); };
    ASSERT_TRUE(runTraining(settings, run, false, control, hooks));

    auto listing = readRunListing(run);
    ASSERT_TRUE(listing) << listing.error().message;
    EXPECT_EQ(listing.value().status, RunStatus::Stopped);
    EXPECT_EQ(listing.value().epochsDone, 0);
    // Listed with the time it trained (it read 0 s: no epoch had ended).
    const auto summary = nlohmann::json::parse(fileText(run / "summary.json"));
    const double unfinished = summary.at("unfinished_epoch_seconds");
    EXPECT_GT(unfinished, 0);
    EXPECT_DOUBLE_EQ(listing.value().trainingSeconds, unfinished);
}

TEST(RunEstimate, IsWithinAFactorOfTheRunItEstimates) {
    const test::TempFolder folder("fovea-run-estimate");
    writeImageFolder(folder / "images", 16);
    RunSettings settings = tinySettings(folder / "images", 2);
    settings.network.imageSize = 64;
    settings.network.freeze = std::vector<std::string>{};  // every block trains
    std::vector<fs::path> samples;
    for (const auto& entry : fs::recursive_directory_iterator(folder / "images")) {
        if (entry.is_regular_file() && samples.size() < 8) samples.push_back(entry.path());
    }
    const auto estimate = estimateRunTime(settings, 2, 26, 6, samples);
    ASSERT_TRUE(estimate) << estimate.error().message;
    EXPECT_GT(estimate.value().loadingSecondsPerImage, 0);
    EXPECT_EQ(estimate.value().imageSize, 64);
    EXPECT_EQ(estimate.value().device, "cpu");
    EXPECT_GT(estimate.value().trainingImagesPerSecond, 0);
    // No frozen prefix: every epoch costs the same.
    EXPECT_EQ(estimate.value().uncachedEpochs, 2);
    EXPECT_DOUBLE_EQ(estimate.value().cachedEpochSeconds, estimate.value().fullEpochSeconds);
    EXPECT_NEAR(estimate.value().seconds,
                estimate.value().warmUpSeconds + 2 * estimate.value().fullEpochSeconds, 1e-9);

    TrainingControl control;
    const auto ran = runTraining(settings, folder / "run", false, control, {});
    ASSERT_TRUE(ran) << ran.error().message;
    ASSERT_EQ(ran.value().trainImages + ran.value().validationImages, 32u);
    double actual = 0;
    for (const EpochReport& epoch : ran.value().summary.history) actual += epoch.seconds;
    // Steps and reading are measured on a few images; the run's epochs also write
    // checkpoints and metrics. Off by more than a factor of three it would mislead.
    std::cout << "estimated " << estimate.value().seconds << " s, took " << actual << " s\n";
    EXPECT_GT(estimate.value().seconds, actual / 3);
    EXPECT_LT(estimate.value().seconds, actual * 3);
}

TEST(RunEstimate, AFrozenPrefixMakesTheEpochsAfterTheCachedOnesCheaper) {
    const test::TempFolder folder("fovea-run-estimate-frozen");
    RunSettings settings = tinySettings(folder / "unused", 10);
    settings.network.freeze = std::vector<std::string>{"stem", "layer1", "layer2", "layer3"};
    settings.augment = AugmentationLevel::Light;
    const auto estimate = estimateRunTime(settings, 3, 100, 20);
    ASSERT_TRUE(estimate) << estimate.error().message;
    EXPECT_EQ(estimate.value().uncachedEpochs, 4);  // one per augmentation variant
    const RunTimeEstimate& e = estimate.value();
    EXPECT_LT(e.cachedEpochSeconds, e.fullEpochSeconds);
    EXPECT_NEAR(e.seconds, e.warmUpSeconds + 4 * e.fullEpochSeconds + 6 * e.cachedEpochSeconds,
                1e-9);
    EXPECT_NEAR(estimatedSecondsFor(e, 2), e.warmUpSeconds + 2 * e.fullEpochSeconds, 1e-9);
}

}  // namespace
}  // namespace fovea::core
