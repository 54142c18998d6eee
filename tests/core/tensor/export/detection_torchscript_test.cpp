// The detector's TorchScript archive run by the TorchScript interpreter (torch::jit::load)
// against the in-app Faster R-CNN with the same weights, on images of several sizes, one at a
// time and batched. Seeded random weights with distinct scores (detection_weights_fixture.h)
// give hundreds of candidate boxes per image, so the transform, anchors, both NMS strategies,
// RoIAlign and the post-processing are all exercised.
#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "detection_weights_fixture.h"
#include "fovea/core/export/detection_torchscript.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

using detection::FasterRcnnArchitecture;

detection::FasterRcnn smallDetector(FasterRcnnArchitecture architecture, bool frozenBatchNorm) {
    torch::manual_seed(20261205);
    auto options = detection::fasterRcnnDefaults(architecture);
    options.numClasses = 3;
    options.frozenBatchNorm = frozenBatchNorm;
    options.minSize = {128};
    options.maxSize = 192;
    detection::FasterRcnn model(architecture, options);
    test::spreadDetectorWeights(*model);
    model->eval();
    return model;
}

std::vector<torch::Tensor> images() {
    auto generator = at::detail::createCPUGenerator(7);
    return {torch::rand({3, 120, 150}, generator), torch::rand({3, 97, 131}, generator),
            torch::rand({3, 160, 90}, generator)};
}

struct Difference {
    double boxes = 0;
    double scores = 0;
};

// Same count and labels per image (fails the test otherwise); the largest differences.
Difference compare(const std::vector<detection::Detections>& expected,
                   const c10::List<c10::IValue>& actual) {
    Difference difference;
    EXPECT_EQ(actual.size(), expected.size());
    for (size_t i = 0; i < expected.size() && i < actual.size(); ++i) {
        const auto result = actual.get(i).toGenericDict();
        const auto boxes = result.at("boxes").toTensor();
        const auto scores = result.at("scores").toTensor();
        const auto labels = result.at("labels").toTensor();
        EXPECT_GT(expected[i].boxes.size(0), 0) << "image " << i << ": nothing to compare";
        EXPECT_EQ(boxes.sizes(), expected[i].boxes.sizes()) << "image " << i;
        if (boxes.sizes() != expected[i].boxes.sizes()) continue;
        EXPECT_EQ(labels.scalar_type(), torch::kInt64);
        EXPECT_TRUE(labels.equal(expected[i].labels)) << "image " << i;
        if (boxes.numel() == 0) continue;
        difference.boxes =
            std::max(difference.boxes, (boxes - expected[i].boxes).abs().max().item<double>());
        difference.scores =
            std::max(difference.scores, (scores - expected[i].scores).abs().max().item<double>());
    }
    return difference;
}

void expectSameDetections(FasterRcnnArchitecture architecture, bool frozenBatchNorm) {
    SCOPED_TRACE(detection::architectureName(architecture));
    const test::TempFolder folder("fovea-detection-ts");
    auto model = smallDetector(architecture, frozenBatchNorm);
    const std::vector<std::string> labels{"cat", "dög"};
    const auto written = writeDetectionTorchScript(*model, labels, folder / "model.pt");
    ASSERT_TRUE(written) << written.error().message;

    torch::jit::Module scripted = torch::jit::load((folder / "model.pt").string());
    torch::NoGradGuard noGrad;
    EXPECT_EQ(
        c10::impl::toTypedList<std::string>(scripted.get_method("class_labels")({}).toList()).vec(),
        labels);
    const auto all = images();
    // One image per call, as consumers and the gate run it, then all three in one batch. Three
    // rounds: on LibTorch 2.x the profiling executor optimises, and fuses, after the first calls.
    for (int round = 0; round < 3; ++round) {
        for (const auto& image : all) {
            const auto expected = model->forward({image}).detections;
            const auto actual = scripted.forward({c10::List<torch::Tensor>({image})}).toList();
            const Difference difference = compare(expected, actual);
            EXPECT_LE(difference.boxes, 1e-4) << "round " << round;
            EXPECT_LE(difference.scores, 1e-6) << "round " << round;
        }
    }
    const auto expected = model->forward(all).detections;
    const auto actual = scripted.forward({c10::List<torch::Tensor>(all)}).toList();
    const Difference difference = compare(expected, actual);
    EXPECT_LE(difference.boxes, 1e-4);
    EXPECT_LE(difference.scores, 1e-6);
}

TEST(DetectionTorchScript, MobileNetV2FpnMatchesTheInAppModel) {
    expectSameDetections(FasterRcnnArchitecture::kMobileNetV2Fpn, /*frozenBatchNorm=*/true);
}

TEST(DetectionTorchScript, MobileNetV3Large320FpnWithPlainBatchNormMatchesTheInAppModel) {
    expectSameDetections(FasterRcnnArchitecture::kMobileNetV3Large320Fpn, false);
}

// Four pyramid maps: RoIAlign's level mapping, and RPN candidates above torchvision's 1000-box
// switch to per-level NMS.
TEST(DetectionTorchScript, ResNet50FpnMatchesTheInAppModel) {
    expectSameDetections(FasterRcnnArchitecture::kResNet50Fpn, true);
}

TEST(DetectionTorchScript, CarriesItsContractAndTorchvisionNames) {
    const test::TempFolder folder("fovea-detection-ts");
    auto model = smallDetector(FasterRcnnArchitecture::kMobileNetV2Fpn, true);
    const auto written = writeDetectionTorchScript(*model, {"a", "b"}, folder / "model.pt",
                                                   {{"fovea.run", "run-1"}});
    ASSERT_TRUE(written) << written.error().message;
    torch::jit::ExtraFilesMap extra{
        {"fovea.json", ""}, {"torchvision_names.json", ""}, {"labels.json", ""}};
    torch::jit::Module scripted =
        torch::jit::load((folder / "model.pt").string(), c10::nullopt, extra);
    const auto metadata = nlohmann::json::parse(extra.at("fovea.json"));
    EXPECT_EQ(metadata.at("fovea.architecture"), "fasterrcnn_mobilenet_v2_fpn");
    EXPECT_EQ(metadata.at("fovea.min_size"), "128");
    EXPECT_EQ(metadata.at("fovea.run"), "run-1");
    EXPECT_EQ(nlohmann::json::parse(extra.at("labels.json")), nlohmann::json::array({"a", "b"}));
    const auto contract = scripted.get_method("input_contract")({}).toStringRef();
    EXPECT_NE(contract.find("[0, 1]"), std::string::npos) << contract;
    // Every tensor of the in-app model is in the archive under its torchvision name.
    const auto names = nlohmann::json::parse(extra.at("torchvision_names.json"));
    std::map<std::string, torch::Tensor> attributes;
    for (const auto& item : scripted.named_attributes(/*recurse=*/false)) {
        if (item.value.isTensor()) attributes[item.name] = item.value.toTensor();
    }
    size_t checked = 0;
    auto tensors = model->named_parameters();
    for (const auto& item : model->named_buffers()) tensors.insert(item.key(), item.value());
    for (const auto& item : tensors) {
        std::string found;
        for (const auto& [name, key] : names.items()) {
            if (key == item.key()) found = name;
        }
        ASSERT_FALSE(found.empty()) << item.key();
        EXPECT_TRUE(attributes.at(found).equal(item.value())) << item.key();
        ++checked;
    }
    EXPECT_EQ(checked, names.size());
    EXPECT_GT(checked, 200u);
}

TEST(DetectionTorchScript, RefusesClassNamesThatDoNotFitTheModel) {
    const test::TempFolder folder("fovea-detection-ts");
    auto model = smallDetector(FasterRcnnArchitecture::kMobileNetV2Fpn, true);
    const auto written = writeDetectionTorchScript(*model, {"only one"}, folder / "model.pt");
    ASSERT_FALSE(written);
    EXPECT_NE(written.error().message.find("1 class names for a detector of 2 classes"),
              std::string::npos)
        << written.error().message;
    EXPECT_FALSE(std::filesystem::exists(folder / "model.pt"));
}

}  // namespace
}  // namespace fovea::core
