// fovea-cli export and demo, driven as a user would: the demo on Debian's Fashion-MNIST with
// the offline default weights, its ONNX run by OpenCV's DNN module here (independently of the
// export's own parity gate) and compared with `fovea-cli predict`; a resnet18 run exported as
// .pth and TorchScript and loaded by Python torchvision / torch.jit; a bundle of every format.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <opencv2/dnn.hpp>

#include <filesystem>
#include <fstream>

#include "cli_test_support.h"
#include "export_fixtures.h"
#include "fovea/core/export/model_export.h"
#include "fovea/core/loader/image_batch_loader.h"
#include "fovea/core/project/fashion_mnist.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/session/run_catalogue.h"
#include "fovea/core/session/trained_model.h"
#include "fovea/core/weights_import/offline_default.h"
#include "run_process.h"
#include "temp_folder.h"

namespace fovea::test {
namespace {

namespace fs = std::filesystem;

// The export contract's input for one image: resize + centre crop, [0, 1], not normalised.
torch::Tensor contractInput(const fs::path& image, const core::Preprocessing& preprocessing) {
    core::Preprocessing spec = preprocessing;
    spec.mean = {0.f, 0.f, 0.f};
    spec.std = {1.f, 1.f, 1.f};
    auto loaded = core::loadEvaluationTensor(image, spec);
    if (!loaded) throw std::runtime_error(loaded.error().message);
    return loaded.value();
}

TEST(DemoCli, FineTunesExportsOnnxThatOpenCvRunsLikePredict) {
    if (!fs::exists(core::offlineDefaultWeightsPath())) {
        GTEST_SKIP() << "offline default weights missing: fovea-cli prepare-offline-weights";
    }
    TempFolder scratch("fovea-cli-demo");
    const fs::path out = scratch / "demo";
    const auto demo = runCliJson(
        {"demo", "--out=" + out.string(), "--epochs=5", "--images-per-class=25", "--json"});
    ASSERT_EQ(demo.exitCode, 0) << demo.output;
    ASSERT_TRUE(printedOneObject(demo)) << demo.output;
    const auto& result = demo.json;
    EXPECT_EQ(result.at("classes").size(), 10u);
    // 10 classes: chance is 0.1 (random weights reach about 0.2 in the full demo).
    EXPECT_GT(result.at("val_accuracy").get<double>(), 0.35) << result.dump(2);
    EXPECT_TRUE(result.at("parity").at("passed").get<bool>());
    EXPECT_EQ(result.at("parity").at("inputs"), "validation images");
    const fs::path bundle = result.at("bundle").get<std::string>();
    for (const char* name : {"model.onnx", "model.safetensors", "labels.json", "preprocessing.json",
                             "parity.json", "README.md"}) {
        EXPECT_TRUE(fs::is_regular_file(bundle / name)) << name;
    }
    // The run is the project's: the workbench opened on the project lists it.
    const fs::path project = result.at("project").get<std::string>();
    EXPECT_TRUE(core::ProjectStore::exists(project)) << project;
    const auto runs = core::listRuns(project / "runs");
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_TRUE(fs::equivalent(runs[0].folder, result.at("run_folder").get<std::string>()));
    EXPECT_EQ(runs[0].status, core::RunStatus::Finished);
    // Unlabeled images are there for labeling in the workbench.
    int unlabeled = 0;
    for (const auto& entry : fs::directory_iterator(out / "images"))
        unlabeled += entry.is_regular_file();
    EXPECT_EQ(unlabeled, 50);
    // A second demo into the same folder is refused, not mixed into the first.
    EXPECT_EQ(runCliJson({"demo", "--out=" + out.string(), "--json"}).exitCode, 2);

    // OpenCV DNN on the exported ONNX against `fovea-cli predict` with the bundle.
    const fs::path image = out / "images" / core::fashionMnistClassNames()[7];
    const fs::path file = fs::directory_iterator(image)->path();
    const auto predicted = runCliJson(
        {"predict", "--model=" + bundle.string(), file.string(), "--top-k=10", "--json"});
    ASSERT_EQ(predicted.exitCode, 0) << predicted.output;
    const auto preprocessingJson =
        nlohmann::json::parse(readWholeFile(bundle / "preprocessing.json"));
    core::Preprocessing preprocessing;
    preprocessing.resizeShorterSide = preprocessingJson.at("resize_shorter_side");
    preprocessing.cropSize = preprocessingJson.at("crop_size");
    preprocessing.bicubic = preprocessingJson.value("bicubic", false);
    auto input = contractInput(file, preprocessing).contiguous();
    cv::dnn::Net net = cv::dnn::readNetFromONNX((bundle / "model.onnx").string());
    const int shape[] = {1, 3, preprocessing.cropSize, preprocessing.cropSize};
    net.setInput(cv::Mat(4, shape, CV_32F, input.data_ptr<float>()));
    const cv::Mat output = net.forward();
    const auto labels = nlohmann::json::parse(readWholeFile(bundle / "labels.json"));
    const auto& top = predicted.json.at("predictions").at(0).at("top");
    ASSERT_EQ(top.size(), 10u) << predicted.output;
    for (const auto& entry : top) {
        const auto index = entry.at("index").get<int>();
        EXPECT_NEAR(output.at<float>(0, index), entry.at("probability").get<double>(), 1e-4)
            << labels.at(index);
    }
}

TEST(ExportCli, PthAndTorchScriptLoadInPythonAndBundleHoldsEveryFormat) {
    TempFolder scratch("fovea-cli-export");
    core::FashionMnistFolderOptions data;
    data.classes = {0, 1, 7};
    data.imagesPerClass = 8;
    ASSERT_TRUE(core::writeFashionMnistFolder(scratch / "data", data));
    const fs::path run = scratch / "run";
    const auto trained =
        runCliJson({"train", "--data=" + (scratch / "data").string(), "--out=" + run.string(),
                    "--arch=resnet18", "--weights=none", "--image-size=32", "--epochs=1",
                    "--batch-size=8", "--augment=none", "--json"});
    ASSERT_EQ(trained.exitCode, 0) << trained.output;

    // Files named as check_exports.py expects: ARCH.pth and ARCH.pt.
    const fs::path folder = scratch / "python";
    fs::create_directories(folder);
    for (const auto& [format, name] :
         {std::pair{"pth", "resnet18.pth"}, {"torchscript", "resnet18.pt"}}) {
        const auto exported =
            runCliJson({"export", "--run=" + run.string(), "--format=" + std::string(format),
                        "--out=" + (folder / name).string(), "--json"});
        ASSERT_EQ(exported.exitCode, 0) << exported.output;
        const auto& parity = exported.json.at("files").at(0).at("parity");
        EXPECT_TRUE(parity.at("passed").get<bool>());
        EXPECT_EQ(parity.at("inputs"), "validation images");
        EXPECT_EQ(parity.at("agreement"), 1.0);
    }
    const auto python = runProcess("/usr/bin/python3",
                                   {foveaSourceDir() + "/tests/core/tensor/export/check_exports.py",
                                    folder.string(), "resnet18:32:3"});
    ASSERT_EQ(python.exitCode, 0) << python.output;
    const auto checked = nlohmann::json::parse(python.output).at("resnet18");
    auto model = core::loadTrainedModel(run / "model.safetensors");
    ASSERT_TRUE(model) << model.error().message;
    const auto pattern = patternInput(2, 32);
    const auto expected = core::contractProbabilities(*model.value().network, pattern);
    for (const char* format : {"pth", "torchscript"}) {
        const auto values =
            torch::tensor(checked.at(format).get<std::vector<float>>()).view({2, 3});
        EXPECT_LT((values - expected).abs().max().item<float>(), 1e-5) << format;
    }
    EXPECT_EQ(checked.at("pth_labels"), trained.json.at("classes"));

    const auto bundle = runCliJson({"export", "--run=" + run.string(), "--format=all",
                                    "--out=" + (scratch / "bundle").string(), "--json"});
    ASSERT_EQ(bundle.exitCode, 0) << bundle.output;
    EXPECT_EQ(bundle.json.at("files").size(), 4u);
    for (const char* name : {"model.onnx", "model.pt", "model.pth", "model.safetensors"}) {
        EXPECT_TRUE(fs::is_regular_file(scratch / "bundle" / name)) << name;
    }
    const std::string card = readWholeFile(scratch / "bundle" / "README.md");
    EXPECT_NE(card.find("resnet18"), std::string::npos);
    EXPECT_NE(card.find(core::fashionMnistClassNames()[7]), std::string::npos);
    EXPECT_NE(card.find("Training images"), std::string::npos);
    const auto parity = nlohmann::json::parse(readWholeFile(scratch / "bundle" / "parity.json"));
    for (const auto& [file, report] : parity.items())
        EXPECT_TRUE(report.at("passed").get<bool>()) << file;

    // Usage and data errors.
    EXPECT_EQ(
        runCliJson({"export", "--run=" + run.string(), "--format=tflite", "--out=x", "--json"})
            .exitCode,
        2);
    EXPECT_EQ(runCliJson({"export", "--run=" + (scratch / "missing").string(), "--format=onnx",
                          "--out=x", "--json"})
                  .exitCode,
              2);
}

}  // namespace
}  // namespace fovea::test
