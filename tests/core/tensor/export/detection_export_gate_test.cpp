// The detection export's parity gate: a faithful file passes with its figures, a file whose
// weights were changed after writing (one bias in the box predictor) fails it, and a file that
// is not a model is an error naming it. TorchScript and safetensors.
#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <fstream>

#include "fovea/core/export/detection_torchscript.h"
#include "fovea/core/session/detection_export_parity.h"
#include "fovea/core/weights/safetensors.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

using detection::FasterRcnnArchitecture;

struct Fixture {
    detection::FasterRcnn model{nullptr};
    std::vector<torch::Tensor> images;
};

Fixture smallDetector() {
    torch::manual_seed(11);
    auto options = detection::fasterRcnnDefaults(FasterRcnnArchitecture::kMobileNetV2Fpn);
    options.numClasses = 3;
    options.minSize = {128};
    options.maxSize = 192;
    Fixture fixture{detection::FasterRcnn(FasterRcnnArchitecture::kMobileNetV2Fpn, options), {}};
    fixture.model->eval();
    auto generator = at::detail::createCPUGenerator(3);
    fixture.images = {torch::rand({3, 110, 140}, generator), torch::rand({3, 150, 100}, generator)};
    return fixture;
}

StateDict stateDict(detection::FasterRcnnImpl& model) {
    StateDict tensors;
    for (const auto& item : model.named_parameters()) tensors.insert(item.key(), item.value());
    for (const auto& item : model.named_buffers()) tensors.insert(item.key(), item.value());
    return tensors;
}

TEST(DetectionExportGate, PassesAFaithfulTorchScriptFileWithItsFigures) {
    const test::TempFolder folder("fovea-detection-gate");
    auto fixture = smallDetector();
    ASSERT_TRUE(writeDetectionTorchScript(*fixture.model, {"a", "b"}, folder / "model.pt"));
    const auto report = checkDetectionParity(*fixture.model, ExportFormat::TorchScript,
                                             folder / "model.pt", fixture.images, {"x", "y"});
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_TRUE(report.value().passed);
    EXPECT_EQ(report.value().compared, 2);
    EXPECT_EQ(report.value().agreeing, 2);
    EXPECT_GT(report.value().boxes, 0);
    EXPECT_LE(report.value().maxBoxDifference, kDetectionParityMaxBoxDifference);
    EXPECT_LE(report.value().maxScoreDifference, kDetectionParityMaxScoreDifference);
    EXPECT_GT(report.value().exportedMillisecondsPerImage, 0);
    EXPECT_GT(report.value().inAppMillisecondsPerImage, 0);
    EXPECT_TRUE(report.value().disagreements.empty());
}

TEST(DetectionExportGate, FailsATorchScriptFileWhoseWeightsChanged) {
    const test::TempFolder folder("fovea-detection-gate");
    auto fixture = smallDetector();
    ASSERT_TRUE(writeDetectionTorchScript(*fixture.model, {"a", "b"}, folder / "model.pt"));
    {
        auto module = torch::jit::load((folder / "model.pt").string());
        torch::NoGradGuard noGrad;
        module.attr("roi_heads_box_predictor_cls_score_bias").toTensor()[1].add_(0.05);
        module.save((folder / "changed.pt").string());
    }
    const auto report = checkDetectionParity(*fixture.model, ExportFormat::TorchScript,
                                             folder / "changed.pt", fixture.images, {"x", "y"});
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_FALSE(report.value().passed);
    EXPECT_LT(report.value().agreeing, 2);
    ASSERT_FALSE(report.value().disagreements.empty());
    EXPECT_NE(report.value().disagreements.front().find("image 1 (x)"), std::string::npos)
        << report.value().disagreements.front();
}

TEST(DetectionExportGate, ChecksSafetensorsByLoadingThemIntoAFreshDetector) {
    const test::TempFolder folder("fovea-detection-gate");
    auto fixture = smallDetector();
    StateDict tensors = stateDict(*fixture.model);
    ASSERT_TRUE(writeSafetensors(folder / "model.safetensors", tensors));
    auto report = checkDetectionParity(*fixture.model, ExportFormat::Safetensors,
                                       folder / "model.safetensors", fixture.images);
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_TRUE(report.value().passed);
    EXPECT_EQ(report.value().maxBoxDifference, 0);

    StateDict changed;
    for (const auto& item : tensors) {
        const bool bias = item.key() == "roi_heads.box_predictor.cls_score.bias";
        changed.insert(item.key(), bias ? item.value() + 0.05 : item.value());
    }
    ASSERT_TRUE(writeSafetensors(folder / "changed.safetensors", changed));
    report = checkDetectionParity(*fixture.model, ExportFormat::Safetensors,
                                  folder / "changed.safetensors", fixture.images);
    ASSERT_TRUE(report) << report.error().message;
    EXPECT_FALSE(report.value().passed);
    EXPECT_GT(report.value().maxScoreDifference +
                  static_cast<double>(report.value().compared - report.value().agreeing),
              kDetectionParityMaxScoreDifference);
}

TEST(DetectionExportGate, AFileThatIsNotAModelIsAnErrorNamingIt) {
    const test::TempFolder folder("fovea-detection-gate");
    auto fixture = smallDetector();
    std::ofstream(folder / "broken.pt") << "not a TorchScript archive";
    const auto report = checkDetectionParity(*fixture.model, ExportFormat::TorchScript,
                                             folder / "broken.pt", fixture.images);
    ASSERT_FALSE(report);
    EXPECT_NE(report.error().message.find("broken.pt"), std::string::npos);
}

}  // namespace
}  // namespace fovea::core
