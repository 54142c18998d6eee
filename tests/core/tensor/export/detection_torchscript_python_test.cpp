// The detector's TorchScript archive run in Python (Debian's python3-torch and
// python3-torchvision) by check_detection_torchscript.py: torch.jit.load must reproduce the
// in-app detections, and fasterrcnn_mobilenet_v3_large_320_fpn rebuilt by torchvision itself
// from the weights the archive carries (under their torchvision names, strict load) must give
// the scripted model's detections: the independent check that the file is torchvision's
// detector with its post-processing. The default fasterrcnn_mobilenet_v2_fpn (our own
// composition, which torchvision lacks) is checked against the in-app model.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>

#include "fovea/core/export/detection_torchscript.h"
#include "run_process.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

using detection::FasterRcnnArchitecture;

struct Case {
    std::string name;
    FasterRcnnArchitecture architecture;
    bool frozenBatchNorm;
    const char* torchvisionBuilder;  // nullptr: torchvision has no such detector
};

nlohmann::json tensorJson(const torch::Tensor& tensor) {
    const auto flat = tensor.contiguous().view(-1);
    if (tensor.scalar_type() == torch::kInt64) {
        return std::vector<int64_t>(flat.data_ptr<int64_t>(),
                                    flat.data_ptr<int64_t>() + flat.numel());
    }
    return std::vector<float>(flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel());
}

TEST(DetectionTorchScriptInPython, TorchJitAndTorchvisionAgreeWithTheExport) {
    const test::TempFolder folder("fovea-detection-ts-py");
    // torchvision builds from-scratch detectors with plain batch norm (weights_backbone=None),
    // so the case it rebuilds has plain batch norm too.
    const std::vector<Case> cases{
        {"v3_320", FasterRcnnArchitecture::kMobileNetV3Large320Fpn, false,
         "fasterrcnn_mobilenet_v3_large_320_fpn"},
        {"v2", FasterRcnnArchitecture::kMobileNetV2Fpn, true, nullptr},
    };
    constexpr int64_t kMinSize = 160, kMaxSize = 240;
    auto generator = at::detail::createCPUGenerator(5);
    const std::vector<torch::Tensor> images{torch::rand({3, 150, 200}, generator),
                                            torch::rand({3, 181, 123}, generator)};
    nlohmann::json spec = nlohmann::json::array();
    nlohmann::json imageSpec = nlohmann::json::array();
    for (size_t i = 0; i < images.size(); ++i) {
        const std::string file = "image" + std::to_string(i) + ".bin";
        std::ofstream(folder / file, std::ios::binary)
            .write(static_cast<const char*>(images[i].data_ptr()),
                   static_cast<std::streamsize>(images[i].nbytes()));
        imageSpec.push_back({{"file", file}, {"shape", images[i].sizes().vec()}});
    }
    for (const auto& c : cases) {
        torch::manual_seed(31);
        auto options = detection::fasterRcnnDefaults(c.architecture);
        options.numClasses = 3;
        options.frozenBatchNorm = c.frozenBatchNorm;
        options.minSize = {kMinSize};
        options.maxSize = kMaxSize;
        detection::FasterRcnn model(c.architecture, options);
        model->eval();
        const auto written =
            writeDetectionTorchScript(*model, {"cat", "dog"}, folder / (c.name + ".pt"));
        ASSERT_TRUE(written) << written.error().message;
        nlohmann::json inApp = nlohmann::json::array();
        torch::NoGradGuard noGrad;
        for (const auto& image : images) {
            const auto detections = model->forward({image}).detections.at(0);
            inApp.push_back({{"boxes", tensorJson(detections.boxes)},
                             {"scores", tensorJson(detections.scores)},
                             {"labels", tensorJson(detections.labels)}});
        }
        nlohmann::json entry{
            {"name", c.name},   {"file", c.name + ".pt"}, {"images", imageSpec}, {"in_app", inApp},
            {"num_classes", 3}, {"min_size", kMinSize},   {"max_size", kMaxSize}};
        if (c.torchvisionBuilder) entry["torchvision_builder"] = c.torchvisionBuilder;
        spec.push_back(entry);
    }
    std::ofstream(folder / "cases.json") << spec.dump();

    const auto python = test::runProcess(
        "/usr/bin/python3",
        {test::foveaSourceDir() + "/tests/core/tensor/export/check_detection_torchscript.py",
         folder.path().string()});
    ASSERT_EQ(python.exitCode, 0) << python.output;
    const auto results = nlohmann::json::parse(python.output);
    // The figures, for the record (compared boxes and largest differences).
    for (const auto& [name, result] : results.items()) {
        std::cout << name << ": in_app " << result.at("in_app").dump() << " torchvision "
                  << result.value("torchvision", nlohmann::json()).dump() << "\n";
    }
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        const auto& result = results.at(c.name);
        EXPECT_EQ(result.at("labels"), nlohmann::json::array({"cat", "dog"}));
        EXPECT_EQ(result.at("metadata").at("fovea.architecture"),
                  detection::architectureName(c.architecture));
        std::vector<std::string> comparisons{"in_app"};
        if (c.torchvisionBuilder) comparisons.push_back("torchvision");
        for (const auto& name : comparisons) {
            SCOPED_TRACE(name);
            const auto& figures = result.at(name);
            EXPECT_GT(figures.at("boxes").get<int>(), 10) << "too few boxes to compare";
            EXPECT_TRUE(figures.at("same_counts").get<bool>()) << figures.dump();
            EXPECT_TRUE(figures.at("same_labels").get<bool>()) << figures.dump();
            EXPECT_LE(figures.at("max_box").get<double>(), 1e-4) << figures.dump();
            EXPECT_LE(figures.at("max_score").get<double>(), 1e-4) << figures.dump();
        }
    }
}

}  // namespace
}  // namespace fovea::core
