// The trainer against torch 1.13 in Python (Debian python3-torch + torchvision): the same initial
// weights and the same batches (no augmentation, no shuffling) must give the same loss at every
// step, within 1e-4 relative, for SGD with momentum and for AdamW with a cosine schedule.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "fovea/core/models/zoo.h"
#include "fovea/core/training/trainer.h"
#include "fovea/core/weights/safetensors.h"
#include "in_memory_batch_source.h"
#include "run_process.h"
#include "temp_folder.h"

namespace fs = std::filesystem;
using namespace fovea::core;

namespace {

constexpr int kSteps = 20;
constexpr int kBatch = 8;
constexpr int kSize = 64;
constexpr int kClasses = 4;

struct Case {
    std::string arch;
    TrainingConfig config;
};

void writeState(const fs::path& file, const NetworkImpl& network) {
    StateDict state;
    for (const auto& item : network.named_parameters()) state.insert(item.key(), item.value());
    for (const auto& item : network.named_buffers()) state.insert(item.key(), item.value());
    ASSERT_TRUE(writeSafetensors(file, state).ok());
}

// Trains `kSteps` steps in C++ and in Python and compares the per-step losses.
void expectSameLosses(const Case& c) {
    const fovea::test::TempFolder folder("fovea-reference-" + c.arch);
    const fs::path& dir = folder.path();
    torch::manual_seed(1234);
    auto created = createNetwork(c.arch, kClasses);
    ASSERT_TRUE(created.ok()) << created.error().message;
    NetworkPtr network = created.value();
    writeState(dir / "init.safetensors", *network);

    // Smooth random images (so batch statistics are image-like) and random labels.
    const torch::Tensor images =
        torch::nn::functional::interpolate(torch::randn({kSteps * kBatch, 3, kSize / 4, kSize / 4}),
                                           torch::nn::functional::InterpolateFuncOptions()
                                               .size(std::vector<int64_t>{kSize, kSize})
                                               .mode(torch::kBilinear)
                                               .align_corners(false))
            .contiguous();
    const torch::Tensor targets = torch::randint(0, kClasses, {kSteps * kBatch}, torch::kInt64);
    StateDict batches;
    batches.insert("images", images.view({kSteps, kBatch, 3, kSize, kSize}));
    batches.insert("targets", targets.view({kSteps, kBatch}));
    ASSERT_TRUE(writeSafetensors(dir / "batches.safetensors", batches).ok());

    const TrainingConfig& t = c.config;
    std::ofstream(dir / "config.json") << nlohmann::json{
        {"arch", c.arch},
        {"num_classes", kClasses},
        {"optimizer", optimizerKindName(t.optimizer)},
        {"lr", t.learningRate},
        {"momentum", t.momentum},
        {"nesterov", t.nesterov},
        {"weight_decay", t.weightDecay},
        {"betas", {t.beta1, t.beta2}},
        {"eps", t.epsilon},
        {"schedule", scheduleKindName(t.schedule.kind)},
        {"seed", t.seed},
        {"threads", torch::get_num_threads()}}.dump();
    const auto python = fovea::test::runProcess(
        "/usr/bin/python3",
        {fovea::test::foveaSourceDir() + "/tests/core/tensor/training/reference_training.py",
         dir.string()},
        {}, true);
    ASSERT_EQ(python.exitCode, 0) << python.output;
    const auto expected =
        nlohmann::json::parse(std::ifstream(dir / "losses.json")).get<std::vector<double>>();
    ASSERT_EQ(expected.size(), static_cast<std::size_t>(kSteps));

    fovea::test::InMemoryBatchSource source(images, targets, kBatch);
    Trainer trainer(network, c.config, TrainingData{&source, nullptr, {}, {}});
    std::vector<double> losses;
    TrainingCallbacks callbacks;
    callbacks.onBatch = [&](const BatchProgress& p) { losses.push_back(p.loss); };
    TrainingControl control;
    auto summary = trainer.run(control, callbacks);
    ASSERT_TRUE(summary.ok()) << summary.error().message;
    ASSERT_EQ(losses.size(), expected.size());
    double worst = 0;
    for (int step = 0; step < kSteps; ++step) {
        worst = std::max(worst, std::abs(losses[step] - expected[step]) / std::abs(expected[step]));
    }
    std::printf("%s %s: %d steps, largest relative loss difference %.2e (first loss %.6f)\n",
                c.arch.c_str(), optimizerKindName(c.config.optimizer), kSteps, worst, losses[0]);
    for (int step = 0; step < kSteps; ++step) {
        EXPECT_NEAR(losses[step], expected[step], 1e-4 * std::abs(expected[step]))
            << c.arch << " step " << step;
    }
}

TrainingConfig sgdMomentum() {
    TrainingConfig config;
    config.epochs = 1;
    config.optimizer = OptimizerKind::Sgd;
    config.learningRate = 0.01;
    config.momentum = 0.9;
    config.weightDecay = 1e-4;
    config.schedule.kind = ScheduleKind::Constant;
    config.seed = 7;
    config.featureCache = false;
    // As the Python loop computes: float32 in the default layout (not the fast defaults).
    config.precision = Precision::Float32;
    config.channelsLast = false;
    return config;
}

TEST(ReferenceTraining, Resnet18SgdMomentumMatchesTorch) {
    expectSameLosses({"resnet18", sgdMomentum()});
}

TEST(ReferenceTraining, MobilenetV2SgdMomentumMatchesTorch) {
    expectSameLosses({"mobilenet_v2", sgdMomentum()});
}

TEST(ReferenceTraining, Resnet18AdamWCosineMatchesTorch) {
    TrainingConfig config = sgdMomentum();
    config.optimizer = OptimizerKind::AdamW;
    config.learningRate = 1e-3;
    config.weightDecay = 0.05;
    config.schedule.kind = ScheduleKind::Cosine;
    expectSameLosses({"resnet18", config});
}

}  // namespace
