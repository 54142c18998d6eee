// The trainer's behaviour on a small problem: it learns, stops within a batch, pauses, resumes
// from a checkpoint to bit-identical weights, stops early keeping the best weights, applies a
// freeze change, and reports divergence instead of throwing.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "feature_cache.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/training/trainer.h"
#include "in_memory_batch_source.h"
#include "temp_folder.h"
#include "tiny_problem.h"

namespace fs = std::filesystem;
using namespace fovea::core;

namespace {

constexpr int kClasses = fovea::test::kTinyProblemClasses;

using fovea::test::makeTinyNetwork;
using fovea::test::makeTinyProblem;
using fovea::test::TinyProblem;

// On the CPU even where a GPU is present: these tests hold the trainer to bit-identical resumes
// and to the CPU's memory tiers, which CUDA's kernels (not bitwise deterministic) and the GPU
// feature cache do not promise. gpu_path_test covers training on CUDA.
TrainingConfig smallConfig() {
    TrainingConfig config;
    config.device = DevicePreference::Cpu;
    config.epochs = 3;
    config.learningRate = 2e-3;
    config.seed = 5;
    config.featureCache = false;
    return config;
}

std::vector<std::pair<std::string, torch::Tensor>> weightsOf(const NetworkImpl& network) {
    std::vector<std::pair<std::string, torch::Tensor>> weights;
    for (const auto& item : network.named_parameters()) {
        weights.emplace_back(item.key(), item.value().detach().clone());
    }
    for (const auto& item : network.named_buffers()) {
        weights.emplace_back(item.key(), item.value().detach().clone());
    }
    return weights;
}

class TrainerTest : public ::testing::Test {
  protected:
    fovea::test::TempFolder m_folder{"fovea-trainer"};
};

TEST_F(TrainerTest, LearnsAndReportsEveryBatchAndEpoch) {
    const TinyProblem train = makeTinyProblem(30, 1);
    const TinyProblem validation = makeTinyProblem(15, 2);
    fovea::test::InMemoryBatchSource trainSource(train.images, train.targets, 6);
    fovea::test::InMemoryBatchSource validationSource(validation.images, validation.targets, 15);
    TrainingConfig config = smallConfig();
    config.epochs = 4;
    // ResNet's BatchNorm momentum (0.1) lets running statistics settle in these few steps;
    // MobileNetV3's (0.01) would need many more before evaluation means anything.
    Trainer trainer(makeTinyNetwork("resnet18"), config, {&trainSource, &validationSource, {}, {}});
    std::vector<BatchProgress> batches;
    std::vector<EpochReport> epochs;
    TrainingCallbacks callbacks;
    callbacks.onBatch = [&](const BatchProgress& p) { batches.push_back(p); };
    callbacks.onEpoch = [&](const EpochReport& r) { epochs.push_back(r); };
    TrainingControl control;
    auto summary = trainer.run(control, callbacks);
    ASSERT_TRUE(summary.ok()) << summary.error().message;
    EXPECT_EQ(summary.value().outcome, TrainingOutcome::Completed);
    EXPECT_EQ(summary.value().device, "cpu");
    ASSERT_EQ(batches.size(), 20u);
    EXPECT_EQ(batches.back().step, 20);
    EXPECT_GT(batches.back().imagesPerSecond, 0);
    ASSERT_EQ(epochs.size(), 4u);
    EXPECT_TRUE(epochs[0].hasValidation);
    EXPECT_EQ(epochs[0].validationConfusion.total(), 15);
    EXPECT_LT(epochs.back().trainLoss, epochs.front().trainLoss);
    EXPECT_GT(epochs.back().validationAccuracy, 0.6);
    EXPECT_EQ(epochs.back().validationPerClass.size(), 3u);
}

TEST_F(TrainerTest, StopsWithinOneBatchAndResumesToIdenticalWeights) {
    const TinyProblem train = makeTinyProblem(36, 3);
    TrainingConfig config = smallConfig();

    // Uninterrupted.
    fovea::test::InMemoryBatchSource sourceA(train.images, train.targets, 8);
    Trainer uninterrupted(makeTinyNetwork(), config, {&sourceA, nullptr, {}, {}});
    TrainingControl controlA;
    ASSERT_TRUE(uninterrupted.run(controlA).ok());

    // Stopped in the middle of epoch 2 (after its second batch), then resumed in a new trainer.
    fovea::test::InMemoryBatchSource sourceB(train.images, train.targets, 8);
    Trainer first(makeTinyNetwork(), config, {&sourceB, nullptr, {}, {}});
    first.setCheckpointFolder(m_folder.path());
    TrainingControl controlB;
    TrainingCallbacks stopAtStep7;
    stopAtStep7.onBatch = [&](const BatchProgress& p) {
        if (p.step == 7) controlB.requestStop();
    };
    auto stopped = first.run(controlB, stopAtStep7);
    ASSERT_TRUE(stopped.ok()) << stopped.error().message;
    EXPECT_EQ(stopped.value().outcome, TrainingOutcome::Stopped);
    EXPECT_EQ(stopped.value().steps, 7);  // the stop took effect before the next batch
    ASSERT_TRUE(fs::exists(m_folder / "last.pt"));

    fovea::test::InMemoryBatchSource sourceC(train.images, train.targets, 8);
    torch::manual_seed(12345);  // a different random state: the checkpoint must restore it
    Trainer resumed(makeTinyNetwork(), config, {&sourceC, nullptr, {}, {}});
    auto restore = resumed.resumeFromCheckpoint(m_folder / "last.pt");
    ASSERT_TRUE(restore.ok()) << restore.error().message;
    TrainingControl controlC;
    auto finished = resumed.run(controlC);
    ASSERT_TRUE(finished.ok()) << finished.error().message;
    EXPECT_EQ(finished.value().steps, 15);
    EXPECT_EQ(finished.value().history.size(), 3u);

    const auto expected = weightsOf(uninterrupted.network());
    const auto actual = weightsOf(resumed.network());
    ASSERT_EQ(expected.size(), actual.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_TRUE(torch::equal(expected[i].second, actual[i].second)) << expected[i].first;
    }
}

TEST_F(TrainerTest, ResumeRefusesOtherSettingsAndOtherFiles) {
    const TinyProblem train = makeTinyProblem(16, 4);
    fovea::test::InMemoryBatchSource source(train.images, train.targets, 8);
    TrainingConfig config = smallConfig();
    config.epochs = 1;
    Trainer trainer(makeTinyNetwork(), config, {&source, nullptr, {}, {}});
    trainer.setCheckpointFolder(m_folder.path());
    TrainingControl control;
    ASSERT_TRUE(trainer.run(control).ok());

    TrainingConfig other = config;
    other.learningRate = 0.5;
    Trainer changed(makeTinyNetwork(), other, {&source, nullptr, {}, {}});
    auto refused = changed.resumeFromCheckpoint(m_folder / "last.pt");
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("learning_rate"), std::string::npos)
        << refused.error().message;

    std::ofstream(m_folder / "junk.pt") << "not a checkpoint";
    auto junk = changed.resumeFromCheckpoint(m_folder / "junk.pt");
    ASSERT_FALSE(junk.ok());
    EXPECT_NE(junk.error().message.find("junk.pt"), std::string::npos);
}

TEST_F(TrainerTest, EarlyStoppingKeepsTheBestWeights) {
    // Validation labels unrelated to the images: the validation loss soon gets worse.
    const TinyProblem train = makeTinyProblem(24, 5);
    TinyProblem validation = makeTinyProblem(24, 6);
    validation.targets = torch::randint(0, kClasses, {24}, torch::kInt64);
    fovea::test::InMemoryBatchSource trainSource(train.images, train.targets, 8);
    fovea::test::InMemoryBatchSource validationSource(validation.images, validation.targets, 24);
    TrainingConfig config = smallConfig();
    config.epochs = 12;
    config.learningRate = 1e-2;
    config.earlyStopPatience = 2;
    Trainer trainer(makeTinyNetwork(), config, {&trainSource, &validationSource, {}, {}});
    TrainingControl control;
    auto summary = trainer.run(control);
    ASSERT_TRUE(summary.ok()) << summary.error().message;
    const TrainingSummary& s = summary.value();
    ASSERT_TRUE(s.bestEpoch.has_value());
    if (s.outcome == TrainingOutcome::EarlyStopped) {
        EXPECT_EQ(static_cast<std::int64_t>(s.history.size()), *s.bestEpoch + 1 + 2);
    }
    // The network now holds the best epoch's weights: its validation loss is the best one.
    const_cast<NetworkImpl&>(trainer.network()).eval();
    torch::NoGradGuard noGrad;
    const torch::Tensor logits =
        const_cast<NetworkImpl&>(trainer.network()).forward(validation.images);
    const double loss =
        torch::nn::functional::cross_entropy(logits, validation.targets).item<double>();
    // Validation ran channels-last, this forward pass in the default layout: the kernels round
    // differently (1.2e-5 seen with LibTorch 2.6).
    EXPECT_NEAR(loss, s.history[*s.bestEpoch].validationLoss, 1e-4);
    EXPECT_NEAR(loss, s.bestMetric, 1e-4);
}

// A checkpoint written right after the epoch that set the best weights holds them once (they
// are the model's) and says so; resuming from it restores them, so the resumed run keeps the
// same best weights as an uninterrupted one.
TEST_F(TrainerTest, ACheckpointAfterTheBestEpochHoldsTheWeightsOnceAndResumeKeepsThem) {
    const TinyProblem train = makeTinyProblem(24, 5);
    TinyProblem validation = makeTinyProblem(24, 6);
    validation.targets = torch::randint(0, kClasses, {24}, torch::kInt64);
    TrainingConfig config = smallConfig();
    config.learningRate = 1e-2;
    const auto trainWith = [&](Trainer& trainer, TrainingControl& control,
                               const TrainingCallbacks& callbacks = {}) {
        auto summary = trainer.run(control, callbacks);
        EXPECT_TRUE(summary.ok()) << summary.error().message;
        return summary.ok() ? summary.value() : TrainingSummary{};
    };

    fovea::test::InMemoryBatchSource trainA(train.images, train.targets, 8);
    fovea::test::InMemoryBatchSource validationA(validation.images, validation.targets, 24);
    Trainer uninterrupted(makeTinyNetwork(), config, {&trainA, &validationA, {}, {}});
    TrainingControl controlA;
    const TrainingSummary expected = trainWith(uninterrupted, controlA);

    // Stopped as the first epoch ends: the first epoch is always the best so far.
    fovea::test::InMemoryBatchSource trainB(train.images, train.targets, 8);
    fovea::test::InMemoryBatchSource validationB(validation.images, validation.targets, 24);
    Trainer first(makeTinyNetwork(), config, {&trainB, &validationB, {}, {}});
    first.setCheckpointFolder(m_folder.path());
    TrainingControl controlB;
    TrainingCallbacks stopAfterEpoch1;
    stopAfterEpoch1.onEpoch = [&](const EpochReport&) { controlB.requestStop(); };
    EXPECT_EQ(trainWith(first, controlB, stopAfterEpoch1).outcome, TrainingOutcome::Stopped);

    torch::serialize::InputArchive archive;
    archive.load_from((m_folder / "last.pt").string());
    c10::IValue stateJson;
    ASSERT_TRUE(archive.try_read("state_json", stateJson));
    EXPECT_TRUE(nlohmann::json::parse(stateJson.toStringRef()).at("best_is_model").get<bool>());
    torch::Tensor best;
    const std::string firstName = first.network().named_parameters().begin()->key();
    EXPECT_FALSE(archive.try_read("best/" + firstName, best)) << "stored twice";

    fovea::test::InMemoryBatchSource trainC(train.images, train.targets, 8);
    fovea::test::InMemoryBatchSource validationC(validation.images, validation.targets, 24);
    Trainer resumed(makeTinyNetwork(), config, {&trainC, &validationC, {}, {}});
    ASSERT_TRUE(resumed.resumeFromCheckpoint(m_folder / "last.pt").ok());
    TrainingControl controlC;
    const TrainingSummary finished = trainWith(resumed, controlC);
    EXPECT_EQ(finished.bestEpoch, expected.bestEpoch);
    const auto want = weightsOf(uninterrupted.network());
    const auto got = weightsOf(resumed.network());
    ASSERT_EQ(want.size(), got.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        EXPECT_TRUE(torch::equal(want[i].second, got[i].second)) << want[i].first;
    }
}

TEST_F(TrainerTest, DivergenceIsAnOutcomeNotAnException) {
    const TinyProblem train = makeTinyProblem(16, 7);
    fovea::test::InMemoryBatchSource source(train.images, train.targets, 8);
    TrainingConfig config = smallConfig();
    config.optimizer = OptimizerKind::Sgd;
    config.learningRate = 1e12;
    Trainer trainer(makeTinyNetwork(), config, {&source, nullptr, {}, {}});
    TrainingControl control;
    auto summary = trainer.run(control);
    ASSERT_TRUE(summary.ok()) << summary.error().message;
    EXPECT_EQ(summary.value().outcome, TrainingOutcome::Diverged);
    EXPECT_NE(summary.value().message.find("learning rate"), std::string::npos);
}

// On the device the machine has: CUDA's loss kernels would stop the process with a device-side
// assert, so the trainer checks class indices on the host and ends the run with a message.
TEST_F(TrainerTest, AClassIndexOutsideTheNetworkEndsTheRunWithAMessage) {
    const TinyProblem train = makeTinyProblem(16, 7);
    torch::Tensor targets = train.targets.clone();
    targets[5] = kClasses + 2;
    fovea::test::InMemoryBatchSource source(train.images, targets, 8);
    TrainingConfig config = smallConfig();
    config.device = DevicePreference::Auto;
    Trainer trainer(makeTinyNetwork(), config, {&source, nullptr, {}, {}});
    TrainingControl control;
    auto summary = trainer.run(control);
    ASSERT_FALSE(summary.ok());
    EXPECT_NE(summary.error().message.find("class index " + std::to_string(kClasses + 2) +
                                           " in a batch is outside the network's " +
                                           std::to_string(kClasses) + " classes"),
              std::string::npos)
        << summary.error().message;
    if (torch::cuda::is_available()) {
        EXPECT_EQ(torch::ones({4}, torch::kCUDA).sum().item<float>(), 4.0f);
    }
}

TEST_F(TrainerTest, PauseHoldsTrainingUntilResumedFromAnotherThread) {
    const TinyProblem train = makeTinyProblem(16, 8);
    fovea::test::InMemoryBatchSource source(train.images, train.targets, 8);
    TrainingConfig config = smallConfig();
    config.epochs = 1;
    Trainer trainer(makeTinyNetwork(), config, {&source, nullptr, {}, {}});
    TrainingControl control;
    std::thread resumer;
    TrainingCallbacks callbacks;
    callbacks.onBatch = [&](const BatchProgress& p) {
        if (p.step == 1) {
            control.pause();
            resumer = std::thread([&] {
                std::this_thread::sleep_for(std::chrono::milliseconds(1500));
                control.resume();
            });
        }
    };
    const auto start = std::chrono::steady_clock::now();
    auto summary = trainer.run(control, callbacks);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    resumer.join();
    ASSERT_TRUE(summary.ok());
    EXPECT_EQ(summary.value().outcome, TrainingOutcome::Completed);
    EXPECT_EQ(summary.value().steps, 2);
    EXPECT_GE(elapsed, std::chrono::milliseconds(1500));
    // The pause is not training time: the epoch's duration leaves it out.
    const double seconds = std::chrono::duration<double>(elapsed).count();
    ASSERT_EQ(summary.value().history.size(), 1u);
    EXPECT_LT(summary.value().history[0].seconds, seconds - 1.0);
}

TEST_F(TrainerTest, FreezeChangesApplyAtTheNextBatch) {
    const TinyProblem train = makeTinyProblem(16, 9);
    fovea::test::InMemoryBatchSource source(train.images, train.targets, 8);
    TrainingConfig config = smallConfig();
    NetworkPtr network = makeTinyNetwork();
    Trainer trainer(network, config, {&source, nullptr, {}, {}});
    TrainingControl control;
    std::set<std::string> allButHead;
    std::vector<std::string> headPaths;
    for (const auto& block : network->blocks()) {
        if (block.name != "head") allButHead.insert(block.name);
        if (block.name == "head") headPaths = block.modulePaths;
    }
    auto inHead = [&](const std::string& name) {
        for (const auto& path : headPaths) {
            if (name.rfind(path + ".", 0) == 0) return true;
        }
        return false;
    };
    std::vector<std::pair<std::string, torch::Tensor>> afterFirstEpoch;
    TrainingCallbacks callbacks;
    callbacks.onEpoch = [&](const EpochReport& r) {
        if (r.epoch == 0) {
            afterFirstEpoch = weightsOf(*network);
            control.requestFrozenBlocks(allButHead);
        }
    };
    ASSERT_TRUE(trainer.run(control, callbacks).ok());
    const auto final = weightsOf(*network);
    bool headChanged = false;
    for (std::size_t i = 0; i < final.size(); ++i) {
        const bool same = torch::equal(final[i].second, afterFirstEpoch[i].second);
        if (inHead(final[i].first)) {
            headChanged = headChanged || !same;
        } else {
            EXPECT_TRUE(same) << final[i].first << " changed although frozen";
        }
    }
    EXPECT_TRUE(headChanged);
}

// Freezing changed mid-run (the Train page) is in the checkpoint: the resumed run continues with
// it, so its optimizer state fits the parameters being trained.
TEST_F(TrainerTest, ResumeContinuesWithTheFreezingTheCheckpointWasWrittenWith) {
    const TinyProblem train = makeTinyProblem(16, 9);
    TrainingConfig config = smallConfig();
    NetworkPtr network = makeTinyNetwork();
    ASSERT_TRUE(network->frozenBlocks().empty());
    std::set<std::string> allButHead;
    for (const auto& block : network->blocks()) {
        if (block.name != "head") allButHead.insert(block.name);
    }
    fovea::test::InMemoryBatchSource source(train.images, train.targets, 8);
    Trainer first(network, config, {&source, nullptr, {}, {}});
    first.setCheckpointFolder(m_folder.path());
    TrainingControl control;
    TrainingCallbacks callbacks;
    callbacks.onEpoch = [&](const EpochReport& r) {
        if (r.epoch == 0) control.requestFrozenBlocks(allButHead);
    };
    callbacks.onBatch = [&](const BatchProgress& p) {
        if (p.step == 3) control.requestStop();  // one batch trained with the new freezing
    };
    auto stopped = first.run(control, callbacks);
    ASSERT_TRUE(stopped.ok()) << stopped.error().message;
    ASSERT_EQ(stopped.value().outcome, TrainingOutcome::Stopped);

    NetworkPtr fresh = makeTinyNetwork();  // built as the run began: nothing frozen
    fovea::test::InMemoryBatchSource again(train.images, train.targets, 8);
    Trainer resumed(fresh, config, {&again, nullptr, {}, {}});
    auto restore = resumed.resumeFromCheckpoint(m_folder / "last.pt");
    ASSERT_TRUE(restore.ok()) << restore.error().message;
    EXPECT_EQ(fresh->frozenBlocks(), allButHead);
    const auto beforeRest = weightsOf(*fresh);
    TrainingControl controlAgain;
    auto finished = resumed.run(controlAgain);
    ASSERT_TRUE(finished.ok()) << finished.error().message;
    EXPECT_EQ(finished.value().outcome, TrainingOutcome::Completed);
    EXPECT_EQ(finished.value().steps, 6);
    const auto after = weightsOf(*fresh);
    for (std::size_t i = 0; i < after.size(); ++i) {
        if (after[i].first.rfind("features.", 0) == 0 &&
            after[i].first.find("running") == std::string::npos &&
            after[i].first.find("num_batches") == std::string::npos) {
            EXPECT_TRUE(torch::equal(after[i].second, beforeRest[i].second))
                << after[i].first << " changed although frozen";
        }
    }
}

}  // namespace

namespace {

using fovea::test::InMemoryBatchSource;

// mobilenet_v3_small with its first blocks frozen, so the feature cache has a prefix to serve.
NetworkPtr partlyFrozenNetwork() {
    NetworkPtr network = makeTinyNetwork();
    network->setFrozenBlocks(blocksUpTo(*network, network->blocks()[4].name));
    return network;
}

// With the cache or without it, the trainable blocks compute exactly the same, in either memory
// layout (the cache keeps features in the default layout; channels-last runs get theirs back).
void expectFeatureCacheChangesNothing(bool channelsLast) {
    const TinyProblem train = makeTinyProblem(24, 11);
    const TinyProblem validation = makeTinyProblem(12, 12);
    TrainingConfig config = smallConfig();
    config.channelsLast = channelsLast;
    config.featureCache = false;
    InMemoryBatchSource plainSource(train.images, train.targets, 8);
    InMemoryBatchSource plainValidation(validation.images, validation.targets, 6);
    Trainer plain(partlyFrozenNetwork(), config, {&plainSource, &plainValidation, {}, {}});
    TrainingControl controlA;
    auto plainSummary = plain.run(controlA);
    ASSERT_TRUE(plainSummary.ok()) << plainSummary.error().message;
    EXPECT_EQ(plainSummary.value().featureCacheHits, 0);

    config.featureCache = true;
    InMemoryBatchSource cachedSource(train.images, train.targets, 8);
    InMemoryBatchSource cachedValidation(validation.images, validation.targets, 6);
    Trainer cached(partlyFrozenNetwork(), config, {&cachedSource, &cachedValidation, {}, {}});
    TrainingControl controlB;
    auto cachedSummary = cached.run(controlB);
    ASSERT_TRUE(cachedSummary.ok()) << cachedSummary.error().message;
    // Epoch 1 computes every image's prefix once; epochs 2 and 3 reuse them.
    EXPECT_EQ(cachedSummary.value().featureCacheMisses, 24);
    EXPECT_EQ(cachedSummary.value().featureCacheHits, 48);

    const auto expected = weightsOf(plain.network());
    const auto actual = weightsOf(cached.network());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_TRUE(torch::equal(expected[i].second, actual[i].second)) << expected[i].first;
    }
    for (std::size_t e = 0; e < 3; ++e) {
        EXPECT_DOUBLE_EQ(plainSummary.value().history[e].validationLoss,
                         cachedSummary.value().history[e].validationLoss);
    }
}

TEST_F(TrainerTest, FeatureCacheGivesTheSameWeightsAsRecomputing) {
    expectFeatureCacheChangesNothing(false);
}

TEST_F(TrainerTest, FeatureCacheGivesTheSameWeightsAsRecomputingChannelsLast) {
    expectFeatureCacheChangesNothing(true);
}

TEST_F(TrainerTest, FeatureCacheSpillsToDiskBeyondItsMemoryBudget) {
    const TinyProblem train = makeTinyProblem(16, 13);
    TrainingConfig config = smallConfig();
    config.featureCache = true;
    config.featureCacheMemoryBytes = 2;  // nothing fits in memory
    InMemoryBatchSource source(train.images, train.targets, 8);
    {
        Trainer trainer(partlyFrozenNetwork(), config, {&source, nullptr, {}, {}});
        trainer.setCheckpointFolder(m_folder.path());
        TrainingControl control;
        auto summary = trainer.run(control);
        ASSERT_TRUE(summary.ok()) << summary.error().message;
        EXPECT_GT(summary.value().featureCacheDiskBytes, 0u);
        EXPECT_EQ(summary.value().featureCacheHits, 32);
        EXPECT_FALSE(fs::is_empty(m_folder / "feature-cache"));
    }
    EXPECT_TRUE(fs::is_empty(m_folder / "feature-cache"));  // the spill file goes with the trainer
}

TEST(FeatureCacheSignature, ChangesWithFrozenWeightsAndInputSizeOnly) {
    NetworkPtr network = partlyFrozenNetwork();
    const std::vector<std::int64_t> shape = {3, 32, 32};
    const std::uint64_t base = prefixSignature(*network, 5, shape);
    EXPECT_EQ(base, prefixSignature(*network, 5, shape));
    EXPECT_NE(base, prefixSignature(*network, 5, std::vector<std::int64_t>{3, 64, 64}));
    EXPECT_NE(base, prefixSignature(*network, 4, shape));
    torch::NoGradGuard noGrad;
    network->named_parameters()["classifier.3.weight"].add_(1.0);  // not in the prefix
    EXPECT_EQ(base, prefixSignature(*network, 5, shape));
    network->named_parameters()["features.0.0.weight"].add_(1.0);  // in the prefix
    EXPECT_NE(base, prefixSignature(*network, 5, shape));
}

TEST(FeatureCache, ClearsWhenTheSignatureChanges) {
    const fovea::test::TempFolder folder("fovea-feature-cache-test");
    FeatureCache cache(1 << 20, folder.path());
    cache.validate(1);
    cache.insert(7, 0, torch::ones({4, 2, 2}));
    ASSERT_TRUE(cache.find(7, 0).has_value());
    EXPECT_FALSE(cache.find(7, 1).has_value());  // another augmentation variant
    cache.validate(1);
    EXPECT_TRUE(cache.find(7, 0).has_value());
    cache.validate(2);
    EXPECT_FALSE(cache.find(7, 0).has_value());
}

// Three tiers: the device budget first (a GPU's memory in training; the CPU stands in here),
// then RAM, then the spill file; every entry comes back equal wherever it was kept.
TEST(FeatureCache, FillsTheDeviceBudgetThenMemoryThenDisk) {
    const torch::Device device =
        torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
    const std::size_t entry = 4 * 2 * 2 * sizeof(float);
    const fovea::test::TempFolder folder("fovea-feature-cache-tiers");
    FeatureCache cache(entry, folder.path(), device, 2 * entry);
    cache.validate(1);
    for (int id = 0; id < 4; ++id) cache.insert(id, 0, torch::full({4, 2, 2}, float(id)));
    EXPECT_EQ(cache.stats().deviceBytes, 2 * entry);
    EXPECT_EQ(cache.stats().memoryBytes, entry);
    EXPECT_EQ(cache.stats().diskBytes, entry);
    for (int id = 0; id < 4; ++id) {
        auto found = cache.find(id, 0);
        ASSERT_TRUE(found.has_value()) << id;
        EXPECT_EQ(found->device().type(), id < 2 ? device.type() : torch::kCPU) << id;
        EXPECT_TRUE(torch::equal(found->cpu(), torch::full({4, 2, 2}, float(id)))) << id;
    }
}

}  // namespace

namespace {

// The options that change the arithmetic: each run completes with a finite loss, and differs
// from the plain run (so the option really took effect).
TEST_F(TrainerTest, PrecisionLayoutClippingAndSmoothingOptionsTrain) {
    const TinyProblem train = makeTinyProblem(16, 14);
    auto finalLoss = [&](const std::function<void(TrainingConfig&)>& change) {
        TrainingConfig config = smallConfig();
        config.epochs = 1;
        // Each option against float32 in the default layout, not against the fast defaults.
        config.precision = Precision::Float32;
        config.channelsLast = false;
        change(config);
        fovea::test::InMemoryBatchSource source(train.images, train.targets, 8);
        Trainer trainer(makeTinyNetwork(), config, {&source, nullptr, {}, {3, 3, 10}});
        TrainingControl control;
        auto summary = trainer.run(control);
        EXPECT_TRUE(summary.ok()) << summary.error().message;
        if (!summary.ok()) return 0.0;
        EXPECT_EQ(summary.value().outcome, TrainingOutcome::Completed);
        return summary.value().history.back().trainLoss;
    };
    const double plain = finalLoss([](TrainingConfig&) {});
    EXPECT_TRUE(std::isfinite(plain));
    for (const auto& [name, change] :
         std::vector<std::pair<std::string, std::function<void(TrainingConfig&)>>>{
             {"bf16", [](TrainingConfig& c) { c.precision = Precision::BFloat16; }},
             {"channels_last", [](TrainingConfig& c) { c.channelsLast = true; }},
             {"clipping", [](TrainingConfig& c) { c.gradientClipNorm = 0.01; }},
             {"label smoothing", [](TrainingConfig& c) { c.labelSmoothing = 0.2; }},
             {"class weights", [](TrainingConfig& c) { c.classWeightedLoss = true; }},
         }) {
        const double loss = finalLoss(change);
        EXPECT_TRUE(std::isfinite(loss)) << name;
        if (name != "channels_last") {
            EXPECT_NE(loss, plain) << name;
        }
        EXPECT_NEAR(loss, plain, 0.5) << name;
    }
}

TEST_F(TrainerTest, Fp16OnTheCpuIsRefusedWithAClearMessage) {
    const TinyProblem train = makeTinyProblem(8, 15);
    fovea::test::InMemoryBatchSource source(train.images, train.targets, 8);
    TrainingConfig config = smallConfig();
    config.precision = Precision::Float16;
    Trainer trainer(makeTinyNetwork(), config, {&source, nullptr, {}, {}});
    TrainingControl control;
    auto summary = trainer.run(control);
    ASSERT_FALSE(summary.ok());
    EXPECT_NE(summary.error().message.find("bf16"), std::string::npos);
}

}  // namespace
