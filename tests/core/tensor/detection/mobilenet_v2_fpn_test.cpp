// fasterrcnn_mobilenet_v2_fpn, our own composition, starts from the offline default weights
// where they have been prepared (fovea-cli prepare-offline-weights; skipped otherwise): the body
// computes what the zoo's mobilenet_v2_keras computes with the same file, and a training step and
// an evaluation run. faster_rcnn_test.cpp checks its layout.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <set>
#include <string>

#include "fovea/core/detection/faster_rcnn.h"
#include "fovea/core/models/network.h"
#include "fovea/core/weights/safetensors.h"
#include "fovea/core/weights_import/offline_default.h"

namespace fovea::core::detection {
namespace {

namespace fs = std::filesystem;

FasterRcnnOptions smallOptions() {
    FasterRcnnOptions options = fasterRcnnDefaults(FasterRcnnArchitecture::kMobileNetV2Fpn);
    options.numClasses = 3;
    options.minSize = {128};
    options.maxSize = 192;
    return options;
}

class MobileNetV2FpnOffline : public testing::Test {
  protected:
    void SetUp() override {
        const fs::path file = offlineDefaultWeightsPath();
        if (!fs::exists(file)) {
            GTEST_SKIP() << "offline default weights missing (" << file.string()
                         << "): fovea-cli prepare-offline-weights";
        }
        auto read = readSafetensors(file);
        ASSERT_TRUE(read.ok()) << read.error().message;
        m_file = file;
        m_weights = read.value().tensors;
    }

    fs::path m_file;
    StateDict m_weights;
};

TEST_F(MobileNetV2FpnOffline, BodyComputesWhatTheZoosNetworkComputes) {
    torch::manual_seed(1);
    FasterRcnn model(FasterRcnnArchitecture::kMobileNetV2Fpn, smallOptions());
    auto loaded = loadBackboneWeights(*model, m_weights, m_file.filename().string());
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    int64_t bodyTensors = 0;
    for (const auto& group : {model->named_parameters(), model->named_buffers()}) {
        for (const auto& item : group) bodyTensors += item.key().rfind("backbone.body.", 0) == 0;
    }
    EXPECT_EQ(loaded.value().loadedTensors, bodyTensors);
    // Only nsfwjs' classifier is left out (and batch counters, if the file has them).
    for (const auto& key : loaded.value().ignoredKeys) {
        EXPECT_TRUE(key.rfind("classifier.", 0) == 0 ||
                    key.find("num_batches_tracked") != std::string::npos)
            << key;
    }
    EXPECT_TRUE(model->named_buffers()["backbone.body.3.conv.1.1.running_var"].equal(
        m_weights["features.3.conv.1.1.running_var"]));

    auto network = loadOfflineDefaultNetwork(2, m_file);
    ASSERT_TRUE(network.ok()) << network.error().message;
    NetworkImpl& zoo = *network.value();
    torch::NoGradGuard noGrad;
    zoo.eval();
    model->eval();
    // x / 255 as both take it; an even size, as the detector's batches are (multiples of 32).
    const torch::Tensor images = torch::rand({2, 3, 96, 128});
    const std::vector<torch::Tensor> ours = model->backbone()->body().forward(images);
    ASSERT_EQ(ours.size(), 2u);
    const torch::Tensor feature14 = zoo.forwardBlocks(images, 0, 15);
    const torch::Tensor feature18 = zoo.forwardBlocks(feature14, 15, 19);
    for (const auto& [mine, theirs] : {std::pair{ours[0], feature14}, {ours[1], feature18}}) {
        ASSERT_EQ(mine.sizes(), theirs.sizes());
        // FrozenBatchNorm2d's x * scale + shift against batch_norm: rounding only.
        const double difference = (mine - theirs).abs().max().item<double>();
        const double scale = theirs.abs().max().item<double>();
        std::printf("body output %s: max |difference| %.3g (values up to %.3g)\n",
                    c10::str(theirs.sizes()).c_str(), difference, scale);
        EXPECT_LE(difference, 1e-4 * std::max(1.0, scale));
    }
}

TEST_F(MobileNetV2FpnOffline, TrainsAStepAndEvaluates) {
    torch::manual_seed(2);
    FasterRcnn model(FasterRcnnArchitecture::kMobileNetV2Fpn, smallOptions());
    ASSERT_TRUE(loadBackboneWeights(*model, m_weights, "offline").ok());
    const std::vector<torch::Tensor> images{torch::rand({3, 120, 160}), torch::rand({3, 100, 90})};
    const std::vector<DetectionTarget> targets{
        {torch::tensor({{10.0F, 20.0F, 90.0F, 100.0F}, {100.0F, 10.0F, 150.0F, 60.0F}}),
         torch::tensor({1, 2}, torch::kInt64)},
        {torch::tensor({{5.0F, 5.0F, 60.0F, 70.0F}}), torch::tensor({2}, torch::kInt64)}};

    std::vector<torch::Tensor> trainable;
    for (const auto& parameter : model->parameters()) {
        if (parameter.requires_grad()) trainable.push_back(parameter);
    }
    torch::optim::SGD optimizer(trainable, torch::optim::SGDOptions(0.01).momentum(0.9));
    const torch::Tensor frozenBefore =
        model->named_parameters()["backbone.body.2.conv.0.0.weight"].clone();
    const torch::Tensor trainedBefore =
        model->named_parameters()["backbone.body.16.conv.0.0.weight"].clone();
    model->train();
    const FasterRcnnOutput output = model->forward(images, targets);
    ASSERT_EQ(output.losses.size(), 4u);
    torch::Tensor total = torch::zeros({});
    for (const auto& [name, loss] : output.losses) {
        EXPECT_TRUE(torch::isfinite(loss).item<bool>()) << name;
        std::printf("%s %.5f\n", name.c_str(), loss.item<double>());
        total = total + loss;
    }
    optimizer.zero_grad();
    total.backward();
    optimizer.step();
    EXPECT_TRUE(model->named_parameters()["backbone.body.2.conv.0.0.weight"].equal(frozenBefore));
    EXPECT_FALSE(
        model->named_parameters()["backbone.body.16.conv.0.0.weight"].equal(trainedBefore));

    torch::NoGradGuard noGrad;
    model->eval();
    const FasterRcnnOutput evaluated = model->forward(images);
    ASSERT_EQ(evaluated.detections.size(), 2u);
    for (const Detections& detections : evaluated.detections) {
        EXPECT_EQ(detections.scores.size(0), detections.boxes.size(0));
        EXPECT_TRUE(torch::isfinite(detections.boxes).all().item<bool>());
    }
}

}  // namespace
}  // namespace fovea::core::detection
