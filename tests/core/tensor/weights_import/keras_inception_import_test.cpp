// nsfwjs' Keras InceptionV3 converted to torchvision names: the converted network must give the
// probabilities nsfwjs itself gives (TensorFlow.js CPU backend in Node) on the same pixels.
#include <gtest/gtest.h>

#include <filesystem>
#include <iomanip>
#include <iostream>

#include <torch/torch.h>

#include "fovea/core/models/load_state_dict.h"
#include "fovea/core/weights_import/keras_inception_import.h"
#include "keras_variants.h"
#include "nsfwjs_reference.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kInceptionSize = 299;
// tfjs' CPU backend runs InceptionV3 at roughly a minute per photo in Node: two photos keep the
// test within its time limit.
constexpr int kPhotos = 2;
constexpr double kInceptionTolerance = 1e-3;  // probabilities

TEST(KerasInceptionV3, LayoutIsKerasWithTheNsfwjsTop) {
    auto network = build::inceptionV3Keras(5);
    EXPECT_EQ(network->architecture(), "inception_v3_keras");
    EXPECT_EQ(network->preprocessing().cropSize, 299);
    EXPECT_EQ(network->preprocessing().mean[0], 0.0f);
    EXPECT_EQ(network->preprocessing().std[0], 1.0f);
    const auto params = network->named_parameters();
    for (const auto& item : params) {
        EXPECT_EQ(item.key().rfind("AuxLogits", 0), std::string::npos) << item.key();
    }
    EXPECT_EQ(params["fc.0.weight"].sizes(), (std::vector<int64_t>{256, 2048}));
    EXPECT_EQ(params["fc.3.weight"].sizes(), (std::vector<int64_t>{128, 256}));
    EXPECT_EQ(params["fc.6.weight"].sizes(), (std::vector<int64_t>{5, 128}));
    torch::NoGradGuard noGrad;
    network->eval();
    EXPECT_EQ(network->forward(torch::zeros({1, 3, kInceptionSize, kInceptionSize})).sizes(),
              (std::vector<int64_t>{1, 5}));

    network->replaceHead(HeadOptions{3});
    const auto replaced = network->named_parameters();
    EXPECT_EQ(replaced["fc.weight"].sizes(), (std::vector<int64_t>{3, 2048}));
    EXPECT_FALSE(replaced.contains("fc.0.weight"));
    EXPECT_EQ(network->forward(torch::zeros({1, 3, 75, 75})).sizes(), (std::vector<int64_t>{1, 3}));
}

// TF's "same" average pooling divides by the pixels under the window, not by 9: on a constant
// input its output is constant, border included, so branch_pool's channels are too.
TEST(KerasInceptionV3, AveragePoolingExcludesThePadding) {
    auto network = build::inceptionV3Keras(5);
    torch::NoGradGuard noGrad;
    network->eval();
    size_t mixed5b = 0;
    while (network->blocks()[mixed5b].name != "Mixed_5b") ++mixed5b;
    const auto output = network->forwardBlocks(torch::ones({1, 192, 35, 35}), mixed5b, mixed5b + 1);
    ASSERT_EQ(output.size(1), 256);
    const auto pooled = output.slice(1, 224, 256).flatten(2);  // branch_pool's 32 channels
    const auto spread = pooled.amax(2) - pooled.amin(2);
    EXPECT_LE(spread.max().item<double>(), 1e-5);
}

TEST(NsfwjsInceptionImport, MissingFolderNamesTheFile) {
    auto imported = importNsfwjsInceptionV3("/nonexistent/fovea/inception_v3");
    ASSERT_FALSE(imported);
    EXPECT_NE(imported.error().message.find("/nonexistent/fovea/inception_v3/model.min.js"),
              std::string::npos)
        << imported.error().message;
}

TEST(NsfwjsInceptionImport, MobileNetIsNotInception) {
    SKIP_WITHOUT_NSFWJS(test::kNsfwjsInceptionV3);
    auto imported = importNsfwjsInceptionV3(test::nsfwjsModelDir(
        test::nsfwjsPrefix(test::kNsfwjsInceptionV3), test::kNsfwjsMobileNetV2));
    ASSERT_FALSE(imported);
    EXPECT_NE(imported.error().message.find("unexpected layer"), std::string::npos)
        << imported.error().message;
}

TEST(NsfwjsInceptionImport, ConvertsEveryTensorIntoTheKerasVariant) {
    SKIP_WITHOUT_NSFWJS(test::kNsfwjsInceptionV3);
    auto imported = importNsfwjsInceptionV3(test::nsfwjsModelDir(test::kNsfwjsInceptionV3));
    ASSERT_TRUE(imported) << imported.error().message;
    const ImportedWeights& weights = imported.value();
    // 94 convolutions, 94 BatchNorms (beta, mean, variance), 3 Dense layers.
    EXPECT_EQ(weights.tensorCount, 94 + 94 * 3 + 3 * 2);
    EXPECT_EQ(weights.lastImageNetBlock, "Mixed_6c");
    EXPECT_EQ(weights.preprocessing.cropSize, 299);
    EXPECT_EQ(weights.preprocessing.mean, (std::array<float, 3>{0, 0, 0}));
    EXPECT_EQ(weights.preprocessing.std, (std::array<float, 3>{1, 1, 1}));
    // Keras builds InceptionC's 7x7 branches with their own (1, 7) / (7, 1) order.
    EXPECT_EQ(weights.stateDict.find("Mixed_6b.branch7x7dbl_2.conv.weight")->sizes(),
              (std::vector<int64_t>{128, 128, 7, 1}));
    EXPECT_EQ(weights.stateDict.find("Mixed_7c.branch3x3dbl_3a.conv.weight")->sizes(),
              (std::vector<int64_t>{384, 384, 1, 3}));
    EXPECT_TRUE(torch::equal(*weights.stateDict.find("Conv2d_1a_3x3.bn.weight"), torch::ones(32)));

    auto network = build::inceptionV3Keras(5);
    auto loaded = loadStateDict(*network, weights.stateDict, "model.min.js");
    ASSERT_TRUE(loaded) << loaded.error().message;
    EXPECT_EQ(loaded.value().loadedTensors, 94 * 5 + 3 * 2);
    EXPECT_TRUE(loaded.value().skippedHeadKeys.empty());
}

TEST(NsfwjsInceptionImport, ProbabilitiesMatchNsfwjsOnPhotos) {
    SKIP_WITHOUT_NSFWJS(test::kNsfwjsInceptionV3);
    const test::TempFolder folder("fovea-nsfwjs-inception");
    test::NsfwjsPhotos photos;
    test::runNsfwjs(test::kNsfwjsInceptionV3, folder.path(), kPhotos, photos);
    if (IsSkipped() || HasFatalFailure()) return;
    const auto& expected = photos.probabilities;

    auto imported = importNsfwjsInceptionV3(test::nsfwjsModelDir(test::kNsfwjsInceptionV3));
    ASSERT_TRUE(imported) << imported.error().message;
    auto network = build::inceptionV3Keras(5);
    network->setPreprocessing(imported.value().preprocessing);
    auto loaded = loadStateDict(*network, imported.value().stateDict, "model.min.js");
    ASSERT_TRUE(loaded) << loaded.error().message;

    // The recorded preprocessing, applied as the app applies it.
    const auto input = test::appInput(photos, kInceptionSize, network->preprocessing());

    torch::NoGradGuard noGrad;
    network->eval();
    const auto logits = network->forward(input);
    const auto probabilities = torch::softmax(logits, 1);
    // The photos are confidently "Neutral", so the probabilities alone say little about the
    // small classes: log-probabilities show whether those agree too.
    const auto logProbabilities = torch::log_softmax(logits, 1);
    for (int64_t index = 0; index < photos.count(); ++index) {
        const double difference =
            (probabilities[index] - expected[index]).abs().max().item<double>();
        const double logDifference =
            (logProbabilities[index] - expected[index].log()).abs().max().item<double>();
        std::cout << "[ nsfwjs   ] " << std::setw(10) << photos.names[index]
                  << ": max |p - p_nsfwjs| = " << std::scientific << std::setprecision(2)
                  << difference << ", max |log p - log p_nsfwjs| = " << logDifference << "  (top: "
                  << imported.value().classLabels[probabilities[index].argmax().item<int64_t>()]
                  << ")\n";
        EXPECT_LE(difference, kInceptionTolerance) << photos.names[index];
        EXPECT_LE(logDifference, 1e-2) << photos.names[index];
        EXPECT_EQ(probabilities[index].argmax().item<int64_t>(),
                  expected[index].argmax().item<int64_t>())
            << photos.names[index];
    }
}

}  // namespace
}  // namespace fovea::core
