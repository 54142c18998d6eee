// Prediction: which files a list of inputs names, top-k on real PNG files with a network whose
// logits are known, the CSV written for them, and pretrained weights loaded with their own
// classifier for a preview.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "fovea/core/loader/image_batch_loader.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/project/csv_format.h"
#include "fovea/core/session/prediction.h"
#include "fovea/core/session/trained_model.h"
#include "fovea/core/weights/safetensors.h"
#include "known_network.h"

namespace fovea::test {
namespace {

namespace fs = std::filesystem;

core::PredictionOptions cpuOptions(int topK) {
    core::PredictionOptions options;
    options.topK = topK;
    options.batchSize = 2;
    options.workers = 2;
    options.device = core::DevicePreference::Cpu;
    return options;
}

std::string readAll(const fs::path& file) {
    std::ifstream stream(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

TEST(CollectImageFiles, FilesAsGivenFoldersRecursivelySortedMissingListed) {
    TempFolder folder("fovea-predict-collect");
    writeSolidPng(folder / "set/b.png", 1, 2, 3);
    writeSolidPng(folder / "set/a.jpg", 1, 2, 3);
    writeSolidPng(folder / "set/sub/c.PNG", 1, 2, 3);
    std::ofstream{folder / "set/readme.txt"} << "not listed: no image extension\n";
    // OpenCV picks the encoder by extension: write a PNG, then give it another name.
    const fs::path named = folder / "named.data";
    fs::rename(writeSolidPng(folder / "named.png", 1, 2, 3), named);

    const auto list =
        core::collectImageFiles({named, folder / "set", folder / "nope", folder / "set/b.png"});
    EXPECT_EQ(list.files, (std::vector<fs::path>{named, folder / "set/a.jpg", folder / "set/b.png",
                                                 folder / "set/sub/c.PNG"}))
        << "a file named explicitly is taken whatever its extension; b.png only once";
    ASSERT_EQ(list.problems.size(), 1u);
    EXPECT_EQ(list.problems[0].path, folder / "nope");
    EXPECT_NE(list.problems[0].message.find("nope"), std::string::npos);
}

TEST(PredictImages, TopKFollowsTheClosedFormLogits) {
    TempFolder folder("fovea-predict-known");
    // Logits [4, 1.6, 0.8] and [0, 0.8, 4].
    const fs::path first = writeSolidPng(folder / "first.png", 255, 102, 51);
    const fs::path second = writeSolidPng(folder / "second.png", 0, 51, 255);
    auto network = makeColourNetwork();
    auto result =
        core::predictImages(*network, {first, second}, {"red", "green", "blue"}, cpuOptions(2));
    ASSERT_TRUE(result.ok()) << result.error().message;
    const auto& predictions = result.value();
    ASSERT_EQ(predictions.size(), 2u);

    const auto expectTop = [](const core::ImagePrediction& p, std::array<double, 3> logits,
                              std::vector<std::int64_t> order, std::vector<std::string> labels) {
        ASSERT_FALSE(p.error) << *p.error;
        ASSERT_EQ(p.top.size(), order.size());
        double sum = 0;
        for (double l : logits) sum += std::exp(l);
        for (std::size_t j = 0; j < order.size(); ++j) {
            EXPECT_EQ(p.top[j].index, order[j]);
            EXPECT_EQ(p.top[j].label, labels[j]);
            EXPECT_NEAR(p.top[j].probability, std::exp(logits[order[j]]) / sum, 1e-6);
        }
    };
    EXPECT_EQ(predictions[0].path, first);
    expectTop(predictions[0], colourLogits(255, 102, 51), {0, 1}, {"red", "green"});
    EXPECT_EQ(predictions[1].path, second);
    expectTop(predictions[1], colourLogits(0, 51, 255), {2, 1}, {"blue", "green"});
}

TEST(PredictImages, WithoutLabelsClassesAreNamedByIndexAndKIsClamped) {
    TempFolder folder("fovea-predict-indices");
    const fs::path file = writeSolidPng(folder / "x.png", 0, 255, 102);
    auto network = makeColourNetwork();
    auto result = core::predictImages(*network, {file}, {}, cpuOptions(7));
    ASSERT_TRUE(result.ok()) << result.error().message;
    const auto& top = result.value().at(0).top;
    ASSERT_EQ(top.size(), 3u);
    EXPECT_EQ(top[0].label, "1");
    EXPECT_EQ(top[1].label, "2");
    EXPECT_EQ(top[2].label, "0");
    EXPECT_NEAR(top[0].probability + top[1].probability + top[2].probability, 1.0, 1e-6);
}

// Exactly the recorded preprocessing: a 40x64 photo-like image goes through resize + centre
// crop + normalisation as loadEvaluationTensor does, on a network with ImageNet statistics.
TEST(PredictImages, UsesTheNetworksRecordedPreprocessing) {
    TempFolder folder("fovea-predict-zoo");
    cv::Mat pixels(40, 64, CV_8UC3);
    cv::randu(pixels, cv::Scalar::all(0), cv::Scalar::all(255));
    const fs::path file = folder / "noise.png";
    ASSERT_TRUE(cv::imwrite(file.string(), pixels));
    torch::manual_seed(3);
    auto network = core::createNetwork("mobilenet_v3_small", 4).value();
    network->setPreprocessing(core::imagenetPreprocessing(40, 32));
    auto result = core::predictImages(*network, {file}, {}, cpuOptions(4));
    ASSERT_TRUE(result.ok()) << result.error().message;

    network->eval();
    torch::NoGradGuard noGrad;
    const auto input = core::loadEvaluationTensor(file, network->preprocessing());
    ASSERT_TRUE(input.ok()) << input.error().message;
    const torch::Tensor expected = torch::softmax(network->forward(input.value()), 1)[0];
    for (const auto& score : result.value().at(0).top) {
        EXPECT_NEAR(score.probability, expected[score.index].item<double>(), 1e-6) << score.index;
    }
}

TEST(PredictImages, UnreadableImagesCarryTheirErrorAndTheOthersArePredicted) {
    TempFolder folder("fovea-predict-broken");
    const fs::path good = writeSolidPng(folder / "good.png", 255, 0, 0);
    const fs::path broken = writeBrokenImage(folder / "broken.jpg");
    auto network = makeColourNetwork();
    auto result = core::predictImages(*network, {broken, good}, {"r", "g", "b"}, cpuOptions(1));
    ASSERT_TRUE(result.ok()) << result.error().message;
    const auto& predictions = result.value();
    ASSERT_EQ(predictions.size(), 2u);
    ASSERT_TRUE(predictions[0].error);
    EXPECT_NE(predictions[0].error->find("broken.jpg"), std::string::npos) << *predictions[0].error;
    EXPECT_TRUE(predictions[0].top.empty());
    ASSERT_FALSE(predictions[1].error);
    EXPECT_EQ(predictions[1].top.at(0).label, "r");

    const auto json = core::toJson(predictions[0]);
    EXPECT_TRUE(json.contains("error"));
    EXPECT_FALSE(json.contains("top"));
    EXPECT_EQ(core::toJson(predictions[1]).at("top").at(0).at("index"), 0);
}

TEST(PredictionsCsv, OneRowPerImageWithQuotingAndErrors) {
    std::vector<core::ImagePrediction> predictions{
        {"/data/a, b.png", {{1, "cat", 0.75}, {0, "dog \"big\"", 0.25}}, std::nullopt, {}},
        {"/data/bad.png", {}, std::string("/data/bad.png: not an image"), {}}};
    TempFolder folder("fovea-predict-csv");
    const fs::path file = folder / "out.csv";
    ASSERT_TRUE(core::writePredictionsCsv(file, predictions, 2).ok());
    const std::string text = readAll(file);
    EXPECT_EQ(text, core::predictionsCsv(predictions, 2));
    auto parsed = core::parseCsv(text, "out.csv");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    const auto& rows = parsed.value();
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].fields, (std::vector<std::string>{"path", "label_1", "probability_1",
                                                        "label_2", "probability_2", "error"}));
    EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"/data/a, b.png", "cat", "0.75",
                                                        "dog \"big\"", "0.25", ""}));
    EXPECT_EQ(rows[2].fields, (std::vector<std::string>{"/data/bad.png", "", "", "", "",
                                                        "/data/bad.png: not an image"}));
}

// A weight file as a published one would be: parameters and buffers, no Fovea metadata.
void writeWeights(const fs::path& file, const core::NetworkImpl& network,
                  const std::map<std::string, std::string>& metadata = {}) {
    core::StateDict state;
    for (const auto& item : network.named_parameters()) state.insert(item.key(), item.value());
    for (const auto& item : network.named_buffers()) state.insert(item.key(), item.value());
    ASSERT_TRUE(core::writeSafetensors(file, state, metadata).ok());
}

TEST(LoadPretrainedModel, KeepsTheFilesClassifierAndHasNoLabels) {
    TempFolder folder("fovea-predict-pretrained");
    torch::manual_seed(8);
    auto original = core::createNetwork("mobilenet_v3_small", 4).value();
    const fs::path file = folder / "weights.safetensors";
    ASSERT_NO_FATAL_FAILURE(writeWeights(file, *original));

    auto loaded = core::loadPretrainedModel("mobilenet_v3_small", file.string());
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    const auto& model = loaded.value();
    EXPECT_EQ(model.network->numClasses(), 4);
    EXPECT_TRUE(model.classNames.empty());
    EXPECT_FALSE(model.network->is_training());
    const auto& expected = core::findArchitecture("mobilenet_v3_small")->preprocessing;
    EXPECT_EQ(model.network->preprocessing().cropSize, expected.cropSize);
    EXPECT_EQ(model.network->preprocessing().mean, expected.mean);
    const auto params = model.network->named_parameters();
    for (const auto& item : original->named_parameters()) {
        EXPECT_TRUE(torch::equal(item.value(), params[item.key()])) << item.key();
    }
}

TEST(LoadPretrainedModel, RecordedLabelsAndPreprocessingAreUsed) {
    TempFolder folder("fovea-predict-labelled");
    auto original = core::createNetwork("mobilenet_v3_small", 2).value();
    const fs::path file = folder / "weights.safetensors";
    ASSERT_NO_FATAL_FAILURE(writeWeights(
        file, *original,
        {{"fovea.labels", R"(["cat","dog"])"},
         {"fovea.preprocessing",
          R"({"resize_shorter_side":40,"crop_size":32,"bicubic":false,"mean":[0,0,0],"std":[1,1,1]})"}}));
    auto loaded = core::loadPretrainedModel("mobilenet_v3_small", file.string());
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(loaded.value().classNames, (std::vector<std::string>{"cat", "dog"}));
    EXPECT_EQ(loaded.value().network->preprocessing().cropSize, 32);
}

TEST(LoadPretrainedModel, ErrorsNameTheFileOrArchitecture) {
    TempFolder folder("fovea-predict-bad-weights");
    auto resnet = core::createNetwork("resnet18", 3).value();
    const fs::path file = folder / "resnet.safetensors";
    ASSERT_NO_FATAL_FAILURE(writeWeights(file, *resnet));

    auto wrong = core::loadPretrainedModel("mobilenet_v3_small", file.string());
    ASSERT_FALSE(wrong.ok());
    EXPECT_NE(wrong.error().message.find(file.string()), std::string::npos)
        << wrong.error().message;

    const std::string missing = (folder / "missing.pth").string();
    auto absent = core::loadPretrainedModel("resnet18", missing);
    ASSERT_FALSE(absent.ok());
    EXPECT_NE(absent.error().message.find(missing), std::string::npos) << absent.error().message;

    auto unknown = core::loadPretrainedModel("nope", file.string());
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(unknown.error().message.find("nope"), std::string::npos);

    EXPECT_FALSE(core::loadPretrainedModel("resnet18", "none").ok());
}

}  // namespace
}  // namespace fovea::test
