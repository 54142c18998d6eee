// The learning-rate range test on MobileNetV3-Small at 32 px and a problem it learns in a few
// dozen steps: the rates, the curve and its suggestion, stopping, NaN handling, and that the
// network, its gradients and the random generator come back bit-identical.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <string>

#include "fovea/core/models/zoo.h"
#include "fovea/core/training/lr_finder.h"
#include "in_memory_batch_source.h"
#include "tiny_problem.h"

using namespace fovea::core;
using fovea::test::InMemoryBatchSource;

namespace {

constexpr double kNeverDiverge = std::numeric_limits<double>::infinity();

using fovea::test::makeTinyNetwork;
using fovea::test::makeTinyProblem;
using fovea::test::TinyProblem;

TrainingConfig smallConfig() {
    TrainingConfig config;
    config.seed = 5;
    config.featureCache = false;
    return config;
}

torch::Tensor cpuGeneratorState() {
    at::Generator generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard lock(generator.mutex());
    return generator.get_state();
}

// Everything the range test promises to put back.
struct Trace {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;  // parameters and buffers
    std::vector<torch::Tensor> gradients;                        // undefined where none
    std::vector<bool> modes;                                     // self first, pre-order
    torch::Tensor rng;
};

Trace traceOf(NetworkImpl& network) {
    Trace trace;
    for (const auto& item : network.named_parameters()) {
        trace.tensors.emplace_back(item.key(), item.value().detach().clone());
        const torch::Tensor& grad = item.value().grad();
        trace.gradients.push_back(grad.defined() ? grad.clone() : grad);
    }
    for (const auto& item : network.named_buffers()) {
        trace.tensors.emplace_back(item.key(), item.value().detach().clone());
    }
    trace.modes.push_back(network.is_training());
    for (const auto& module : network.modules(/*include_self=*/false)) {
        trace.modes.push_back(module->is_training());
    }
    trace.rng = cpuGeneratorState();
    return trace;
}

void expectSameTrace(const Trace& before, const Trace& after) {
    ASSERT_EQ(before.tensors.size(), after.tensors.size());
    for (std::size_t i = 0; i < before.tensors.size(); ++i) {
        EXPECT_TRUE(torch::equal(before.tensors[i].second, after.tensors[i].second))
            << before.tensors[i].first << " changed";
    }
    ASSERT_EQ(before.gradients.size(), after.gradients.size());
    for (std::size_t i = 0; i < before.gradients.size(); ++i) {
        ASSERT_EQ(before.gradients[i].defined(), after.gradients[i].defined()) << i;
        if (before.gradients[i].defined()) {
            EXPECT_TRUE(torch::equal(before.gradients[i], after.gradients[i])) << i;
        }
    }
    EXPECT_EQ(before.modes, after.modes);
    EXPECT_TRUE(torch::equal(before.rng, after.rng)) << "the random generator moved";
}

// A source that gives a class index the network does not have from batch `badBatch` on, so
// the loss throws mid-run (after the weights have already changed).
class BadTargetsSource final : public BatchSource {
  public:
    BadTargetsSource(InMemoryBatchSource& inner, int badBatch)
        : m_inner(inner), m_badBatch(badBatch) {}
    std::int64_t samplesPerEpoch() const override { return m_inner.samplesPerEpoch(); }
    std::int64_t batchesPerEpoch() const override { return m_inner.batchesPerEpoch(); }
    void startEpoch(std::int64_t epoch, std::int64_t firstBatch) override {
        m_inner.startEpoch(epoch, firstBatch);
    }
    std::optional<Batch> nextBatch() override {
        auto batch = m_inner.nextBatch();
        if (batch && m_served++ >= m_badBatch) batch->targets = batch->targets + 7;
        return batch;
    }
    std::vector<SampleFailure> takeFailures() override { return {}; }

  private:
    InMemoryBatchSource& m_inner;
    int m_badBatch;
    int m_served = 0;
};

TEST(LrFinderTest, RatesGrowExponentiallyFromMinToMaxAcrossEpochs) {
    const TinyProblem problem = makeTinyProblem(24, 1);
    InMemoryBatchSource source(problem.images, problem.targets, 8);  // 3 batches an epoch
    NetworkPtr network = makeTinyNetwork();
    LrFinderOptions options;
    options.minLearningRate = 1e-5;
    options.maxLearningRate = 1e-2;
    options.steps = 10;
    options.divergeFactor = kNeverDiverge;
    std::vector<double> reportedRates;
    std::vector<double> reportedLosses;
    auto result = findLearningRate(*network, source, smallConfig(), options, nullptr,
                                   [&](std::int64_t step, double lr, double loss) {
                                       EXPECT_EQ(step, std::int64_t(reportedRates.size()));
                                       reportedRates.push_back(lr);
                                       reportedLosses.push_back(loss);
                                   });
    ASSERT_TRUE(result.ok()) << result.error().message;
    const LrFinderResult& r = result.value();
    ASSERT_EQ(r.learningRates.size(), 10u);
    ASSERT_EQ(r.losses.size(), 10u);
    ASSERT_EQ(r.rawLosses.size(), 10u);
    EXPECT_FALSE(r.stoppedEarly);
    EXPECT_TRUE(r.stopReason.empty());
    EXPECT_DOUBLE_EQ(r.learningRates.front(), 1e-5);
    EXPECT_NEAR(r.learningRates.back() / 1e-2, 1.0, 1e-12);
    const double ratio = std::pow(1e3, 1.0 / 9);
    for (std::size_t i = 1; i < r.learningRates.size(); ++i) {
        EXPECT_NEAR(r.learningRates[i] / r.learningRates[i - 1], ratio, 1e-9) << i;
    }
    // 10 steps of 3 batches an epoch: epochs 0 to 3.
    EXPECT_EQ(source.epochsStarted(), 4);
    EXPECT_EQ(reportedRates, r.learningRates);
    EXPECT_EQ(reportedLosses, r.losses);
    // Bias correction: the first smoothed loss is the first raw loss, not 2% of it.
    EXPECT_NEAR(r.losses.front(), r.rawLosses.front(), 1e-9);
}

TEST(LrFinderTest, CurveDescendsThenDivergesAndTheSuggestionLiesBetween) {
    const TinyProblem problem = makeTinyProblem(48, 2);
    InMemoryBatchSource source(problem.images, problem.targets, 8);
    NetworkPtr network = makeTinyNetwork();
    LrFinderOptions options;
    options.minLearningRate = 1e-6;
    options.maxLearningRate = 10;
    options.steps = 70;
    auto result = findLearningRate(*network, source, smallConfig(), options);
    ASSERT_TRUE(result.ok()) << result.error().message;
    const LrFinderResult& r = result.value();
    for (std::size_t i = 0; i < r.learningRates.size(); i += 5) {
        std::printf("lr %.3g  smoothed %.4f  raw %.4f\n", r.learningRates[i], r.losses[i],
                    r.rawLosses[i]);
    }
    std::printf("%zu steps; %s; suggested %.3g by %s\n", r.learningRates.size(),
                r.stopReason.c_str(), r.suggestedLearningRate, r.suggestionRule.c_str());

    EXPECT_TRUE(r.stoppedEarly);
    EXPECT_NE(r.stopReason.find("diverged"), std::string::npos) << r.stopReason;
    ASSERT_LT(r.learningRates.size(), 70u);
    const double divergedAt = r.learningRates.back();
    EXPECT_LT(divergedAt, options.maxLearningRate);
    // It learned before it blew up: the lowest smoothed loss is well below the first one.
    const double lowest = *std::min_element(r.losses.begin(), r.losses.end());
    EXPECT_LT(lowest, 0.7 * r.losses.front());
    EXPECT_GT(r.losses.back(), options.divergeFactor * lowest);

    EXPECT_EQ(r.suggestionRule, "steepest");
    EXPECT_GT(r.suggestedLearningRate, options.minLearningRate);
    EXPECT_LT(r.suggestedLearningRate, options.maxLearningRate);
    EXPECT_LT(r.suggestedLearningRate, divergedAt);
}

TEST(LrFinderTest, LeavesNoTraceAfterARunThatChangedEverything) {
    const TinyProblem problem = makeTinyProblem(16, 3);
    InMemoryBatchSource source(problem.images, problem.targets, 8);
    NetworkPtr network = makeTinyNetwork();
    // A frozen block, gradients left over from an earlier backward pass, and modes that
    // NetworkImpl::train would never set: eval with one layer training.
    network->setFrozenBlocks({network->blocks().front().name});
    torch::nn::functional::cross_entropy(network->forward(problem.images), problem.targets)
        .backward();
    network->eval();
    network->modules(/*include_self=*/false).back()->train(true);
    torch::manual_seed(4242);
    const Trace before = traceOf(*network);

    LrFinderOptions options;
    options.minLearningRate = 1e-3;
    options.maxLearningRate = 1;
    options.steps = 6;
    options.divergeFactor = kNeverDiverge;
    auto result = findLearningRate(*network, source, smallConfig(), options);
    ASSERT_TRUE(result.ok()) << result.error().message;
    ASSERT_EQ(result.value().learningRates.size(), 6u);
    expectSameTrace(before, traceOf(*network));

    // The same when it fails halfway.
    InMemoryBatchSource inner(problem.images, problem.targets, 8);
    BadTargetsSource bad(inner, 3);
    auto failed = findLearningRate(*network, bad, smallConfig(), options);
    ASSERT_FALSE(failed.ok());
    EXPECT_NE(failed.error().message.find("learning-rate test failed"), std::string::npos)
        << failed.error().message;
    expectSameTrace(before, traceOf(*network));
}

TEST(LrFinderTest, TheSameSeedGivesTheSameCurve) {
    const TinyProblem problem = makeTinyProblem(16, 4);
    LrFinderOptions options;
    options.minLearningRate = 1e-4;
    options.maxLearningRate = 1e-1;
    options.steps = 4;
    NetworkPtr network = makeTinyNetwork();
    InMemoryBatchSource first(problem.images, problem.targets, 8);
    auto a = findLearningRate(*network, first, smallConfig(), options);
    InMemoryBatchSource second(problem.images, problem.targets, 8);
    auto b = findLearningRate(*network, second, smallConfig(), options);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a.value().rawLosses, b.value().rawLosses);
}

TEST(LrFinderTest, StopRequestTakesEffectBeforeTheNextStep) {
    const TinyProblem problem = makeTinyProblem(16, 5);
    InMemoryBatchSource source(problem.images, problem.targets, 8);
    NetworkPtr network = makeTinyNetwork();
    const Trace before = traceOf(*network);
    LrFinderOptions options;
    options.steps = 50;
    TrainingControl control;
    auto result = findLearningRate(*network, source, smallConfig(), options, &control,
                                   [&](std::int64_t step, double, double) {
                                       if (step == 4) control.requestStop();
                                   });
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(result.value().learningRates.size(), 5u);
    EXPECT_TRUE(result.value().stoppedEarly);
    EXPECT_EQ(result.value().stopReason, "a stop was requested");
    EXPECT_EQ(result.value().suggestionRule, "minimum/10");  // too short to read a slope
    expectSameTrace(before, traceOf(*network));

    // Already stopped: no step at all, nothing to suggest.
    auto none = findLearningRate(*network, source, smallConfig(), options, &control);
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none.value().learningRates.empty());
    EXPECT_EQ(none.value().suggestionRule, "none");
    EXPECT_EQ(none.value().suggestedLearningRate, 0);
}

TEST(LrFinderTest, NanLossEndsTheCurveAndANanStartIsAnError) {
    TinyProblem problem = makeTinyProblem(16, 6);
    problem.images.narrow(0, 12, 4).fill_(std::nan(""));  // the fourth batch of four
    InMemoryBatchSource source(problem.images, problem.targets, 4);
    TinyProblem broken =
        makeTinyProblem(8, 7);  // made first: makeTinyProblem reseeds the generator
    broken.images.fill_(std::nan(""));
    InMemoryBatchSource brokenSource(broken.images, broken.targets, 4);
    NetworkPtr network = makeTinyNetwork();
    const Trace before = traceOf(*network);
    LrFinderOptions options;
    options.minLearningRate = 1e-4;
    options.maxLearningRate = 1e-2;
    options.steps = 10;
    options.divergeFactor = kNeverDiverge;
    auto result = findLearningRate(*network, source, smallConfig(), options);
    ASSERT_TRUE(result.ok()) << result.error().message;
    const LrFinderResult& r = result.value();
    EXPECT_EQ(r.learningRates.size(), 3u);
    EXPECT_TRUE(r.stoppedEarly);
    EXPECT_NE(r.stopReason.find("nan"), std::string::npos) << r.stopReason;
    for (double loss : r.losses) EXPECT_TRUE(std::isfinite(loss));
    EXPECT_GE(r.suggestedLearningRate, options.minLearningRate);
    // The NaN step poisoned weights and BatchNorm statistics; all of it is undone.
    expectSameTrace(before, traceOf(*network));

    auto failed = findLearningRate(*network, brokenSource, smallConfig(), options);
    ASSERT_FALSE(failed.ok());
    EXPECT_NE(failed.error().message.find("first step"), std::string::npos)
        << failed.error().message;
    expectSameTrace(before, traceOf(*network));
}

TEST(LrFinderTest, RejectsOptionsThatCannotWork) {
    const TinyProblem problem = makeTinyProblem(8, 8);
    InMemoryBatchSource source(problem.images, problem.targets, 4);
    NetworkPtr network = makeTinyNetwork();
    auto tryOptions = [&](auto change) {
        LrFinderOptions options;
        change(options);
        return findLearningRate(*network, source, smallConfig(), options);
    };
    EXPECT_FALSE(tryOptions([](LrFinderOptions& o) { o.minLearningRate = 0; }).ok());
    EXPECT_FALSE(tryOptions([](LrFinderOptions& o) { o.maxLearningRate = 1e-8; }).ok());
    EXPECT_FALSE(tryOptions([](LrFinderOptions& o) { o.steps = 1; }).ok());
    EXPECT_FALSE(tryOptions([](LrFinderOptions& o) { o.smoothing = 1; }).ok());
    EXPECT_FALSE(tryOptions([](LrFinderOptions& o) { o.divergeFactor = 1; }).ok());
    InMemoryBatchSource empty(torch::zeros({0, 3, 32, 32}), torch::zeros({0}, torch::kInt64), 4);
    auto nothing = findLearningRate(*network, empty, smallConfig(), LrFinderOptions{});
    ASSERT_FALSE(nothing.ok());
    EXPECT_NE(nothing.error().message.find("empty"), std::string::npos);
}

// Rates over six decades and a loss that falls fastest (against log rate) at 1e-3.
TEST(LrSuggestionTest, SteepestDescentOfASyntheticCurve) {
    std::vector<double> rates;
    std::vector<double> losses;
    for (int i = 0; i < 100; ++i) {
        const double logRate = -6 + 6.0 * i / 99;
        rates.push_back(std::pow(10.0, logRate));
        losses.push_back(0.5 + 1.5 / (1 + std::exp(3 * (logRate + 3))));
    }
    // A blow-up in the last points, which the rule must not read as a slope.
    losses[98] = 0.1;
    losses[99] = 50;
    const LrSuggestion s = suggestLearningRate(rates, losses);
    EXPECT_EQ(s.rule, "steepest");
    EXPECT_NEAR(std::log10(s.learningRate), -3, 0.05);
}

// Found on Fashion-MNIST with fovea-cli lr-find: after the loss blew up it fell again for a few
// steps, and the steepest slope of that fall (at a rate 40x past the minimum) was suggested.
TEST(LrSuggestionTest, IgnoresTheFallAfterABlowUp) {
    std::vector<double> rates;
    std::vector<double> losses;
    for (int i = 0; i < 40; ++i) {
        rates.push_back(std::pow(10.0, -7 + 7.0 * i / 39));  // 1e-7 .. 1
        // Descent steepest near 1e-3, lowest near 1e-2, blow-up, then a steep fall.
        const double x = std::log10(rates.back());
        double loss = 1.1 - 0.25 * (1 + std::tanh(2.5 * (x + 3)));
        if (x > -1.5) loss = 3.0;
        if (x > -0.6) loss = 3.0 - 2.0 * (x + 0.6);
        losses.push_back(loss);
    }
    const LrSuggestion s = suggestLearningRate(rates, losses);
    EXPECT_EQ(s.rule, "steepest");
    EXPECT_LT(s.learningRate, 1e-2);
    EXPECT_GT(s.learningRate, 1e-4);
}

TEST(LrSuggestionTest, WithoutDescentATenthOfTheRateAtTheLowestLoss) {
    const LrSuggestion rising =
        suggestLearningRate({1e-4, 1e-3, 1e-2, 1e-1, 1, 10}, {1.0, 1.0, 1.1, 1.3, 2.0, 5.0});
    EXPECT_EQ(rising.rule, "minimum/10");
    EXPECT_DOUBLE_EQ(rising.learningRate, 1e-4);  // never below the first rate
    const LrSuggestion shortCurve =
        suggestLearningRate({1e-3, 1e-2, 1e-1, 1}, {2.0, 1.0, 0.5, 3.0});
    EXPECT_EQ(shortCurve.rule, "minimum/10");
    EXPECT_DOUBLE_EQ(shortCurve.learningRate, 1e-2);
    EXPECT_EQ(suggestLearningRate({}, {}).rule, "none");
}

}  // namespace
