// evaluateNetwork on real PNG files: figures checked against closed-form logits (a network
// whose outputs are known), against an independent forward pass of a zoo network, and the
// failure, cancel and error paths.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <random>

#include "cuda_test.h"
#include "fovea/core/loader/image_batch_loader.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/session/evaluation.h"
#include "known_network.h"

namespace fovea::test {
namespace {

namespace fs = std::filesystem;
namespace F = torch::nn::functional;

const std::vector<std::string> kNames{"red", "green", "blue"};

struct KnownImage {
    const char* name;
    int r, g, b;
    std::int64_t target;
};

// Chosen so that no two logits of an image tie (top-k is then unambiguous):
//   a: [4, 0, 0]      true 0 -> 0 correct
//   b: [0.8, 4, 0]    true 0 -> 1, true class second (in top 2)
//   c: [0, 0.8, 4]    true 0 -> 2, true class last
//   d: [4, 1.6, 0]    true 1 -> 0, true class second
//   e: [0, 0, 4]      true 2 -> 2 correct
const std::vector<KnownImage> kKnown{{"a.png", 255, 0, 0, 0},
                                     {"b.png", 51, 255, 0, 0},
                                     {"c.png", 0, 51, 255, 0},
                                     {"d.png", 255, 102, 0, 1},
                                     {"e.png", 0, 0, 255, 2}};

// -log softmax(logits)[target], in double.
double crossEntropy(const std::array<double, 3>& logits, std::int64_t target) {
    double sum = 0;
    for (double l : logits) sum += std::exp(l);
    return std::log(sum) - logits[static_cast<std::size_t>(target)];
}

class KnownEvaluation : public testing::Test {
  protected:
    void SetUp() override {
        for (std::size_t i = 0; i < kKnown.size(); ++i) {
            const auto& k = kKnown[i];
            const fs::path file = writeSolidPng(m_folder / k.name, k.r, k.g, k.b);
            // Ids unlike positions, so a mix-up of the two shows.
            m_images.push_back({100 + static_cast<std::int64_t>(i) * 7, file, k.target});
        }
    }
    core::EvaluationOptions options(int topK = 2) const {
        core::EvaluationOptions o;
        o.topK = topK;
        o.batchSize = 2;  // three batches, the last one partial
        o.workers = 2;
        o.device = core::DevicePreference::Cpu;
        return o;
    }

    TempFolder m_folder{"fovea-eval-known"};
    std::vector<core::LabeledImage> m_images;
};

TEST_F(KnownEvaluation, FiguresMatchTheClosedFormLogits) {
    auto network = makeColourNetwork();
    auto result = core::evaluateNetwork(*network, m_images, kNames, options());
    ASSERT_TRUE(result.ok()) << result.error().message;
    const core::EvaluationReport& r = result.value();

    EXPECT_EQ(r.imagesEvaluated, 5);
    EXPECT_TRUE(r.failures.empty());
    EXPECT_EQ(r.inference.device, "cpu");
    EXPECT_DOUBLE_EQ(r.accuracy, 2.0 / 5.0);
    EXPECT_DOUBLE_EQ(r.accuracy, r.confusion.accuracy());
    EXPECT_EQ(r.topK, 2);
    EXPECT_DOUBLE_EQ(r.topKAccuracy, 4.0 / 5.0);  // c's true class is last

    double lossSum = 0;
    ASSERT_EQ(r.outcomes.size(), kKnown.size());
    const std::vector<std::int64_t> predicted{0, 1, 2, 0, 2};
    for (std::size_t i = 0; i < kKnown.size(); ++i) {
        const auto& k = kKnown[i];
        const auto& o = r.outcomes[i];
        const auto logits = colourLogits(k.r, k.g, k.b);
        const double loss = crossEntropy(logits, k.target);
        lossSum += loss;
        EXPECT_EQ(o.imageId, m_images[i].id) << k.name;
        EXPECT_EQ(o.path, m_images[i].path) << k.name;
        EXPECT_EQ(o.trueClass, k.target) << k.name;
        EXPECT_EQ(o.predictedClass, predicted[i]) << k.name;
        EXPECT_NEAR(o.loss, loss, 1e-5) << k.name;
        EXPECT_NEAR(o.trueProbability, std::exp(-loss), 1e-6) << k.name;
        EXPECT_NEAR(o.predictedProbability, std::exp(-crossEntropy(logits, predicted[i])), 1e-6)
            << k.name;
        EXPECT_EQ(o.inTopK, i != 2) << k.name;
    }
    EXPECT_NEAR(r.meanLoss, lossSum / 5.0, 1e-6);

    // Rows: true class. a, b, c are red; d green; e blue.
    EXPECT_EQ(r.confusion.cells(), (std::vector<std::int64_t>{1, 1, 1, 1, 0, 0, 0, 0, 1}));
    ASSERT_EQ(r.perClass.size(), 3u);
    EXPECT_DOUBLE_EQ(r.perClass[0].precision, 0.5);  // a and d predicted red, a right
    EXPECT_DOUBLE_EQ(r.perClass[0].recall, 1.0 / 3.0);
    EXPECT_EQ(r.perClass[0].support, 3);
    EXPECT_DOUBLE_EQ(r.perClass[1].recall, 0.0);
    EXPECT_DOUBLE_EQ(r.perClass[2].precision, 0.5);  // c and e predicted blue, e right
    EXPECT_DOUBLE_EQ(r.perClass[2].recall, 1.0);
    EXPECT_DOUBLE_EQ(r.macroF1, r.confusion.macroF1());
}

TEST_F(KnownEvaluation, TopLossesAreRankedHighestFirstAndCut) {
    auto network = makeColourNetwork();
    auto o = options();
    o.topLossCount = 4;
    auto result = core::evaluateNetwork(*network, m_images, kNames, o);
    ASSERT_TRUE(result.ok()) << result.error().message;
    const auto& losses = result.value().topLosses;
    // c (4.06) > b (3.26) > d (2.50) > a = e (0.036): the tie keeps the given order, a first.
    std::vector<fs::path> ranked;
    for (const auto& outcome : losses) ranked.push_back(outcome.path.filename());
    EXPECT_EQ(ranked, (std::vector<fs::path>{"c.png", "b.png", "d.png", "a.png"}));
    for (std::size_t i = 1; i < losses.size(); ++i) EXPECT_GE(losses[i - 1].loss, losses[i].loss);

    o.topLossCount = 0;
    auto none = core::evaluateNetwork(*network, m_images, kNames, o);
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none.value().topLosses.empty());
}

TEST_F(KnownEvaluation, TopKIsClampedToTheClassCount) {
    auto network = makeColourNetwork();
    auto result = core::evaluateNetwork(*network, m_images, kNames, options(10));
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(result.value().topK, 3);
    EXPECT_DOUBLE_EQ(result.value().topKAccuracy, 1.0);
    auto top1 = core::evaluateNetwork(*network, m_images, kNames, options(1));
    ASSERT_TRUE(top1.ok());
    EXPECT_DOUBLE_EQ(top1.value().topKAccuracy, top1.value().accuracy);
}

TEST_F(KnownEvaluation, UnreadableImagesAreListedAndLeftOutOfTheFigures) {
    const fs::path broken = writeBrokenImage(m_folder / "broken.png");
    const fs::path missing = m_folder / "missing.png";
    std::vector<core::LabeledImage> images{
        m_images[0], {7, broken, 1}, m_images[4], {8, missing, 2}};
    auto network = makeColourNetwork();
    auto result = core::evaluateNetwork(*network, images, kNames, options());
    ASSERT_TRUE(result.ok()) << result.error().message;
    const auto& r = result.value();
    EXPECT_EQ(r.imagesEvaluated, 2);
    EXPECT_DOUBLE_EQ(r.accuracy, 1.0);  // a and e are right
    EXPECT_EQ(r.confusion.total(), 2);
    ASSERT_EQ(r.failures.size(), 2u);
    EXPECT_EQ(r.failures[0].imageId, 7);
    EXPECT_EQ(r.failures[0].path, broken);
    EXPECT_NE(r.failures[0].message.find("broken.png"), std::string::npos) << r.failures[0].message;
    EXPECT_EQ(r.failures[1].imageId, 8);
    EXPECT_NE(r.failures[1].message.find("missing.png"), std::string::npos)
        << r.failures[1].message;
    for (const auto& outcome : r.outcomes) EXPECT_NE(outcome.path, broken);
}

TEST_F(KnownEvaluation, OutcomesInACellAreThoseImages) {
    auto network = makeColourNetwork();
    auto result = core::evaluateNetwork(*network, m_images, kNames, options());
    ASSERT_TRUE(result.ok());
    const auto redAsGreen = core::outcomesInCell(result.value(), 0, 1);
    ASSERT_EQ(redAsGreen.size(), 1u);
    EXPECT_EQ(redAsGreen[0].path.filename(), "b.png");
    EXPECT_TRUE(core::outcomesInCell(result.value(), 1, 1).empty());
}

TEST_F(KnownEvaluation, JsonHoldsTheFiguresMatrixAndOutcomes) {
    auto network = makeColourNetwork();
    auto result = core::evaluateNetwork(*network, m_images, kNames, options());
    ASSERT_TRUE(result.ok());
    const auto json = core::toJson(result.value(), kNames);
    EXPECT_EQ(json.at("images"), 5);
    EXPECT_DOUBLE_EQ(json.at("accuracy").get<double>(), 0.4);
    EXPECT_EQ(json.at("top_k"), 2);
    EXPECT_EQ(json.at("classes"), kNames);
    EXPECT_EQ(json.at("confusion_matrix"), nlohmann::json::parse("[[1,1,1],[1,0,0],[0,0,1]]"));
    EXPECT_EQ(json.at("per_class").at(0).at("class"), "red");
    EXPECT_EQ(json.at("per_class").at(0).at("support"), 3);
    EXPECT_EQ(json.at("top_losses").at(0).at("true_class"), "red");
    EXPECT_EQ(json.at("top_losses").at(0).at("predicted_class"), "blue");
    EXPECT_EQ(json.at("outcomes").size(), 5u);
    EXPECT_FALSE(core::toJson(result.value(), kNames, false).contains("outcomes"));
}

TEST_F(KnownEvaluation, CancelIsAnErrorAndRestoresTheNetwork) {
    auto network = makeColourNetwork();
    network->train(true);
    std::atomic<bool> cancel{true};
    auto result = core::evaluateNetwork(*network, m_images, kNames, options(), {}, &cancel);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message, "cancelled");
    EXPECT_TRUE(network->is_training());
}

TEST_F(KnownEvaluation, ProgressCountsEveryImage) {
    auto network = makeColourNetwork();
    std::vector<std::int64_t> done;
    auto result = core::evaluateNetwork(*network, m_images, kNames, options(),
                                        [&](std::int64_t d, std::int64_t total) {
                                            EXPECT_EQ(total, 5);
                                            done.push_back(d);
                                        });
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(done, (std::vector<std::int64_t>{2, 4, 5}));
}

TEST_F(KnownEvaluation, MismatchedClassNamesAndTargetsAreErrors) {
    auto network = makeColourNetwork();
    auto names = core::evaluateNetwork(*network, m_images, {"red", "green"}, options());
    ASSERT_FALSE(names.ok());
    EXPECT_NE(names.error().message.find("3 outputs"), std::string::npos) << names.error().message;

    auto images = m_images;
    images[1].target = 3;
    auto target = core::evaluateNetwork(*network, images, kNames, options());
    ASSERT_FALSE(target.ok());
    EXPECT_NE(target.error().message.find("b.png"), std::string::npos) << target.error().message;
}

TEST_F(KnownEvaluation, NoImagesGiveAnEmptyReport) {
    auto network = makeColourNetwork();
    auto result = core::evaluateNetwork(*network, {}, kNames, options());
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(result.value().imagesEvaluated, 0);
    EXPECT_EQ(result.value().accuracy, 0.0);
    EXPECT_EQ(result.value().confusion.classes(), 3);
}

// On a GPU the figures are the CPU's (to float tolerance) and the network goes back to the CPU.
TEST_F(KnownEvaluation, CudaGivesTheCpuFiguresAndTheNetworkStaysWhereItWas) {
    FOVEA_SKIP_WITHOUT_CUDA();
    auto network = makeColourNetwork();
    auto cpu = core::evaluateNetwork(*network, m_images, kNames, options());
    auto o = options();
    o.device = core::DevicePreference::Cuda;
    auto cuda = core::evaluateNetwork(*network, m_images, kNames, o);
    ASSERT_TRUE(cpu.ok()) << cpu.error().message;
    ASSERT_TRUE(cuda.ok()) << cuda.error().message;
    EXPECT_EQ(cuda.value().inference.device.rfind("cuda", 0), 0u) << cuda.value().inference.device;
    EXPECT_TRUE(network->parameters().front().device().is_cpu());
    EXPECT_EQ(cuda.value().confusion.cells(), cpu.value().confusion.cells());
    EXPECT_NEAR(cuda.value().meanLoss, cpu.value().meanLoss, 1e-5);
}

TEST_F(KnownEvaluation, AskingForCudaWithoutOneIsAnError) {
    if (torch::cuda::is_available()) GTEST_SKIP() << "a CUDA device is available";
    auto network = makeColourNetwork();
    auto o = options();
    o.device = core::DevicePreference::Cuda;
    auto result = core::evaluateNetwork(*network, m_images, kNames, o);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message.find("cuda"), std::string::npos) << result.error().message;
}

// A real zoo network with BatchNorm: everything must equal an independent forward pass in eval
// mode over loadEvaluationTensor (batch statistics, a train-mode slip, would differ), and the
// network must come back in training mode.
TEST(ZooEvaluation, MatchesAnIndependentForwardPassAndRestoresTrainingMode) {
    TempFolder folder("fovea-eval-zoo");
    torch::manual_seed(5);
    auto network = core::createNetwork("mobilenet_v3_small", 3).value();
    network->setPreprocessing(core::imagenetPreprocessing(36, 32));
    std::mt19937 rng(11);
    std::vector<core::LabeledImage> images;
    for (int i = 0; i < 10; ++i) {
        cv::Mat pixels(40 + i, 48, CV_8UC3);
        cv::randu(pixels, cv::Scalar::all(0), cv::Scalar::all(255));
        const fs::path file = folder / ("noise-" + std::to_string(i) + ".png");
        ASSERT_TRUE(cv::imwrite(file.string(), pixels));
        images.push_back({i, file, static_cast<std::int64_t>(rng() % 3)});
    }
    network->train(true);
    core::EvaluationOptions options;
    options.batchSize = 4;
    options.topK = 2;
    options.device = core::DevicePreference::Cpu;
    auto result = core::evaluateNetwork(*network, images, {"x", "y", "z"}, options);
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_TRUE(network->is_training()) << "the caller's mode must be restored";

    // Independent: one image at a time, eval mode, torch's own cross entropy.
    network->eval();
    torch::NoGradGuard noGrad;
    const auto spec = network->preprocessing();
    std::vector<torch::Tensor> inputs;
    std::vector<std::int64_t> targets;
    for (const auto& image : images) {
        inputs.push_back(core::loadEvaluationTensor(image.path, spec).value());
        targets.push_back(image.target);
    }
    const torch::Tensor logits = network->forward(torch::cat(inputs));
    const torch::Tensor target = torch::tensor(targets, torch::kInt64);
    const torch::Tensor predicted = logits.argmax(1);
    const auto& r = result.value();
    EXPECT_NEAR(r.meanLoss, F::cross_entropy(logits, target).item<double>(), 1e-5);
    EXPECT_DOUBLE_EQ(r.accuracy, predicted.eq(target).to(torch::kDouble).mean().item<double>());
    EXPECT_DOUBLE_EQ(r.accuracy, r.confusion.accuracy());
    const torch::Tensor top2 = std::get<1>(logits.topk(2, 1));
    EXPECT_DOUBLE_EQ(r.topKAccuracy,
                     top2.eq(target.unsqueeze(1)).any(1).to(torch::kDouble).mean().item<double>());
    const torch::Tensor probabilities = torch::softmax(logits, 1);
    ASSERT_EQ(r.outcomes.size(), images.size());
    for (std::size_t i = 0; i < images.size(); ++i) {
        const auto row = static_cast<std::int64_t>(i);
        EXPECT_EQ(r.outcomes[i].predictedClass, predicted[row].item<std::int64_t>()) << i;
        EXPECT_NEAR(r.outcomes[i].trueProbability, probabilities[row][targets[i]].item<double>(),
                    1e-5)
            << i;
    }
}

}  // namespace
}  // namespace fovea::test
