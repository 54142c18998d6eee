// demo --task detection and the weights a detector starts from (issue 24, points 3 and 6), as a
// user runs them: a very small demo (12 images, one epoch at 128 px) builds its data offline,
// imports it, fine-tunes fasterrcnn_mobilenet_v2_fpn from the offline weights and reports mAP;
// then torchvision's fasterrcnn_mobilenet_v3_large_320_fpn trains on the demo's project from a
// mobilenet_v3_large classification file written by Python torchvision (no network: `--weights
// default` downloads that file, which the download tests cover against a loopback server).
// Skipped where the offline weights, Fashion-MNIST or the photographs are not installed.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli_test_support.h"
#include "run_process.h"
#include "temp_folder.h"

namespace fovea::test {
namespace {

namespace fs = std::filesystem;

class DetectionDemoCli : public testing::Test {
  protected:
    // One small demo for the suite: the project it imports serves the weights tests too.
    static void SetUpTestSuite() {
        s_folder = std::make_unique<TempFolder>("fovea-detection-demo");
        s_demo =
            runCliJson({"demo", "--task", "detection", "--out", out().string(), "--images", "12",
                        "--epochs", "1", "--min-size", "96", "--device", "cpu", "--json"},
                       {"OMP_NUM_THREADS=2"});
    }
    static void TearDownTestSuite() { s_folder.reset(); }

    void SetUp() override {
        const std::string error =
            s_demo.json.is_object() ? s_demo.json.value("error", std::string()) : "";
        // Exit code 3 (bad data) for what the machine lacks, with the way to get it.
        if (s_demo.exitCode == 3 && (error.find("prepare-offline-weights") != std::string::npos ||
                                     error.find("dataset-fashion-mnist") != std::string::npos ||
                                     error.find("background photographs") != std::string::npos)) {
            GTEST_SKIP() << error;
        }
    }

    static fs::path out() { return s_folder->path() / "demo"; }

    static std::unique_ptr<TempFolder> s_folder;
    static JsonRun s_demo;
};

std::unique_ptr<TempFolder> DetectionDemoCli::s_folder;
JsonRun DetectionDemoCli::s_demo;

TEST_F(DetectionDemoCli, SmallDemoBuildsItsDataTrainsFromTheOfflineWeightsAndReportsMap) {
    ASSERT_EQ(s_demo.exitCode, 0) << s_demo.output;
    ASSERT_TRUE(printedOneObject(s_demo)) << s_demo.output;
    const nlohmann::json& d = s_demo.json;
    EXPECT_EQ(d["task"], "detection");
    EXPECT_EQ(d["architecture"], "fasterrcnn_mobilenet_v2_fpn");
    EXPECT_EQ(d["classes"], nlohmann::json({"trouser", "sneaker", "bag"}));
    EXPECT_EQ(d["images"]["train"].get<int>() + d["images"]["validation"].get<int>(), 12);
    EXPECT_GT(d["images"]["validation"].get<int>(), 0);
    EXPECT_EQ(d["epochs_completed"], 1);
    // mAP is reported (a number: the validation images hold boxes), whatever one epoch gives.
    ASSERT_TRUE(d["val_map"].is_number()) << d.dump(1);
    ASSERT_TRUE(d["val_ap50"].is_number()) << d.dump(1);
    EXPECT_GE(d["val_map"].get<double>(), 0.0);
    EXPECT_LE(d["val_map"].get<double>(), d["val_ap50"].get<double>() + 1e-12);
    EXPECT_TRUE(d["weights"].get<std::string>().find("offline default") != std::string::npos);

    // The data: 12 JPEGs and their COCO file, every box inside its 320 x 240 image.
    const auto coco = nlohmann::json::parse(readWholeFile(out() / "data" / "annotations.json"));
    ASSERT_EQ(coco["images"].size(), 12u);
    EXPECT_EQ(coco["annotations"].size(), d["boxes"].get<std::size_t>());
    EXPECT_GE(coco["annotations"].size(), 12u) << "at least one object an image";
    for (const auto& image : coco["images"]) {
        EXPECT_TRUE(fs::exists(out() / "data" / image["file_name"].get<std::string>()));
    }
    for (const auto& a : coco["annotations"]) {
        const auto& b = a["bbox"];
        EXPECT_GE(b[0].get<double>(), 0);
        EXPECT_GE(b[1].get<double>(), 0);
        EXPECT_LE(b[0].get<double>() + b[2].get<double>(), 320);
        EXPECT_LE(b[1].get<double>() + b[3].get<double>(), 240);
        EXPECT_GT(b[2].get<double>(), 0);
    }

    // The run: a model, and config.json saying what it started from.
    const fs::path run = out() / "project" / "runs" / "demo";
    for (const char* file : {"config.json", "metrics.csv", "summary.json", "model.safetensors"}) {
        EXPECT_TRUE(fs::exists(run / file)) << file;
    }
    const auto config = nlohmann::json::parse(readWholeFile(run / "config.json"));
    EXPECT_EQ(config["settings"]["weights"], "default");
    EXPECT_EQ(config["frozen_batch_norm"], true);
    EXPECT_EQ(config["trainable_backbone_layers"], 3);
    ASSERT_TRUE(config["backbone_weights"].is_object());
    EXPECT_EQ(config["backbone_weights"]["classification_architecture"], "mobilenet_v2_keras");
    EXPECT_GT(config["backbone_weights"]["loaded_tensors"].get<int>(), 100);

    // The same folder again is a usage error: the demo never overwrites a run.
    EXPECT_EQ(
        runCliJson({"demo", "--task", "detection", "--out", out().string(), "--json"}).exitCode, 2);
}

TEST_F(DetectionDemoCli, TorchvisionArchitectureStartsFromAClassificationFile) {
    ASSERT_EQ(s_demo.exitCode, 0) << s_demo.output;
    const fs::path file = s_folder->path() / "mobilenet_v3_large.pth";
    const auto written =
        runProcess("/usr/bin/python3",
                   {"-c",
                    "import sys, torch, torchvision; torch.manual_seed(0); "
                    "torch.save(torchvision.models.mobilenet_v3_large().state_dict(), sys.argv[1])",
                    file.string()});
    if (written.exitCode != 0) GTEST_SKIP() << "Python torchvision: " << written.output;

    const fs::path project = out() / "project";
    const fs::path run = s_folder->path() / "v3-from-file";
    const JsonRun trained =
        runCliJson({"train", "--data", project.string(), "--out", run.string(), "--arch",
                    "fasterrcnn_mobilenet_v3_large_320_fpn", "--weights", file.string(), "--epochs",
                    "1", "--min-size", "96", "--device", "cpu", "--json"},
                   {"OMP_NUM_THREADS=2"});
    ASSERT_EQ(trained.exitCode, 0) << trained.output;
    const nlohmann::json& t = trained.json;
    EXPECT_EQ(t["weights"], file.string());
    // Frozen: the first stages (and every frozen batch norm, which are buffers) do not train.
    EXPECT_LT(t["parameters"]["trainable"].get<std::int64_t>(),
              t["parameters"]["total"].get<std::int64_t>());
    const auto config = nlohmann::json::parse(readWholeFile(run / "config.json"));
    EXPECT_EQ(config["frozen_batch_norm"], true);
    EXPECT_EQ(config["trainable_backbone_layers"], 3);
    EXPECT_EQ(config["backbone_weights"]["classification_architecture"], "mobilenet_v3_large");
    EXPECT_EQ(config["backbone_weights"]["file"], file.string());

    // eval rebuilds the same detector (frozen batch norm) from config.json.
    const JsonRun evaluated = runCliJson({"eval", "--run", run.string(), "--json"});
    ASSERT_EQ(evaluated.exitCode, 0) << evaluated.output;
    EXPECT_TRUE(evaluated.json.contains("map"));

    // From random weights: plain batch norm, every stage trains.
    const fs::path scratch = s_folder->path() / "v3-none";
    const JsonRun none =
        runCliJson({"train", "--data", project.string(), "--out", scratch.string(), "--arch",
                    "fasterrcnn_mobilenet_v3_large_320_fpn", "--weights", "none", "--epochs", "1",
                    "--min-size", "64", "--device", "cpu", "--json"},
                   {"OMP_NUM_THREADS=2"});
    ASSERT_EQ(none.exitCode, 0) << none.output;
    const auto noneConfig = nlohmann::json::parse(readWholeFile(scratch / "config.json"));
    EXPECT_EQ(noneConfig["frozen_batch_norm"], false);
    EXPECT_EQ(noneConfig["trainable_backbone_layers"], 6);
    EXPECT_TRUE(noneConfig["backbone_weights"].is_null());
    EXPECT_GT(none.json["parameters"]["trainable"].get<std::int64_t>(),
              t["parameters"]["trainable"].get<std::int64_t>());

    // A file of another network (the offline MobileNetV2 the demo started from) is bad data
    // naming what did not fit, and no run is left.
    const auto demoConfig =
        nlohmann::json::parse(readWholeFile(out() / "project" / "runs" / "demo" / "config.json"));
    const std::string wrong = demoConfig["backbone_weights"]["file"].get<std::string>();
    const JsonRun refused = runCliJson(
        {"train", "--data", project.string(), "--out", (s_folder->path() / "wrong").string(),
         "--arch", "fasterrcnn_mobilenet_v3_large_320_fpn", "--weights", wrong, "--json"});
    EXPECT_EQ(refused.exitCode, 3) << refused.output;
    EXPECT_NE(refused.output.find("mobilenet_v3_large"), std::string::npos) << refused.output;
    EXPECT_FALSE(fs::exists(s_folder->path() / "wrong" / "config.json"));
    // A missing file is a usage error.
    EXPECT_EQ(runCliJson({"train", "--data", project.string(), "--out",
                          (s_folder->path() / "missing").string(), "--arch",
                          "fasterrcnn_mobilenet_v3_large_320_fpn", "--weights",
                          (s_folder->path() / "nothing.pth").string(), "--json"})
                  .exitCode,
              2);
}

}  // namespace
}  // namespace fovea::test
