// fovea-cli export on a detection run as a user runs it (issue 24, points 5 and 6): the detection
// demo trains a tiny Faster R-CNN, export writes it as TorchScript with its post-processing
// and as safetensors, each through the parity gate on the run's validation images; Python's
// torch.jit.load runs the TorchScript file and finds the run's classes and boxes of the
// contract's shape; ONNX is checked by OpenCV DNN; .pth is refused with a usage error, and a
// failed export leaves nothing.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli_test_support.h"
#include "run_process.h"
#include "temp_folder.h"

namespace fovea::test {
namespace {

namespace fs = std::filesystem;

// Python runs the exported file on the demo's first validation image as a user would.
constexpr const char* kPythonCheck = R"(
import json, sys, torch
from torchvision.io import read_image
model = torch.jit.load(sys.argv[1])
image = read_image(sys.argv[2]).float() / 255
with torch.no_grad():
    out = model([image[:3]])[0]
print(json.dumps({"labels": model.class_labels(), "keys": sorted(out.keys()),
                  "boxes_shape": list(out["boxes"].shape), "labels_dtype": str(out["labels"].dtype),
                  "scores_shape": list(out["scores"].shape)}))
)";

TEST(DetectionExportCli, ExportsTheDemoRunThroughTheParityGate) {
    const TempFolder folder("fovea-detection-export");
    // Two epochs on 40 images: enough for the box head to score boxes above its threshold, so
    // the gate compares real detections (one epoch finds none).
    const auto demo = runCliJson({"demo", "--task", "detection", "--out", folder.path().string(),
                                  "--epochs", "2", "--images", "40", "--json"});
    ASSERT_EQ(demo.exitCode, 0) << demo.output;
    const fs::path run = demo.json.at("run_folder").get<std::string>();
    const auto classes = demo.json.at("classes");

    const fs::path script = folder / "model.pt";
    const auto exported = runCliJson({"export", "--run", run.string(), "--format", "torchscript",
                                      "--out", script.string(), "--parity-images", "4", "--json"});
    ASSERT_EQ(exported.exitCode, 0) << exported.output;
    ASSERT_TRUE(printedOneObject(exported)) << exported.output;
    const auto& file = exported.json.at("files").at(0);
    EXPECT_EQ(file.at("format"), "torchscript");
    EXPECT_EQ(file.at("file"), script.string());
    const auto& parity = file.at("parity");
    EXPECT_TRUE(parity.at("passed").get<bool>());
    EXPECT_EQ(parity.at("inputs"), "validation images");
    EXPECT_EQ(parity.at("compared"), 4);  // --parity-images of the demo's 8 validation images
    EXPECT_GT(parity.at("boxes").get<int>(), 0);
    EXPECT_EQ(parity.at("agreeing"), 4);
    EXPECT_LE(parity.at("max_box_difference").get<double>(), 1e-2);
    EXPECT_LE(parity.at("max_score_difference").get<double>(), 1e-4);
    EXPECT_GT(parity.at("exported_ms_per_image").get<double>(), 0);
    EXPECT_GT(parity.at("in_app_ms_per_image").get<double>(), 0);
    EXPECT_TRUE(fs::exists(script));
    EXPECT_FALSE(fs::exists(folder / ".model.pt.checking"));

    fs::path image;
    for (const auto& entry : fs::recursive_directory_iterator(folder / "data")) {
        if (entry.path().extension() == ".jpg" || entry.path().extension() == ".png") {
            image = entry.path();
            break;
        }
    }
    ASSERT_FALSE(image.empty());
    const auto python =
        runProcess("/usr/bin/python3", {"-c", kPythonCheck, script.string(), image.string()});
    ASSERT_EQ(python.exitCode, 0) << python.output;
    const auto checked = nlohmann::json::parse(python.output);
    EXPECT_EQ(checked.at("labels"), classes);
    EXPECT_EQ(checked.at("keys"), nlohmann::json::array({"boxes", "labels", "scores"}));
    EXPECT_EQ(checked.at("boxes_shape").at(1), 4);
    EXPECT_EQ(checked.at("labels_dtype"), "torch.int64");
    EXPECT_EQ(checked.at("scores_shape").at(0), checked.at("boxes_shape").at(0));

    // The run's model.safetensors stands for its run.
    const auto weights =
        runCliJson({"export", "--run", (run / "model.safetensors").string(), "--format",
                    "safetensors", "--out", folder.path().string(), "--json"});
    ASSERT_EQ(weights.exitCode, 0) << weights.output;
    EXPECT_TRUE(weights.json.at("files").at(0).at("parity").at("passed").get<bool>());
    EXPECT_TRUE(fs::exists(folder / "model.safetensors"));

    // ONNX: OpenCV DNN runs the file's two graphs with the contract's steps between them, on
    // the same validation images, and every detection finds its match.
    const auto onnx =
        runCliJson({"export", "--run", run.string(), "--format", "onnx", "--out",
                    (folder / "model.onnx").string(), "--parity-images", "4", "--json"});
    ASSERT_EQ(onnx.exitCode, 0) << onnx.output;
    const auto& onnxParity = onnx.json.at("files").at(0).at("parity");
    EXPECT_NE(onnxParity.at("runtime").get<std::string>().find("OpenCV"), std::string::npos);
    EXPECT_EQ(onnxParity.at("inputs"), "validation images");
    EXPECT_EQ(onnxParity.at("agreeing"), onnxParity.at("compared"));
    EXPECT_EQ(onnxParity.at("boxes"), parity.at("boxes"));
    EXPECT_TRUE(onnxParity.at("passed").get<bool>());
    EXPECT_TRUE(fs::exists(folder / "model.onnx"));
    EXPECT_FALSE(fs::exists(folder / ".model.onnx.checking"));

    // A run whose validation images are gone: the gate runs on seeded random images and says so.
    auto config = nlohmann::json::parse(readWholeFile(run / "config.json"));
    config["val_image_ids"] = nlohmann::json::array();
    std::ofstream(run / "config.json") << config.dump(2);
    const auto random = runCliJson({"export", "--run", run.string(), "--format", "torchscript",
                                    "--out", (folder / "random.pt").string(), "--json"});
    ASSERT_EQ(random.exitCode, 0) << random.output;
    const auto& randomParity = random.json.at("files").at(0).at("parity");
    EXPECT_EQ(randomParity.at("inputs"), "random images");
    EXPECT_EQ(randomParity.at("compared"), 3);
    EXPECT_TRUE(randomParity.at("passed").get<bool>());

    const auto pth = runCliJson({"export", "--run", run.string(), "--format", "pth", "--out",
                                 (folder / "model.pth").string(), "--json"});
    EXPECT_EQ(pth.exitCode, 2) << pth.output;
    EXPECT_NE(pth.json.dump().find("not supported for detection runs"), std::string::npos)
        << pth.output;
    EXPECT_FALSE(fs::exists(folder / "model.pth"));

    // A destination folder that does not exist: the export fails and leaves nothing.
    const auto nowhere =
        runCliJson({"export", "--run", run.string(), "--format", "torchscript", "--out",
                    (folder / "missing" / "model.pt").string(), "--json"});
    EXPECT_NE(nowhere.exitCode, 0) << nowhere.output;
    EXPECT_FALSE(fs::exists(folder / "missing"));
}

}  // namespace
}  // namespace fovea::test
