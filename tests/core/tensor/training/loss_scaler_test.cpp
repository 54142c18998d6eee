// Dynamic loss scaling (fp16 on CUDA), checked on the CPU with injected infinities: the step is
// skipped and the scale backs off on an overflow, grows after clean steps, clipping sees the
// unscaled gradients, and the state survives a checkpoint.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "checkpoint.h"
#include "device_setup.h"
#include "loss_scaler.h"
#include "temp_folder.h"
#include "tiny_problem.h"

using namespace fovea::core;

namespace {

// A small network, its SGD optimizer (plain steps: the update is lr x gradient) and one batch.
struct TinyStep {
    NetworkPtr network = fovea::test::makeTinyNetwork("resnet18");
    torch::optim::SGD optimizer{network->parameters(), torch::optim::SGDOptions(0.1)};
    fovea::test::TinyProblem data = fovea::test::makeTinyProblem(4, 3);

    torch::Tensor loss() {
        network->train(true);
        return torch::nn::functional::cross_entropy(network->forward(data.images), data.targets);
    }
    // The first parameter that receives a gradient (the stem convolution's weight).
    torch::Tensor firstWeight() { return network->parameters().front(); }
};

TEST(LossScaler, ScalesTheLossAndUnscalesTheGradientsExactly) {
    TinyStep plain;
    TinyStep scaled;
    LossScaler scaler;
    EXPECT_EQ(scaler.state().scale, 65536.0);
    EXPECT_NEAR(scaler.scale(torch::tensor(0.5)).item<double>(), 32768.0, 0);

    plain.optimizer.zero_grad();
    EXPECT_TRUE(backwardAndStep(plain.loss(), *plain.network, plain.optimizer, 0, nullptr));
    scaled.optimizer.zero_grad();
    EXPECT_TRUE(backwardAndStep(scaled.loss(), *scaled.network, scaled.optimizer, 0, &scaler));
    // A power-of-two scale multiplies and divides exactly: the same step as without scaling
    // (up to the summation order of backward on larger values, hence the tolerance).
    for (std::size_t i = 0; i < plain.network->parameters().size(); ++i) {
        EXPECT_TRUE(torch::allclose(plain.network->parameters()[i], scaled.network->parameters()[i],
                                    1e-5, 1e-7))
            << "parameter " << i;
    }
    EXPECT_EQ(scaler.state().cleanSteps, 1);
    EXPECT_EQ(scaler.state().skippedSteps, 0);
}

TEST(LossScaler, AnOverflowSkipsTheStepAndHalvesTheScale) {
    for (const double bad : {std::numeric_limits<double>::infinity(), std::nan("")}) {
        TinyStep setup;
        LossScaler scaler;
        const torch::Tensor before = setup.firstWeight().detach().clone();
        // Inject a non-finite value into one gradient, as an fp16 overflow would.
        setup.firstWeight().register_hook([bad](torch::Tensor gradient) {
            gradient = gradient.clone();
            gradient.view(-1)[0] = bad;
            return gradient;
        });
        setup.optimizer.zero_grad();
        EXPECT_FALSE(backwardAndStep(setup.loss(), *setup.network, setup.optimizer, 0, &scaler));
        EXPECT_TRUE(torch::equal(setup.firstWeight(), before)) << "the step must be skipped";
        EXPECT_EQ(scaler.state().scale, 32768.0);
        EXPECT_EQ(scaler.state().skippedSteps, 1);
        EXPECT_EQ(scaler.state().cleanSteps, 0);
    }
}

TEST(LossScaler, GrowsAfterTheIntervalOfCleanStepsAndAnOverflowRestartsTheCount) {
    LossScaleOptions options;
    options.initialScale = 8;
    options.growthInterval = 3;
    LossScaler scaler(options);
    scaler.update(true);
    scaler.update(true);
    EXPECT_EQ(scaler.state().scale, 8);
    scaler.update(false);  // back off, count restarts
    EXPECT_EQ(scaler.state().scale, 4);
    scaler.update(true);
    scaler.update(true);
    EXPECT_EQ(scaler.state().scale, 4);
    scaler.update(true);  // third clean step in a row
    EXPECT_EQ(scaler.state().scale, 8);
    EXPECT_EQ(scaler.state().cleanSteps, 0);
    EXPECT_EQ(scaler.state().skippedSteps, 1);
}

TEST(LossScaler, ClippingLimitsTheUnscaledGradients) {
    // With a clip norm far below the gradients' norm, the update's norm is lr x clip norm: the
    // clipping saw the true gradients, not the scaled ones (which it would have cut 65536x more).
    const double clip = 1e-3;
    TinyStep plain;
    TinyStep scaled;
    LossScaler scaler;
    const auto before = [](TinyStep& s) {
        std::vector<torch::Tensor> copies;
        for (const auto& p : s.network->parameters()) copies.push_back(p.detach().clone());
        return copies;
    };
    const auto updateNorm = [](TinyStep& s, const std::vector<torch::Tensor>& old) {
        double sum = 0;
        const auto now = s.network->parameters();
        for (std::size_t i = 0; i < now.size(); ++i) {
            sum += (now[i] - old[i]).pow(2).sum().item<double>();
        }
        return std::sqrt(sum);
    };
    const auto plainBefore = before(plain);
    const auto scaledBefore = before(scaled);
    plain.optimizer.zero_grad();
    backwardAndStep(plain.loss(), *plain.network, plain.optimizer, clip, nullptr);
    scaled.optimizer.zero_grad();
    backwardAndStep(scaled.loss(), *scaled.network, scaled.optimizer, clip, &scaler);
    EXPECT_NEAR(updateNorm(plain, plainBefore), 0.1 * clip, 1e-7);
    EXPECT_NEAR(updateNorm(scaled, scaledBefore), 0.1 * clip, 1e-7);
}

TEST(LossScaler, StateSurvivesACheckpoint) {
    const fovea::test::TempFolder dir("fovea-loss-scaler-test");
    TinyStep setup;
    TrainingConfig config;
    TrainingState state;
    state.lossScale = LossScaleState{1024.0, 17, 5};
    ASSERT_TRUE(writeCheckpoint(dir / "last.pt", *setup.network, setup.optimizer, state, config));
    auto loaded = readCheckpoint(dir / "last.pt", *setup.network, config, torch::kCPU);
    ASSERT_TRUE(loaded) << loaded.error().message;
    ASSERT_TRUE(loaded.value().state.lossScale.has_value());
    EXPECT_EQ(loaded.value().state.lossScale->scale, 1024.0);
    EXPECT_EQ(loaded.value().state.lossScale->cleanSteps, 17);
    EXPECT_EQ(loaded.value().state.lossScale->skippedSteps, 5);

    // Without fp16 the checkpoint holds no scale, and none comes back.
    state.lossScale.reset();
    ASSERT_TRUE(writeCheckpoint(dir / "last.pt", *setup.network, setup.optimizer, state, config));
    auto plain = readCheckpoint(dir / "last.pt", *setup.network, config, torch::kCPU);
    ASSERT_TRUE(plain);
    EXPECT_FALSE(plain.value().state.lossScale.has_value());
}

TEST(LossScaler, Fp16OnTheCpuIsAClearError) {
    auto refused = checkPrecisionFor(torch::kCPU, Precision::Float16);
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("CUDA"), std::string::npos);
    EXPECT_TRUE(checkPrecisionFor(torch::kCPU, Precision::BFloat16));
}

}  // namespace
