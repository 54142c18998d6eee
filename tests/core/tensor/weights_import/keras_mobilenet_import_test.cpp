// nsfwjs' Keras MobileNetV2 converted to torchvision names: the converted network must give the
// probabilities nsfwjs itself gives (TensorFlow.js CPU backend in Node) on the same pixels.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>

#include <torch/torch.h>

#include "fovea/core/models/load_state_dict.h"
#include "fovea/core/weights_import/keras_mobilenet_import.h"
#include "keras_variants.h"
#include "nsfwjs_reference.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kMobileNetSize = 224;
constexpr double kMobileNetTolerance = 1e-3;  // probabilities; float32 on both sides gives ~1e-6

// <npm prefix> from FOVEA_NSFWJS_DIR, or empty when nsfwjs is not installed there.
// Writes `exported` to `folder` as model.min.js, wrapped the way nsfwjs' bundles are.
void writeFakeModel(const fs::path& folder, const std::string& exported) {
    std::ofstream(folder / "model.min.js")
        << "!function(e){module.exports=e()}(function(){return function e(a,n,i){}({1:[function("
           "e,a,n){a.exports="
        << exported << "},{}]},{},[1])(1)});";
}

TEST(JavascriptLiteral, MinifiedObjectBecomesJson) {
    size_t consumed = 0;
    const std::string text =
        "{name:\"a\",x:!1,y:!0,z:-.5,w:.25e-2,v:void 0,'q':'it\\'s',0:'Drawing',l:[1,2.]},tail";
    auto json = javascriptLiteralToJson(text, &consumed);
    ASSERT_TRUE(json) << json.error().message;
    EXPECT_EQ(json.value(),
              "{\"name\":\"a\",\"x\":false,\"y\":true,\"z\":-0.5,\"w\":0.25e-2,\"v\":null,"
              "\"q\":\"it's\",\"0\":\"Drawing\",\"l\":[1,2.0]}");
    EXPECT_EQ(text.substr(consumed), ",tail");
}

TEST(JavascriptLiteral, RejectsWhatJsonCannotHold) {
    EXPECT_FALSE(javascriptLiteralToJson("{a:NaN}"));
    EXPECT_FALSE(javascriptLiteralToJson("{a:[1,2}"));
    EXPECT_FALSE(javascriptLiteralToJson("{a:\"open"));
}

TEST(NsfwjsImport, MissingFolderNamesTheFile) {
    auto imported = importNsfwjsMobileNetV2("/nonexistent/fovea/mobilenet_v2");
    ASSERT_FALSE(imported);
    EXPECT_NE(imported.error().message.find("/nonexistent/fovea/mobilenet_v2/model.min.js"),
              std::string::npos)
        << imported.error().message;
}

TEST(NsfwjsImport, NotABundleIsAnError) {
    const test::TempFolder folder("fovea-import-plain");
    std::ofstream(folder / "model.min.js") << "{\"modelTopology\": {}}";
    auto imported = importNsfwjsMobileNetV2(folder.path());
    ASSERT_FALSE(imported);
    EXPECT_NE(imported.error().message.find("model.min.js"), std::string::npos);
    EXPECT_NE(imported.error().message.find("browserify"), std::string::npos);
}

TEST(NsfwjsImport, UnexpectedLayerIsNamed) {
    const test::TempFolder folder("fovea-import-lstm");
    writeFakeModel(folder.path(),
                   "{modelTopology:{model_config:{config:{layers:[{name:\"input_1\",class_name:"
                   "\"InputLayer\",config:{batch_input_shape:[null,224,224,3]}},{name:\"lstm_1\","
                   "class_name:\"LSTM\",config:{}}]}}},weightsManifest:[]}");
    auto imported = importNsfwjsMobileNetV2(folder.path());
    ASSERT_FALSE(imported);
    EXPECT_NE(imported.error().message.find("unexpected layer lstm_1 (LSTM)"), std::string::npos)
        << imported.error().message;
}

TEST(KerasMobileNetV2, StridedConvolutionsPadRightAndBottomOnly) {
    auto network = build::mobileNetV2Keras(5);
    EXPECT_EQ(network->architecture(), "mobilenet_v2_keras");
    EXPECT_EQ(network->preprocessing().mean[0], 0.0f);
    EXPECT_EQ(network->preprocessing().std[0], 1.0f);
    torch::NoGradGuard noGrad;
    network->eval();
    torch::manual_seed(1);
    const auto input = torch::rand({1, 3, 32, 32});
    // features.0 = conv (stride 2, TF padding) -> BN -> ReLU6: redo it by hand.
    const auto params = network->named_parameters();
    const auto buffers = network->named_buffers();
    const std::vector<int64_t> stride{2, 2}, noPadding{0, 0};
    auto expected =
        torch::conv2d(torch::constant_pad_nd(input, {0, 1, 0, 1}), params["features.0.0.weight"],
                      torch::Tensor(), stride, noPadding);
    expected = torch::batch_norm(expected, params["features.0.1.weight"],
                                 params["features.0.1.bias"], buffers["features.0.1.running_mean"],
                                 buffers["features.0.1.running_var"], false, 0.0, 1e-3, false)
                   .clamp(0, 6);
    const auto stem = network->forwardBlocks(input, 0, 1);
    EXPECT_EQ(stem.sizes(), expected.sizes());
    EXPECT_LE((stem - expected).abs().max().item<double>(), 1e-6);
    EXPECT_EQ(network->forward(torch::zeros({2, 3, kMobileNetSize, kMobileNetSize})).sizes(),
              (std::vector<int64_t>{2, 5}));
}

TEST(KerasMobileNetV2, NewHeadTakesTorchvisionLayout) {
    auto network = build::mobileNetV2Keras(5);
    network->replaceHead(HeadOptions{3});
    const auto params = network->named_parameters();
    EXPECT_TRUE(params.contains("classifier.1.weight"));
    EXPECT_FALSE(params.contains("classifier.3.weight"));
    EXPECT_EQ(params["classifier.1.weight"].sizes(), (std::vector<int64_t>{3, 1280}));
    torch::NoGradGuard noGrad;
    network->eval();
    EXPECT_EQ(network->forward(torch::zeros({1, 3, kMobileNetSize, kMobileNetSize})).sizes(),
              (std::vector<int64_t>{1, 3}));
}

TEST(NsfwjsImport, ConvertsEveryTensorIntoTheKerasVariant) {
    SKIP_WITHOUT_NSFWJS(test::kNsfwjsMobileNetV2);
    auto imported = importNsfwjsMobileNetV2(test::nsfwjsModelDir(test::kNsfwjsMobileNetV2));
    ASSERT_TRUE(imported) << imported.error().message;
    const ImportedWeights& weights = imported.value();
    EXPECT_EQ(weights.tensorCount, 266);
    EXPECT_EQ(weights.classLabels,
              (std::vector<std::string>{"Drawing", "Hentai", "Neutral", "Porn", "Sexy"}));
    EXPECT_EQ(weights.preprocessing.mean, (std::array<float, 3>{0, 0, 0}));
    EXPECT_EQ(weights.preprocessing.std, (std::array<float, 3>{1, 1, 1}));
    EXPECT_EQ(weights.stateDict.find("features.0.0.weight")->sizes(),
              (std::vector<int64_t>{32, 3, 3, 3}));
    // block_13's stride-2 depthwise convolution (96 * 6 channels).
    EXPECT_EQ(weights.stateDict.find("features.14.conv.1.0.weight")->sizes(),
              (std::vector<int64_t>{576, 1, 3, 3}));
    EXPECT_EQ(weights.stateDict.find("classifier.0.weight")->sizes(),
              (std::vector<int64_t>{256, 1280}));

    auto network = build::mobileNetV2Keras(5);
    auto loaded = loadStateDict(*network, weights.stateDict, "model.min.js");
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded.value().loadedTensors, 266);
    EXPECT_TRUE(loaded.value().skippedHeadKeys.empty());
}

TEST(NsfwjsImport, TruncatedShardNamesTheShard) {
    SKIP_WITHOUT_NSFWJS(test::kNsfwjsMobileNetV2);
    std::ifstream in(test::nsfwjsModelDir(test::kNsfwjsMobileNetV2) / "model.min.js",
                     std::ios::binary);
    const std::string model{std::istreambuf_iterator<char>(in), {}};
    const std::string marker = "{1:[function(e,a,n){a.exports=";
    const size_t start = model.find(marker);
    ASSERT_NE(start, std::string::npos);
    const size_t end = model.rfind("},{}]},{},[1])(1)});");
    ASSERT_NE(end, std::string::npos);
    const test::TempFolder folder("fovea-import-truncated");
    writeFakeModel(folder.path(), model.substr(start + marker.size(), end - start - marker.size()));
    std::ofstream(folder / "group1-shard1of1.min.js")
        << "!function(e){}(function(){return function e(a,n,i){}({1:[function(e,h,n){h.exports="
           "\"AAAA\"},{}]},{},[1])(1)});";
    auto imported = importNsfwjsMobileNetV2(folder.path());
    ASSERT_FALSE(imported);
    EXPECT_NE(imported.error().message.find("group1-shard1of1.min.js"), std::string::npos)
        << imported.error().message;
    EXPECT_NE(imported.error().message.find("ends early"), std::string::npos)
        << imported.error().message;
}

TEST(NsfwjsImport, ProbabilitiesMatchNsfwjsOnPhotos) {
    SKIP_WITHOUT_NSFWJS(test::kNsfwjsMobileNetV2);
    const test::TempFolder folder("fovea-nsfwjs");
    test::NsfwjsPhotos photos;
    test::runNsfwjs(test::kNsfwjsMobileNetV2, folder.path(), /*count=*/0, photos);
    if (IsSkipped() || HasFatalFailure()) return;
    const auto& expected = photos.probabilities;

    auto imported = importNsfwjsMobileNetV2(test::nsfwjsModelDir(test::kNsfwjsMobileNetV2));
    ASSERT_TRUE(imported) << imported.error().message;
    auto network = build::mobileNetV2Keras(5);
    network->setPreprocessing(imported.value().preprocessing);
    auto loaded = loadStateDict(*network, imported.value().stateDict, "model.min.js");
    ASSERT_TRUE(loaded) << loaded.error().message;

    // The recorded preprocessing, applied as the app applies it.
    const auto input = test::appInput(photos, kMobileNetSize, network->preprocessing());

    torch::NoGradGuard noGrad;
    network->eval();
    const auto probabilities = torch::softmax(network->forward(input), 1);
    for (int64_t index = 0; index < photos.count(); ++index) {
        const double difference =
            (probabilities[index] - expected[index]).abs().max().item<double>();
        std::cout << "[ nsfwjs   ] " << std::setw(10) << photos.names[index]
                  << ": max |p - p_nsfwjs| = " << std::scientific << std::setprecision(2)
                  << difference << "  (top: "
                  << imported.value().classLabels[probabilities[index].argmax().item<int64_t>()]
                  << ")\n";
        EXPECT_LE(difference, kMobileNetTolerance) << photos.names[index];
        EXPECT_EQ(probabilities[index].argmax().item<int64_t>(),
                  expected[index].argmax().item<int64_t>())
            << photos.names[index];
    }
}

}  // namespace
}  // namespace fovea::core
