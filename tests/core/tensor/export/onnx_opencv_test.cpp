// Exported ONNX files run by OpenCV's DNN module (an independent runtime, as users of OpenCV
// would feed it: one image at a time) agree with the in-app network.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <opencv2/dnn.hpp>

#include <filesystem>

#include "export_fixtures.h"
#include "fovea/core/export/model_export.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

struct Case {
    std::string architecture;
    int size;
};

class OnnxInOpenCv : public testing::TestWithParam<Case> {};

TEST_P(OnnxInOpenCv, MatchesInAppNetwork) {
    const auto& [architecture, size] = GetParam();
    auto network = test::smallNetwork(architecture, 4, size);
    const test::TempFolder folder("fovea-onnx-" + architecture);
    const fs::path file = folder / (architecture + ".onnx");
    const auto written = writeOnnx(*network, {"a", "b", "c", "d"}, file);
    ASSERT_TRUE(written) << written.error().message;
    cv::dnn::Net net = cv::dnn::readNetFromONNX(file.string());
    ASSERT_FALSE(net.empty());
    const auto inputs = test::patternInput(2, size);
    const auto expected = contractProbabilities(*network, inputs);
    for (int64_t i = 0; i < inputs.size(0); ++i) {
        const auto one = inputs.slice(0, i, i + 1).contiguous();
        const int shape[] = {1, 3, size, size};
        cv::Mat blob(4, shape, CV_32F, one.data_ptr<float>());
        net.setInput(blob);
        cv::Mat output = net.forward().clone();
        ASSERT_EQ(output.total(), 4u);
        const auto probabilities =
            torch::from_blob(output.ptr<float>(), {1, 4}, torch::kFloat32).clone();
        EXPECT_LT((probabilities - expected.slice(0, i, i + 1)).abs().max().item<float>(), 1e-4)
            << probabilities << "\n"
            << expected.slice(0, i, i + 1);
    }
}

INSTANTIATE_TEST_SUITE_P(Zoo, OnnxInOpenCv,
                         testing::Values(Case{"resnet18", 64}, Case{"resnet50", 64},
                                         Case{"mobilenet_v2", 64}, Case{"mobilenet_v3_small", 64},
                                         Case{"mobilenet_v3_large", 64},
                                         Case{"efficientnet_b0", 64}, Case{"inception_v3", 75},
                                         Case{"mobilenet_v2_keras", 64},
                                         Case{"inception_v3_keras", 75}),
                         [](const auto& info) { return info.param.architecture; });

}  // namespace
}  // namespace fovea::core
