// The data side of explanations: colouring and blending a heatmap, and explainImage on a real
// image file, checked against the evaluation loader's input and computeGradCam.
#include <gtest/gtest.h>

#include <torch/torch.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <string>

#include "fovea/core/explain/grad_cam.h"
#include "fovea/core/image/heatmap_overlay.h"
#include "fovea/core/loader/image_batch_loader.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/session/explain_image.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

// A left-to-right ramp 0..1, and a photo-like image: smooth colour gradients plus a disc.
cv::Mat rampHeatmap(int rows, int cols) {
    cv::Mat heatmap(rows, cols, CV_32F);
    for (int y = 0; y < rows; ++y) {
        for (int x = 0; x < cols; ++x) heatmap.at<float>(y, x) = x / float(cols - 1);
    }
    return heatmap;
}

cv::Mat testImage(int rows, int cols) {
    cv::Mat rgb(rows, cols, CV_8UC3);
    for (int y = 0; y < rows; ++y) {
        for (int x = 0; x < cols; ++x) {
            rgb.at<cv::Vec3b>(y, x) = cv::Vec3b(x * 255 / cols, y * 255 / rows, 128);
        }
    }
    cv::circle(rgb, {cols / 3, rows / 2}, rows / 5, cv::Scalar(250, 240, 10), cv::FILLED);
    return rgb;
}

bool sameMat(const cv::Mat& a, const cv::Mat& b) {
    return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

TEST(HeatmapOverlay, ColoursRunFromBlueAtZeroToRedAtOneInRgbOrder) {
    auto colours = colorizeHeatmap(rampHeatmap(4, 256));
    ASSERT_TRUE(colours) << colours.error().message;
    ASSERT_EQ(colours.value().type(), CV_8UC3);
    ASSERT_EQ(colours.value().size(), cv::Size(256, 4));
    const cv::Vec3b cold = colours.value().at<cv::Vec3b>(0, 0);
    const cv::Vec3b hot = colours.value().at<cv::Vec3b>(0, 255);
    EXPECT_GT(cold[2], cold[0]) << "0 should be blue (RGB order)";
    EXPECT_GT(hot[0], hot[2]) << "1 should be red (RGB order)";
}

TEST(HeatmapOverlay, OpacityZeroIsTheImageAndOneTheColours) {
    const cv::Mat image = testImage(48, 64);
    const cv::Mat heatmap = rampHeatmap(48, 64);
    const cv::Mat colours = colorizeHeatmap(heatmap).value();

    auto none = overlayHeatmap(image, heatmap, 0.0);
    ASSERT_TRUE(none) << none.error().message;
    EXPECT_TRUE(sameMat(none.value(), image));
    auto full = overlayHeatmap(image, heatmap, 1.0);
    ASSERT_TRUE(full) << full.error().message;
    EXPECT_TRUE(sameMat(full.value(), colours));

    auto half = overlayHeatmap(image, heatmap, 0.5);
    ASSERT_TRUE(half) << half.error().message;
    cv::Mat expected;
    cv::addWeighted(image, 0.5, colours, 0.5, 0.0, expected);
    EXPECT_TRUE(sameMat(half.value(), expected));
    EXPECT_FALSE(sameMat(half.value(), image));
}

TEST(HeatmapOverlay, RejectsMismatchedInputs) {
    const cv::Mat image = testImage(48, 64);
    EXPECT_FALSE(overlayHeatmap(image, rampHeatmap(48, 63)));
    EXPECT_FALSE(overlayHeatmap(image, rampHeatmap(48, 64), 1.5));
    EXPECT_FALSE(overlayHeatmap(image, rampHeatmap(48, 64), -0.1));
    cv::Mat gray;
    cv::cvtColor(image, gray, cv::COLOR_RGB2GRAY);
    EXPECT_FALSE(overlayHeatmap(gray, rampHeatmap(48, 64)));
    cv::Mat bytes;
    rampHeatmap(48, 64).convertTo(bytes, CV_8U, 255);
    auto wrongType = colorizeHeatmap(bytes);
    ASSERT_FALSE(wrongType);
    EXPECT_NE(wrongType.error().message.find("float"), std::string::npos);
}

class ExplainImage : public testing::Test {
  protected:
    void SetUp() override {
        torch::manual_seed(0);
        m_network = createNetwork("resnet18", 5).value();
        // Small sizes keep the test fast; a 480 px JPEG is then decoded at reduced scale, the
        // loader's path for large photos.
        m_network->setPreprocessing(imagenetPreprocessing(80, 64));
    }

    fs::path writeImage(const std::string& name, int rows, int cols) {
        const fs::path file = m_folder / name;
        cv::Mat bgr;
        cv::cvtColor(testImage(rows, cols), bgr, cv::COLOR_RGB2BGR);
        EXPECT_TRUE(cv::imwrite(file.string(), bgr));
        return file;
    }

    test::TempFolder m_folder{"fovea-explain"};
    NetworkPtr m_network;
};

TEST_F(ExplainImage, ExplainsWhatTheEvaluationLoaderFeedsTheNetwork) {
    const fs::path file = writeImage("photo.jpg", 480, 640);
    auto explained = explainImage(*m_network, file, std::nullopt);
    ASSERT_TRUE(explained) << explained.error().message;
    const ImageExplanation& result = explained.value();
    const cv::Size crop(64, 64);
    EXPECT_EQ(result.croppedRgb.size(), crop);
    EXPECT_EQ(result.croppedRgb.type(), CV_8UC3);
    EXPECT_EQ(result.heatmap.size(), crop);
    EXPECT_EQ(result.heatmap.type(), CV_32F);
    EXPECT_EQ(result.overlay.size(), crop);
    EXPECT_EQ(result.overlay.type(), CV_8UC3);
    EXPECT_EQ(result.layer, "layer4");

    // The same input as evaluation, hence the same map, class and probability.
    const Preprocessing spec = m_network->preprocessing();
    const torch::Tensor input = loadEvaluationTensor(file, spec).value();
    const GradCamResult cam = computeGradCam(*m_network, input).value();
    EXPECT_EQ(result.targetClass, cam.targetClass);
    EXPECT_EQ(result.probability, cam.probability);
    const cv::Mat expectedHeatmap(64, 64, CV_32F, cam.heatmap.data_ptr<float>());
    EXPECT_TRUE(sameMat(result.heatmap, expectedHeatmap));
    // The crop shown is exactly the pixels normalised into that input.
    const torch::Tensor pixels =
        torch::from_blob(result.croppedRgb.data, {64, 64, 3}, torch::kUInt8)
            .permute({2, 0, 1})
            .to(torch::kFloat32)
            .div(255.0f);
    const torch::Tensor mean = torch::tensor({0.485f, 0.456f, 0.406f}).view({3, 1, 1});
    const torch::Tensor std = torch::tensor({0.229f, 0.224f, 0.225f}).view({3, 1, 1});
    EXPECT_TRUE(torch::equal((pixels - mean) / std, input[0]));
    EXPECT_TRUE(sameMat(result.overlay, overlayHeatmap(result.croppedRgb, result.heatmap).value()));
}

TEST_F(ExplainImage, ExplainsTheRequestedClass) {
    const fs::path file = writeImage("small.png", 100, 90);
    auto explained = explainImage(*m_network, file, 3);
    ASSERT_TRUE(explained) << explained.error().message;
    EXPECT_EQ(explained.value().targetClass, 3);
    EXPECT_EQ(explained.value().croppedRgb.size(), cv::Size(64, 64));
    EXPECT_FALSE(explainImage(*m_network, file, 5));
}

TEST_F(ExplainImage, UnreadableFileIsAnErrorNamingIt) {
    const fs::path missing = m_folder / "missing.jpg";
    auto explained = explainImage(*m_network, missing, std::nullopt);
    ASSERT_FALSE(explained);
    EXPECT_NE(explained.error().message.find("missing.jpg"), std::string::npos);
}

}  // namespace
}  // namespace fovea::core
