// Faster R-CNN without Python: the builders' sizes and freezing as torchvision's (figures from
// torchvision 0.14 with FrozenBatchNorm2d and trainable_backbone_layers=3, 4 classes), loading
// errors, and the forward pass's contracts (output shapes, images without boxes in training).
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "fovea/core/detection/faster_rcnn.h"

namespace fovea::core::detection {
namespace {

struct Counts {
    int64_t parameters = 0, trainable = 0, stateTensors = 0;
};

Counts count(FasterRcnnImpl& model) {
    Counts counts;
    for (const auto& parameter : model.parameters()) {
        counts.parameters += parameter.numel();
        if (parameter.requires_grad()) counts.trainable += parameter.numel();
    }
    counts.stateTensors =
        static_cast<int64_t>(model.named_parameters().size() + model.named_buffers().size());
    return counts;
}

FasterRcnnOptions smallOptions(FasterRcnnArchitecture architecture) {
    FasterRcnnOptions options = fasterRcnnDefaults(architecture);
    options.numClasses = 4;
    return options;
}

TEST(FasterRcnn, BuildersHaveTorchvisionsSizesAndFreezing) {
    torch::manual_seed(0);
    // Every MobileNetV3 variant shares the network; only the transform and RPN settings differ.
    FasterRcnn mobile(FasterRcnnArchitecture::kMobileNetV3Large320Fpn,
                      smallOptions(FasterRcnnArchitecture::kMobileNetV3Large320Fpn));
    const Counts mobileCounts = count(*mobile);
    EXPECT_EQ(mobileCounts.parameters, 18940479);
    EXPECT_EQ(mobileCounts.trainable, 18881583);
    EXPECT_EQ(mobileCounts.stateTensors, 284);

    FasterRcnn resnet(FasterRcnnArchitecture::kResNet50Fpn,
                      smallOptions(FasterRcnnArchitecture::kResNet50Fpn));
    const Counts resnetCounts = count(*resnet);
    EXPECT_EQ(resnetCounts.parameters, 41309411);
    EXPECT_EQ(resnetCounts.trainable, 41087011);
    EXPECT_EQ(resnetCounts.stateTensors, 295);
}

TEST(FasterRcnn, DefaultsAndNamesAreTorchvisions) {
    const auto small = fasterRcnnDefaults(FasterRcnnArchitecture::kMobileNetV3Large320Fpn);
    EXPECT_EQ(small.minSize, std::vector<int64_t>{320});
    EXPECT_EQ(small.maxSize, 640);
    EXPECT_EQ(small.rpn.preNmsTopNTest, 150);
    EXPECT_EQ(small.rpn.postNmsTopNTest, 150);
    EXPECT_DOUBLE_EQ(small.rpn.scoreThresh, 0.05);
    const auto full = fasterRcnnDefaults(FasterRcnnArchitecture::kMobileNetV3LargeFpn);
    EXPECT_DOUBLE_EQ(full.rpn.scoreThresh, 0.05);  // fasterrcnn_mobilenet_v3_large_fpn's too
    EXPECT_DOUBLE_EQ(fasterRcnnDefaults(FasterRcnnArchitecture::kResNet50Fpn).rpn.scoreThresh, 0.0);
    EXPECT_EQ(full.minSize, std::vector<int64_t>{800});
    EXPECT_EQ(full.maxSize, 1333);
    EXPECT_EQ(full.rpn.preNmsTopNTest, 1000);
    EXPECT_EQ(full.rpn.postNmsTopNTrain, 2000);
    for (auto architecture :
         {FasterRcnnArchitecture::kMobileNetV3LargeFpn,
          FasterRcnnArchitecture::kMobileNetV3Large320Fpn, FasterRcnnArchitecture::kResNet50Fpn,
          FasterRcnnArchitecture::kMobileNetV2Fpn}) {
        EXPECT_EQ(fasterRcnnArchitectureFromName(architectureName(architecture)), architecture);
    }
    EXPECT_FALSE(fasterRcnnArchitectureFromName("fasterrcnn_vgg16").has_value());
}

TEST(FasterRcnn, LoadingChecksEveryKeyAndLeavesTheModelUnchangedOnError) {
    FasterRcnn model(FasterRcnnArchitecture::kMobileNetV3Large320Fpn,
                     smallOptions(FasterRcnnArchitecture::kMobileNetV3Large320Fpn));
    StateDict weights;
    for (const auto& item : model->named_parameters())
        weights.insert(item.key(), item.value().detach().clone() + 1.0);
    for (const auto& item : model->named_buffers())
        weights.insert(item.key(), item.value().clone());
    // A plain BatchNorm2d's counter, which FrozenBatchNorm2d files may carry: ignored.
    weights.insert("backbone.body.0.1.num_batches_tracked", torch::zeros({}, torch::kInt64));

    StateDict broken = weights;
    broken.erase("rpn.head.cls_logits.bias");
    broken.insert("roi_heads.box_head.fc8.weight", torch::zeros({2}));
    const torch::Tensor before = model->named_parameters()["rpn.head.conv.0.0.weight"].clone();
    auto failed = loadDetectionStateDict(*model, broken, "broken.pth");
    ASSERT_FALSE(failed.ok());
    EXPECT_NE(failed.error().message.find("rpn.head.cls_logits.bias"), std::string::npos);
    EXPECT_NE(failed.error().message.find("roi_heads.box_head.fc8.weight"), std::string::npos);
    EXPECT_TRUE(model->named_parameters()["rpn.head.conv.0.0.weight"].equal(before));

    StateDict otherClasses = weights;
    otherClasses["roi_heads.box_predictor.cls_score.weight"] = torch::zeros({91, 1024});
    auto mismatch = loadDetectionStateDict(*model, otherClasses, "coco.pth");
    ASSERT_FALSE(mismatch.ok());
    EXPECT_NE(mismatch.error().message.find("cls_score.weight (file [91, 1024]"), std::string::npos)
        << mismatch.error().message;

    auto loaded = loadDetectionStateDict(*model, weights, "good.pth");
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(loaded.value().ignoredKeys.size(), 1u);
    EXPECT_TRUE(model->named_parameters()["rpn.head.conv.0.0.weight"].equal(before + 1.0));
}

TEST(FasterRcnn, EvaluatesAndTrainsOnImagesWithAndWithoutBoxes) {
    torch::manual_seed(3);
    FasterRcnnOptions options = smallOptions(FasterRcnnArchitecture::kMobileNetV3Large320Fpn);
    options.minSize = {160};
    options.maxSize = 320;
    FasterRcnn model(FasterRcnnArchitecture::kMobileNetV3Large320Fpn, options);
    const std::vector<torch::Tensor> images{torch::rand({3, 120, 160}), torch::rand({3, 90, 70})};
    {
        torch::NoGradGuard noGrad;
        model->eval();
        const FasterRcnnOutput output = model->forward(images);
        ASSERT_EQ(output.detections.size(), 2u);
        for (size_t index = 0; index < 2; ++index) {
            const Detections& detections = output.detections[index];
            EXPECT_LE(detections.boxes.size(0), 100);
            EXPECT_EQ(detections.scores.size(0), detections.boxes.size(0));
            EXPECT_EQ(detections.labels.scalar_type(), torch::kInt64);
            if (detections.boxes.size(0) == 0) continue;
            // In the original image's pixels.
            EXPECT_LE(detections.boxes.select(1, 2).max().item<float>(),
                      images[index].size(2) + 1e-3);
            EXPECT_LE(detections.boxes.select(1, 3).max().item<float>(),
                      images[index].size(1) + 1e-3);
            EXPECT_GE(detections.labels.min().item<int64_t>(), 1);
        }
    }
    model->train();
    // The second image is background only: torchvision trains on it with negatives alone.
    const std::vector<DetectionTarget> targets{
        {torch::tensor({{10.0F, 20.0F, 90.0F, 100.0F}}), torch::tensor({2}, torch::kInt64)},
        {torch::zeros({0, 4}), torch::zeros({0}, torch::kInt64)}};
    const FasterRcnnOutput output = model->forward(images, targets);
    ASSERT_EQ(output.losses.size(), 4u);
    torch::Tensor total = torch::zeros({});
    for (const auto& [name, loss] : output.losses) {
        EXPECT_TRUE(torch::isfinite(loss).item<bool>()) << name;
        total = total + loss;
    }
    total.backward();
    const auto& grad = model->named_parameters()["roi_heads.box_predictor.cls_score.weight"].grad();
    ASSERT_TRUE(grad.defined());
    EXPECT_GT(grad.abs().sum().item<double>(), 0.0);
    // Frozen stages get no gradient (trainable_backbone_layers=3).
    EXPECT_FALSE(model->named_parameters()["backbone.body.0.0.weight"].requires_grad());
}

// fasterrcnn_mobilenet_v2_fpn, our own composition: torchvision's cut of a MobileNetV2 for the
// FPN (as _mobilenet_extractor would cut torchvision's mobilenet_v2), MobileNetV3's heads, the
// offline weights' preprocessing and batch norm.
TEST(FasterRcnn, MobileNetV2FpnCutsTheBodyAsTorchvisionCutsMobileNets) {
    EXPECT_EQ(architectureName(FasterRcnnArchitecture::kMobileNetV2Fpn),
              "fasterrcnn_mobilenet_v2_fpn");
    EXPECT_EQ(fasterRcnnArchitectureFromName("fasterrcnn_mobilenet_v2_fpn"),
              FasterRcnnArchitecture::kMobileNetV2Fpn);
    EXPECT_EQ(backboneClassificationArchitecture(FasterRcnnArchitecture::kMobileNetV2Fpn),
              "mobilenet_v2_keras");
    const FasterRcnnOptions defaults = fasterRcnnDefaults(FasterRcnnArchitecture::kMobileNetV2Fpn);
    EXPECT_EQ(defaults.imageMean, (std::array<double, 3>{0.0, 0.0, 0.0}));
    EXPECT_EQ(defaults.imageStd, (std::array<double, 3>{1.0, 1.0, 1.0}));
    EXPECT_DOUBLE_EQ(defaults.rpn.scoreThresh, 0.05);
    EXPECT_TRUE(defaults.frozenBatchNorm);
    EXPECT_EQ(defaults.trainableBackboneLayers, 3);

    torch::manual_seed(0);
    FasterRcnnOptions options = smallOptions(FasterRcnnArchitecture::kMobileNetV2Fpn);
    options.minSize = {128};
    options.maxSize = 192;
    FasterRcnn model(FasterRcnnArchitecture::kMobileNetV2Fpn, options);
    const auto parameters = model->named_parameters();
    EXPECT_EQ(parameters["backbone.body.0.0.weight"].sizes(), (std::vector<int64_t>{32, 3, 3, 3}));
    EXPECT_EQ(parameters["backbone.body.18.0.weight"].sizes(),
              (std::vector<int64_t>{1280, 320, 1, 1}));
    EXPECT_EQ(parameters["backbone.fpn.inner_blocks.0.0.weight"].sizes(),
              (std::vector<int64_t>{256, 160, 1, 1}));
    EXPECT_EQ(parameters["backbone.fpn.inner_blocks.1.0.weight"].sizes(),
              (std::vector<int64_t>{256, 1280, 1, 1}));
    EXPECT_EQ(parameters["rpn.head.cls_logits.weight"].size(0), 15);  // 5 sizes x 3 ratios
    // Stages [0, 2, 4, 7, 14, 18]: with 3 trainable, features 7 onwards train.
    EXPECT_FALSE(parameters["backbone.body.6.conv.0.0.weight"].requires_grad());
    EXPECT_TRUE(parameters["backbone.body.7.conv.0.0.weight"].requires_grad());
    // Frozen batch norm (the weights are pretrained): no parameters, Keras' epsilon.
    EXPECT_EQ(parameters.find("backbone.body.0.1.weight"), nullptr);

    // Two maps at stride 32 and the pool.
    torch::NoGradGuard noGrad;
    model->eval();
    const FeatureMaps maps = model->backbone()->forward(torch::rand({1, 3, 128, 160}));
    ASSERT_EQ(maps.size(), 3u);
    EXPECT_EQ(maps["0"].sizes(), (std::vector<int64_t>{1, 256, 4, 5}));
    EXPECT_EQ(maps["1"].sizes(), (std::vector<int64_t>{1, 256, 4, 5}));
    EXPECT_EQ(maps["pool"].sizes(), (std::vector<int64_t>{1, 256, 2, 3}));
}

}  // namespace
}  // namespace fovea::core::detection
