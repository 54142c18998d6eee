// How inference runs a zoo network: channels-last by default (the same figures as the default
// layout, the caller's layout restored afterwards), and a lower precision on request, with its
// top-1 agreement with fp32 measured on the images asked for.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "fovea/core/models/zoo.h"
#include "fovea/core/session/prediction.h"
#include "temp_folder.h"

namespace fovea::test {
namespace {

namespace fs = std::filesystem;

// The layout of the network's convolution weights: true when channels-last.
bool channelsLastWeights(const core::NetworkImpl& network) {
    for (const auto& parameter : network.parameters()) {
        if (parameter.dim() == 4 && !parameter.is_contiguous()) return true;
    }
    return false;
}

class InferenceLayout : public testing::Test {
  protected:
    void SetUp() override {
        cv::RNG random(11);
        for (int i = 0; i < 6; ++i) {
            cv::Mat pixels(48, 40, CV_8UC3);
            random.fill(pixels, cv::RNG::UNIFORM, 0, 256);
            const fs::path file = m_folder / ("noise" + std::to_string(i) + ".png");
            ASSERT_TRUE(cv::imwrite(file.string(), pixels));
            m_files.push_back(file);
        }
        torch::manual_seed(5);
        m_network = core::createNetwork("resnet18", 10).value();
        m_network->setPreprocessing(core::imagenetPreprocessing(40, 32));
    }

    core::PredictionOptions options() const {
        core::PredictionOptions o;
        o.topK = 10;
        o.batchSize = 4;
        o.workers = 2;
        o.device = core::DevicePreference::Cpu;
        return o;
    }

    std::vector<core::ImagePrediction> predict(const core::PredictionOptions& o,
                                               core::InferenceFacts* facts = nullptr) {
        auto result = core::predictImages(*m_network, m_files, {}, o, {}, nullptr, facts);
        EXPECT_TRUE(result.ok()) << result.error().message;
        return result.ok() ? result.value() : std::vector<core::ImagePrediction>{};
    }

    TempFolder m_folder{"fovea-inference-layout"};
    std::vector<fs::path> m_files;
    core::NetworkPtr m_network;
};

// Probability of every class of every image, by class index.
std::vector<std::vector<double>> probabilities(const std::vector<core::ImagePrediction>& all) {
    std::vector<std::vector<double>> table;
    for (const auto& prediction : all) {
        std::vector<double> row(prediction.top.size());
        for (const auto& score : prediction.top) {
            row.at(static_cast<std::size_t>(score.index)) = score.probability;
        }
        table.push_back(row);
    }
    return table;
}

TEST_F(InferenceLayout, ChannelsLastByDefaultWithTheSameFiguresAndTheLayoutRestored) {
    core::PredictionOptions defaultLayout = options();
    defaultLayout.channelsLast = false;
    core::InferenceFacts facts;
    const auto expected = probabilities(predict(defaultLayout, &facts));
    EXPECT_FALSE(facts.channelsLast);
    ASSERT_FALSE(channelsLastWeights(*m_network));

    const auto fast = probabilities(predict(options(), &facts));
    EXPECT_TRUE(facts.channelsLast) << "a convolutional network runs channels-last by default";
    EXPECT_EQ(facts.precision, core::Precision::Float32);
    EXPECT_EQ(facts.agreementChecked, 0) << "nothing to compare in fp32";
    EXPECT_FALSE(channelsLastWeights(*m_network)) << "the caller's layout is restored";
    ASSERT_EQ(fast.size(), expected.size());
    for (std::size_t i = 0; i < fast.size(); ++i) {
        ASSERT_EQ(fast[i].size(), expected[i].size());
        for (std::size_t c = 0; c < fast[i].size(); ++c) {
            EXPECT_NEAR(fast[i][c], expected[i][c], 1e-5) << "image " << i << " class " << c;
        }
    }

    // A network kept channels-last by its owner (the trainer's) stays so.
    for (auto& parameter : m_network->parameters()) {
        if (parameter.dim() == 4) {
            parameter.set_data(parameter.contiguous(torch::MemoryFormat::ChannelsLast));
        }
    }
    predict(defaultLayout);
    EXPECT_TRUE(channelsLastWeights(*m_network));
}

// bf16 autocast on request: the images of the agreement sample also run in fp32, and the facts
// count how many keep their top-1 class, which the test counts again from two full runs.
TEST_F(InferenceLayout, LowerPrecisionReportsItsTopOneAgreementWithFp32) {
    const auto full = predict(options());
    core::PredictionOptions low = options();
    low.precision = core::Precision::BFloat16;
    low.agreementSample = 3;
    core::InferenceFacts facts;
    const auto reduced = predict(low, &facts);
    ASSERT_EQ(reduced.size(), full.size());
    EXPECT_EQ(facts.precision, core::Precision::BFloat16);
    EXPECT_EQ(facts.agreementChecked, 3);
    std::int64_t same = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        same += reduced[i].top.at(0).index == full[i].top.at(0).index ? 1 : 0;
    }
    EXPECT_EQ(facts.agreementSame, same);
    // bf16 keeps 8 bits of mantissa: probabilities move, but stay probabilities.
    for (const auto& prediction : reduced) {
        double total = 0;
        for (const auto& score : prediction.top) total += score.probability;
        EXPECT_NEAR(total, 1.0, 1e-4) << prediction.path;
    }

    // A sample larger than the first batch checks the whole first batch.
    low.agreementSample = 100;
    predict(low, &facts);
    EXPECT_EQ(facts.agreementChecked, 4);

    // auto resolves to what this machine computes natively, and says which.
    low.precision = core::Precision::Auto;
    predict(low, &facts);
    EXPECT_NE(facts.precision, core::Precision::Auto);
    EXPECT_EQ(facts.agreementChecked, facts.precision == core::Precision::Float32 ? 0 : 4);
}

}  // namespace
}  // namespace fovea::test
