// A training run followed through session/training_run.h alone, as the workbench follows it.
// This file is compiled with FOVEA_WITHOUT_LIBTORCH, so a LibTorch header reached from
// training_run.h fails the build.
#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

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

}  // namespace
}  // namespace fovea::core
