// A Faster R-CNN written to ONNX and run by OpenCV's DNN module (with Fovea's box ops for the
// steps between the file's two graphs) agrees with the in-app model on the detection demo's
// images: the raw outputs of every part, and the final detections through the parity gate.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <fstream>

#include "detection_weights_fixture.h"
#include "fovea/core/export/detection_onnx.h"
#include "fovea/core/session/detection_demo.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;
using detection::FasterRcnnArchitecture;

const std::vector<std::string> kClasses{"trouser", "sneaker", "bag"};

// The demo's images as the detector takes them: [3, H, W] RGB in [0, 1].
std::vector<torch::Tensor> demoImages(const fs::path& folder, int count) {
    DetectionDemoOptions options;
    options.images = count;
    auto written = writeDetectionDemoFolder(folder, options);
    EXPECT_TRUE(written) << written.error().message;
    std::vector<torch::Tensor> images;
    for (const auto& entry : fs::directory_iterator(folder / "images")) {
        cv::Mat bgr = cv::imread(entry.path().string(), cv::IMREAD_COLOR);
        EXPECT_FALSE(bgr.empty()) << entry.path();
        cv::Mat rgb;
        cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
        images.push_back(torch::from_blob(rgb.data, {rgb.rows, rgb.cols, 3}, torch::kUInt8)
                             .permute({2, 0, 1})
                             .to(torch::kFloat32)
                             .div(255.0));
    }
    return images;
}

// A small detector (shorter side 128 px) with random weights drawn from `seed` that make
// distinct scores (detection_weights_fixture.h).
detection::FasterRcnn smallDetector(FasterRcnnArchitecture architecture, uint64_t seed) {
    torch::manual_seed(seed);
    auto options = detection::fasterRcnnDefaults(architecture);
    options.numClasses = static_cast<int64_t>(kClasses.size()) + 1;
    options.minSize = {128};
    options.maxSize = 192;
    detection::FasterRcnn model(architecture, options);
    test::spreadDetectorWeights(*model);
    model->eval();
    return model;
}

class DetectionOnnx : public testing::TestWithParam<FasterRcnnArchitecture> {
  protected:
    static void SetUpTestSuite() {
        s_folder = std::make_unique<test::TempFolder>("fovea-detection-onnx");
        s_images = demoImages(s_folder->path() / "demo", 3);
    }
    static void TearDownTestSuite() {
        s_images.clear();
        s_folder.reset();
    }
    static std::unique_ptr<test::TempFolder> s_folder;
    static std::vector<torch::Tensor> s_images;
};
std::unique_ptr<test::TempFolder> DetectionOnnx::s_folder;
std::vector<torch::Tensor> DetectionOnnx::s_images;

TEST_P(DetectionOnnx, OpenCvRunsTheFileAsTheModelRuns) {
    ASSERT_EQ(s_images.size(), 3u);
    auto model = smallDetector(GetParam(), 7);
    const std::string name = detection::architectureName(GetParam());
    const fs::path file = s_folder->path() / (name + ".onnx");
    const auto written = writeDetectionOnnx(*model, kClasses, file);
    ASSERT_TRUE(written) << written.error().message;

    const auto recipe = readDetectionOnnxRecipe(file);
    ASSERT_TRUE(recipe) << recipe.error().message;
    EXPECT_EQ(recipe.value().architecture, name);
    EXPECT_EQ(recipe.value().classNames, kClasses);
    EXPECT_EQ(recipe.value().minSize, 128);

    const auto raw = compareDetectionOnnxRaw(*model, file, s_images[0]);
    ASSERT_TRUE(raw) << raw.error().message;
    const auto& differences = raw.value();
    EXPECT_GT(differences.regions, 0);
    const std::pair<const char*, RawOutputDifference> figures[] = {
        {"features", differences.features},
        {"objectness", differences.objectness},
        {"RPN deltas", differences.rpnDeltas},
        {"class logits", differences.classLogits},
        {"box deltas", differences.boxDeltas}};
    for (const auto& [output, figure] : figures) {
        std::cout << name << " " << output << ": max |difference| " << figure.maxDifference
                  << ", max |value| " << figure.maxMagnitude << "\n";
        // Outputs near 0 everywhere would compare nothing.
        EXPECT_GT(figure.maxMagnitude, 1e-2) << output;
        EXPECT_LE(figure.maxDifference, 1e-4 * std::max(1.0, figure.maxMagnitude)) << output;
    }

    const auto gate = checkDetectionOnnxParity(*model, file, s_images);
    ASSERT_TRUE(gate) << gate.error().message;
    std::cout << name << " gate: " << gate.value().summary() << "\n";
    EXPECT_EQ(gate.value().imagesCompared, 3);
    EXPECT_EQ(gate.value().imagesAgreeing, 3);
    EXPECT_GT(gate.value().detectionsCompared, 0);
}

INSTANTIATE_TEST_SUITE_P(Architectures, DetectionOnnx,
                         testing::Values(FasterRcnnArchitecture::kMobileNetV3Large320Fpn,
                                         FasterRcnnArchitecture::kMobileNetV3LargeFpn,
                                         FasterRcnnArchitecture::kMobileNetV2Fpn,
                                         FasterRcnnArchitecture::kResNet50Fpn),
                         [](const auto& info) { return detection::architectureName(info.param); });

// Another model's file (same architecture, other weights) fails the gate with its figures.
TEST_F(DetectionOnnx, AnotherModelsFileFailsTheGate) {
    const auto architecture = FasterRcnnArchitecture::kMobileNetV3Large320Fpn;
    auto exported = smallDetector(architecture, 7);
    auto other = smallDetector(architecture, 8);
    const fs::path file = s_folder->path() / "exported.onnx";
    ASSERT_TRUE(writeDetectionOnnx(*exported, kClasses, file));
    const auto gate = checkDetectionOnnxParity(*other, file, s_images);
    ASSERT_FALSE(gate);
    EXPECT_NE(gate.error().message.find("ONNX parity failed"), std::string::npos)
        << gate.error().message;
    EXPECT_NE(gate.error().message.find("of 3 images agree"), std::string::npos)
        << gate.error().message;
    std::cout << gate.error().message << "\n";
}

TEST_F(DetectionOnnx, FilesThatAreNotDetectorsAreRefusedByName) {
    const fs::path file = s_folder->path() / "not-onnx.onnx";
    std::ofstream(file) << "not a model";
    const auto gate = checkDetectionOnnxParity(
        *smallDetector(FasterRcnnArchitecture::kMobileNetV3Large320Fpn, 7), file, s_images);
    ASSERT_FALSE(gate);
    EXPECT_NE(gate.error().message.find(file.string()), std::string::npos) << gate.error().message;
    const auto wrongNames = writeDetectionOnnx(
        *smallDetector(FasterRcnnArchitecture::kMobileNetV3Large320Fpn, 7), {"one"}, file);
    ASSERT_FALSE(wrongNames);
    EXPECT_NE(wrongNames.error().message.find("1 class names"), std::string::npos);
}

}  // namespace
}  // namespace fovea::core
