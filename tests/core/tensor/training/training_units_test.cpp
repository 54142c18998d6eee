// Schedules, metrics, the config's JSON form and the optimizer's parameter groups.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "device_setup.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/training/confusion_matrix.h"
#include "fovea/core/training/lr_schedule.h"
#include "fovea/core/training/optimizer_setup.h"
#include "fovea/core/training/training_config.h"

using namespace fovea::core;

namespace {

TEST(LearningRateSchedule, ConstantWithLinearWarmup) {
    ScheduleOptions options;
    options.warmupSteps = 4;
    EXPECT_DOUBLE_EQ(learningRateFactor(options, 0, 100, 10), 0.25);
    EXPECT_DOUBLE_EQ(learningRateFactor(options, 3, 100, 10), 1.0);
    EXPECT_DOUBLE_EQ(learningRateFactor(options, 50, 100, 10), 1.0);
}

TEST(LearningRateSchedule, StepDecaysEveryStepEpochs) {
    ScheduleOptions options;
    options.kind = ScheduleKind::Step;
    options.stepEpochs = 2;
    options.gamma = 0.5;
    EXPECT_DOUBLE_EQ(learningRateFactor(options, 19, 100, 10), 1.0);   // epoch 1
    EXPECT_DOUBLE_EQ(learningRateFactor(options, 20, 100, 10), 0.5);   // epoch 2
    EXPECT_DOUBLE_EQ(learningRateFactor(options, 45, 100, 10), 0.25);  // epoch 4
}

TEST(LearningRateSchedule, CosineFallsFromOneToTheMinimumAfterWarmup) {
    ScheduleOptions options;
    options.kind = ScheduleKind::Cosine;
    options.warmupSteps = 10;
    options.minFactor = 0.1;
    EXPECT_DOUBLE_EQ(learningRateFactor(options, 10, 110, 10), 1.0);
    EXPECT_NEAR(learningRateFactor(options, 60, 110, 10), 0.55, 1e-12);  // half way
    EXPECT_NEAR(learningRateFactor(options, 110, 110, 10), 0.1, 1e-12);
}

TEST(LearningRateSchedule, OneCycleFollowsTorchsTwoPhases) {
    ScheduleOptions options;
    options.kind = ScheduleKind::OneCycle;
    // torch.optim.lr_scheduler.OneCycleLR(max_lr=1, total_steps=100): starts at 1/25, peaks at
    // step 29 (pct_start 0.3), ends at 1/25/1e4.
    EXPECT_NEAR(learningRateFactor(options, 0, 100, 10), 0.04, 1e-12);
    EXPECT_NEAR(learningRateFactor(options, 29, 100, 10), 1.0, 1e-12);
    EXPECT_NEAR(learningRateFactor(options, 99, 100, 10), 0.04 / 1e4, 1e-12);
    // Mid-way down the second phase: cos(pi/2) = 0, halfway between 1 and the minimum.
    EXPECT_NEAR(learningRateFactor(options, 64, 100, 10), (1.0 + 4e-6) / 2, 1e-12);
}

TEST(ConfusionMatrix, PerClassMetricsFromCounts) {
    ConfusionMatrix m(3);
    m.add(0, 0, 5);
    m.add(0, 1, 1);
    m.add(1, 1, 3);
    m.add(2, 0, 2);
    EXPECT_EQ(m.total(), 11);
    EXPECT_NEAR(m.accuracy(), 8.0 / 11.0, 1e-12);
    const auto metrics = m.perClass();
    EXPECT_NEAR(metrics[0].precision, 5.0 / 7.0, 1e-12);
    EXPECT_NEAR(metrics[0].recall, 5.0 / 6.0, 1e-12);
    EXPECT_NEAR(metrics[1].precision, 3.0 / 4.0, 1e-12);
    EXPECT_NEAR(metrics[1].recall, 1.0, 1e-12);
    EXPECT_EQ(metrics[2].f1, 0.0);  // never predicted, never right
    EXPECT_EQ(metrics[2].support, 2);
    EXPECT_THROW(m.add(3, 0), std::out_of_range);
}

TEST(TrainingConfigJson, RoundTripsAndNamesBadKeys) {
    TrainingConfig config;
    config.optimizer = OptimizerKind::Sgd;
    config.schedule.kind = ScheduleKind::OneCycle;
    config.blockLearningRateMultipliers = {{"layer1", 0.1}};
    config.precision = Precision::BFloat16;
    auto back = trainingConfigFromJson(toJson(config));
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(toJson(back.value()), toJson(config));

    auto wrongType = trainingConfigFromJson({{"epochs", "ten"}});
    ASSERT_FALSE(wrongType.ok());
    EXPECT_NE(wrongType.error().message.find("epochs"), std::string::npos);
    auto unknown = trainingConfigFromJson({{"optimizer", "rmsprop"}});
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(unknown.error().message.find("rmsprop"), std::string::npos);
    EXPECT_FALSE(trainingConfigFromJson({{"label_smoothing", 1.5}}).ok());
}

TEST(OptimizerSetup, GroupsByBlockWithoutDecayOnBiasesAndNorms) {
    auto network = createNetwork("resnet18", 5).value();
    network->setFrozenBlocks(blocksUpTo(*network, "layer2"));
    TrainingConfig config;
    config.learningRate = 0.01;
    config.blockLearningRateMultipliers = {{"layer4", 0.1}};
    OptimizerSetup setup = makeOptimizer(*network, config);
    std::int64_t counted = 0;
    for (std::size_t i = 0; i < setup.groups.size(); ++i) {
        const auto& info = setup.groups[i];
        EXPECT_TRUE(info.block == "layer3" || info.block == "layer4" || info.block == "head")
            << info.block;
        counted += info.parameters;
        const auto& group = setup.optimizer->param_groups()[i];
        const auto& options = static_cast<const torch::optim::AdamWOptions&>(group.options());
        EXPECT_EQ(options.weight_decay(), info.weightDecay ? config.weightDecay : 0.0);
        for (const auto& p : group.params()) EXPECT_EQ(p.dim() > 1, info.weightDecay);
        EXPECT_DOUBLE_EQ(options.lr(), info.block == "layer4" ? 0.001 : 0.01);
    }
    EXPECT_EQ(counted, countParameters(*network).trainable);
    applyLearningRateFactor(setup, 0.5);
    EXPECT_DOUBLE_EQ(currentLearningRate(setup), 0.005);
}

TEST(ClassWeights, AreInverselyProportionalToCounts) {
    TrainingConfig config;
    config.classWeightedLoss = true;
    const torch::Tensor w = classWeightsFor(config, {30, 10, 0}, 3, torch::kCPU);
    ASSERT_TRUE(w.defined());
    EXPECT_NEAR(w[0].item<float>(), 40.0 / (3 * 30), 1e-6);
    EXPECT_NEAR(w[1].item<float>(), 40.0 / (3 * 10), 1e-6);
    EXPECT_EQ(w[2].item<float>(), 0.0f);
    config.classWeightedLoss = false;
    EXPECT_FALSE(classWeightsFor(config, {30, 10, 0}, 3, torch::kCPU).defined());
}

TEST(Device, CudaWithoutADeviceIsAClearError) {
    if (torch::cuda::is_available()) GTEST_SKIP() << "a CUDA device is present";
    auto device = resolveDevice(DevicePreference::Cuda);
    ASSERT_FALSE(device.ok());
    EXPECT_NE(device.error().message.find("CUDA"), std::string::npos);
    EXPECT_TRUE(resolveDevice(DevicePreference::Auto).value().is_cpu());
}

TEST(Device, BatchesReachTheNetworkInItsLayoutWhicheverTheLoaderWrote) {
    const torch::Tensor defaultLayout = torch::randn({2, 3, 5, 4});
    const torch::Tensor channelsLast = defaultLayout.contiguous(torch::MemoryFormat::ChannelsLast);
    for (const torch::Tensor& batch : {defaultLayout, channelsLast}) {
        const torch::Tensor forChannelsLast = prepareInput(batch, torch::kCPU, true);
        const torch::Tensor forDefault = prepareInput(batch, torch::kCPU, false);
        EXPECT_TRUE(forChannelsLast.is_contiguous(torch::MemoryFormat::ChannelsLast));
        EXPECT_TRUE(forDefault.is_contiguous());
        EXPECT_TRUE(torch::equal(forChannelsLast, defaultLayout));
        EXPECT_TRUE(torch::equal(forDefault, defaultLayout));
    }
}

}  // namespace
