// Exported .pth and TorchScript files loaded by Python (Debian's python3-torchvision): the .pth
// by torchvision's own model class with strict load_state_dict, the TorchScript by torch.jit.
// Both must compute what the in-app network computes, and carry the labels.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "export_fixtures.h"
#include "fovea/core/export/model_export.h"
#include "run_process.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

struct Case {
    std::string architecture;
    int size;
};

const std::vector<Case> kCases{{"resnet18", 64},
                               {"mobilenet_v2", 64},
                               {"mobilenet_v3_small", 64},
                               {"efficientnet_b0", 64},
                               {"inception_v3", 75}};
constexpr int64_t kClasses = 3;

TEST(ExportInPython, TorchvisionAndTorchJitAgreeWithTheInAppNetwork) {
    const test::TempFolder folder("fovea-export-py");
    const std::vector<std::string> labels{"cat", "dog", "ünïcode label"};
    std::vector<std::string> args{
        test::foveaSourceDir() + "/tests/core/tensor/export/check_exports.py",
        folder.path().string()};
    std::map<std::string, torch::Tensor> expected;
    for (const auto& [architecture, size] : kCases) {
        auto network = test::smallNetwork(architecture, kClasses, size);
        ASSERT_TRUE(writePth(*network, labels, folder / (architecture + ".pth")));
        ASSERT_TRUE(writeTorchScript(*network, labels, folder / (architecture + ".pt")));
        expected[architecture] = contractProbabilities(*network, test::patternInput(2, size));
        args.push_back(architecture + ":" + std::to_string(size) + ":" + std::to_string(kClasses));
    }
    const auto python = test::runProcess("/usr/bin/python3", args);
    ASSERT_EQ(python.exitCode, 0) << python.output;
    const auto results = nlohmann::json::parse(python.output);

    for (const auto& [architecture, size] : kCases) {
        SCOPED_TRACE(architecture);
        const auto& result = results.at(architecture);
        for (const char* format : {"pth", "torchscript"}) {
            const auto values = result.at(format).get<std::vector<float>>();
            const auto probabilities = torch::tensor(values).view({2, kClasses});
            EXPECT_LT((probabilities - expected[architecture]).abs().max().item<float>(), 1e-5)
                << format;
        }
        EXPECT_EQ(result.at("pth_labels").get<std::vector<std::string>>(), labels);
        EXPECT_EQ(result.at("torchscript_labels").get<std::vector<std::string>>(), labels);
        EXPECT_EQ(result.at("torchscript_preprocessing").at("crop_size"), size);
    }
}

}  // namespace
}  // namespace fovea::core
