// The GPU path: --batch-size auto's search, the memory layout chosen per device, out-of-memory
// reports, and on a CUDA device real training in fp16 (with loss scaling) and bf16, the
// search on the real network and a batch too large to fit. The CUDA tests skip without a GPU;
// packaging/gpu-check.sh fails when they skip on a machine that has one.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "cuda_test.h"
#include "device_setup.h"
#include "fovea/core/training/batch_size_search.h"
#include "fovea/core/training/trainer.h"
#include "in_memory_batch_source.h"
#include "tiny_problem.h"

using namespace fovea::core;
using fovea::test::makeTinyNetwork;
using fovea::test::makeTinyProblem;

namespace {

TEST(BatchSizeSearch, TakesTheLargestPowerOfTwoBeforeTheFirstOutOfMemory) {
    std::vector<std::int64_t> tried;
    auto search = searchBatchSize(
        [&](std::int64_t size) -> Result<BatchTrial> {
            tried.push_back(size);
            return size <= 48 ? BatchTrial::Fits : BatchTrial::OutOfMemory;
        },
        4096);
    ASSERT_TRUE(search) << search.error().message;
    EXPECT_EQ(search.value().batchSize, 32);
    EXPECT_EQ(tried, (std::vector<std::int64_t>{1, 2, 4, 8, 16, 32, 64}));
    EXPECT_EQ(search.value().failedAt, 64);
    EXPECT_NE(search.value().explanation.find("64 ran out of memory"), std::string::npos)
        << search.value().explanation;
}

TEST(BatchSizeSearch, StopsAtTheLimitAndReportsBatchesThatNeverFit) {
    auto capped =
        searchBatchSize([](std::int64_t) -> Result<BatchTrial> { return BatchTrial::Fits; }, 20);
    ASSERT_TRUE(capped);
    EXPECT_EQ(capped.value().batchSize, 16);
    EXPECT_FALSE(capped.value().failedAt.has_value());

    auto none = searchBatchSize(
        [](std::int64_t) -> Result<BatchTrial> { return BatchTrial::OutOfMemory; }, 64);
    ASSERT_TRUE(none);
    EXPECT_EQ(none.value().batchSize, 0);
    EXPECT_EQ(none.value().failedAt, 1);
    EXPECT_NE(none.value().explanation.find("not even one image"), std::string::npos);

    // Other failures are errors, not "too large".
    auto broken =
        searchBatchSize([](std::int64_t) -> Result<BatchTrial> { return Error{"bad kernel"}; }, 64);
    ASSERT_FALSE(broken);
    EXPECT_EQ(broken.error().message, "bad kernel");
}

TEST(BatchSizeSearch, ATrialLeavesTheNetworkAsItWas) {
    NetworkPtr network = makeTinyNetwork("resnet18");
    network->eval();
    std::vector<torch::Tensor> before;
    for (const auto& t : network->buffers()) before.push_back(t.clone());
    for (const auto& t : network->parameters()) before.push_back(t.clone());
    auto trial = tryTrainingStep(*network, TrainingConfig{}, torch::kCPU, 4, 32);
    ASSERT_TRUE(trial) << trial.error().message;
    EXPECT_EQ(trial.value(), BatchTrial::Fits);
    std::size_t i = 0;
    for (const auto& t : network->buffers()) EXPECT_TRUE(torch::equal(t, before[i++]));
    for (const auto& t : network->parameters()) {
        EXPECT_TRUE(torch::equal(t, before[i++]));
        EXPECT_FALSE(t.grad().defined());
    }
    EXPECT_FALSE(network->is_training());
}

TEST(BatchSizeSearch, OnTheCpuAutoPicksTheDefaultWithoutTrials) {
    NetworkPtr network = makeTinyNetwork("resnet18");
    TrainingConfig config;
    config.device = DevicePreference::Cpu;
    auto search = findLargestBatchSize(*network, config, 32, 1000);
    ASSERT_TRUE(search);
    EXPECT_EQ(search.value().batchSize, kCpuAutoBatchSize);
    EXPECT_TRUE(search.value().fitted.empty());
    auto few = findLargestBatchSize(*network, config, 32, 12);
    ASSERT_TRUE(few);
    EXPECT_EQ(few.value().batchSize, 12);  // never more than the training images
}

TEST(MemoryLayout, ChannelsLastByDefaultForConvolutionsUnlessConfigured) {
    NetworkPtr network = makeTinyNetwork("resnet18");
    TrainingConfig config;
    EXPECT_TRUE(hasConvolutions(*network));
    EXPECT_TRUE(useChannelsLast(config, *network));
    config.channelsLast = false;
    EXPECT_FALSE(useChannelsLast(config, *network));

    EXPECT_FALSE(hasChannelsLastWeights(*network));
    toChannelsLast(*network);
    EXPECT_TRUE(hasChannelsLastWeights(*network));
    toDefaultLayout(*network);
    EXPECT_FALSE(hasChannelsLastWeights(*network));
    for (const auto& parameter : network->parameters()) EXPECT_TRUE(parameter.is_contiguous());
}

TEST(OutOfMemory, IsRecognisedAndExplainedWithTheBatchSize) {
    const c10::SourceLocation here{__func__, __FILE__, static_cast<uint32_t>(__LINE__)};
    EXPECT_TRUE(
        isOutOfMemory(c10::OutOfMemoryError(here, "CUDA out of memory. Tried to allocate")));
    EXPECT_TRUE(isOutOfMemory(c10::Error(here, "cuDNN error: CUDNN_STATUS_ALLOC_FAILED")));
    EXPECT_FALSE(isOutOfMemory(c10::Error(here, "shape mismatch")));
    const std::string message = outOfMemoryMessage(torch::kCPU, 64);
    EXPECT_NE(message.find("batch size 64"), std::string::npos) << message;
    EXPECT_NE(message.find("--batch-size auto"), std::string::npos) << message;
}

// --- On a CUDA device. ---

class CudaTraining : public ::testing::Test {
  protected:
    void SetUp() override { FOVEA_SKIP_WITHOUT_CUDA(); }
    Result<TrainingSummary> train(TrainingConfig config, std::int64_t batchSize = 8,
                                  int images = 24) {
        const auto data = makeTinyProblem(images, 21);
        fovea::test::InMemoryBatchSource source(data.images.pin_memory(), data.targets, batchSize);
        config.device = DevicePreference::Cuda;
        config.featureCache = false;
        config.seed = 4;
        Trainer trainer(makeTinyNetwork("resnet18"), config, {&source, &source, {}, {}});
        TrainingControl control;
        return trainer.run(control);
    }
};

TEST_F(CudaTraining, Fp16WithLossScalingLearnsTheProblem) {
    TrainingConfig config;
    config.epochs = 6;
    config.precision = Precision::Float16;
    auto summary = train(config);
    ASSERT_TRUE(summary) << summary.error().message;
    EXPECT_EQ(summary.value().device, "cuda:0");
    EXPECT_TRUE(summary.value().channelsLast);
    EXPECT_GT(summary.value().lossScale, 0);
    const auto& history = summary.value().history;
    EXPECT_LT(history.back().trainLoss, history.front().trainLoss);
    EXPECT_GT(history.back().validationAccuracy, 0.5);
}

TEST_F(CudaTraining, Bf16TrainsAndFp32StaysInTheDefaultLayoutWhenAsked) {
    TrainingConfig bf16;
    bf16.epochs = 4;
    bf16.precision = Precision::BFloat16;
    auto summary = train(bf16);
    ASSERT_TRUE(summary) << summary.error().message;
    EXPECT_TRUE(std::isfinite(summary.value().history.back().trainLoss));
    EXPECT_EQ(summary.value().lossScale, 0);  // bf16 needs no scaling

    TrainingConfig plain;
    plain.epochs = 1;
    plain.channelsLast = false;
    auto contiguous = train(plain);
    ASSERT_TRUE(contiguous) << contiguous.error().message;
    EXPECT_FALSE(contiguous.value().channelsLast);
}

TEST_F(CudaTraining, AutoBatchSizeFindsAPowerOfTwoThatFitsOnTheRealNetwork) {
    NetworkPtr network = makeTinyNetwork("resnet18");
    TrainingConfig config;
    config.device = DevicePreference::Cuda;
    auto search = findLargestBatchSize(*network, config, 224, 64);
    ASSERT_TRUE(search) << search.error().message;
    EXPECT_EQ(search.value().batchSize, 64);  // ResNet-18 at 224 px fits 64 on any training GPU
    EXPECT_EQ(search.value().fitted.size(), 7u);
    // Far beyond any GPU's memory: the search stops at the first failure, with a clear report.
    auto huge = findLargestBatchSize(*network, config, 4096, 1 << 14);
    ASSERT_TRUE(huge) << huge.error().message;
    ASSERT_TRUE(huge.value().failedAt.has_value());
    EXPECT_EQ(huge.value().failedAt, huge.value().batchSize * 2);
}

TEST_F(CudaTraining, ABatchThatCannotFitIsAClearErrorNotACrash) {
    // VGG-16 on 64 images of 2048 x 2048 in float32: each activation of its first block takes
    // 64 GiB, and backward keeps several, more than any single GPU has (an H200's 141 GB held
    // 128 images of 1024 x 1024 in bf16). One image, repeated (no host memory for the copies).
    const auto image = torch::randn({1, 3, 2048, 2048});
    fovea::test::InMemoryBatchSource source(image.expand({64, 3, 2048, 2048}),
                                            torch::zeros({64}, torch::kInt64), 64);
    TrainingConfig config;
    config.epochs = 1;
    config.device = DevicePreference::Cuda;
    config.precision = Precision::Float32;
    config.featureCache = false;
    Trainer trainer(makeTinyNetwork("vgg16"), config, {&source, nullptr, {}, {}});
    TrainingControl control;
    auto summary = trainer.run(control);
    ASSERT_FALSE(summary);
    const std::string& message = summary.error().message;
    EXPECT_NE(message.find("out of memory at batch size 64 on cuda:0"), std::string::npos)
        << message;
    EXPECT_NE(message.find("GiB free"), std::string::npos) << message;
    // The device is usable again afterwards.
    EXPECT_EQ(torch::ones({4}, torch::kCUDA).sum().item<float>(), 4.0f);
}

}  // namespace
