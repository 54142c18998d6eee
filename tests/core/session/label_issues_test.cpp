// Confident learning on synthetic embeddings whose truth is known: two classes drawn from one
// distribution (no feature can tell them apart) and one apart from them. The out-of-fold
// probabilities must be calibrated (no certainty about a coin toss), look-alikes are not
// flagged, a planted wrong label is, and the agreement says how far the probe can be trusted.
#include "fovea/core/session/label_issues.h"

#include <gtest/gtest.h>

#include <random>

namespace fovea::core {
namespace {

struct Synthetic {
    std::vector<std::vector<float>> embeddings;
    std::vector<std::int64_t> labels;
};

// Classes 0 and 1: the same Gaussian cloud around the origin; class 2: a cloud far away.
Synthetic twoAlikeOneApart(int perClass, int dim, std::uint64_t seed) {
    std::mt19937_64 random(seed);
    std::normal_distribution<float> noise(0.0f, 1.0f);
    Synthetic data;
    for (std::int64_t label = 0; label < 3; ++label) {
        for (int i = 0; i < perClass; ++i) {
            std::vector<float> vector(static_cast<std::size_t>(dim));
            for (float& x : vector) x = noise(random);
            if (label == 2) vector[0] += 12.0f;
            data.embeddings.push_back(std::move(vector));
            data.labels.push_back(label);
        }
    }
    return data;
}

TEST(LabelIssues, ProbabilitiesOfIndistinguishableClassesAreNotConfident) {
    // 64 noise dimensions and 32 images a class: a head fitted per fold separates its own
    // training images perfectly and would be near-certain about held-out ones by chance.
    const Synthetic data = twoAlikeOneApart(32, 64, 7);
    auto probabilities = outOfFoldProbabilities(data.embeddings, data.labels, 3);
    ASSERT_TRUE(probabilities.ok()) << probabilities.error().message;
    double confidence = 0;
    int alike = 0;
    for (std::size_t i = 0; i < data.labels.size(); ++i) {
        const auto& row = probabilities.value()[i];
        if (data.labels[i] == 2) {
            // One temperature serves every class: the clear class stays clear, a little less sure.
            EXPECT_GT(row[2], 0.5) << "image " << i;
            continue;
        }
        confidence += std::max(row[0], row[1]);
        ++alike;
    }
    confidence /= alike;
    std::cout << "mean top probability between the indistinguishable classes: " << confidence
              << "\n";
    EXPECT_LT(confidence, 0.75);
}

TEST(LabelIssues, AgreementCountsTopClassesEqualToTheLabels) {
    const std::vector<std::vector<double>> p = {{0.9, 0.1}, {0.4, 0.6}, {0.2, 0.8}, {0.7, 0.3}};
    EXPECT_DOUBLE_EQ(labelAgreement(p, {0, 1, 0, 1}), 0.5);
    EXPECT_DOUBLE_EQ(labelAgreement(p, {0, 1, 1, 0}), 1.0);
    EXPECT_DOUBLE_EQ(labelAgreement({}, {}), 0.0);
}

TEST(LabelIssues, ALookAlikeAboveItsThresholdIsNotASuspect) {
    // Class 1's images are rarely sure of it (threshold 0.4); image 4 reaches that for class 1
    // but is still more probably the class it is labeled with.
    const std::vector<std::vector<double>> p = {{0.9, 0.1}, {0.9, 0.1},   {0.6, 0.4},
                                                {0.6, 0.4}, {0.55, 0.45}, {0.2, 0.8}};
    const std::vector<std::int64_t> labels = {0, 0, 1, 1, 0, 0};
    const auto suspects = confidentLearningSuspects(p, labels, 2);
    ASSERT_EQ(suspects.size(), 1u);
    EXPECT_EQ(suspects[0].index, 5u);
    EXPECT_EQ(suspects[0].suggested, 1);
    EXPECT_NEAR(suspects[0].score, 0.6, 1e-12);
}

TEST(LabelIssues, APlantedWrongLabelBetweenSeparableClassesIsTheFirstSuspect) {
    Synthetic data = twoAlikeOneApart(32, 16, 11);
    data.labels[70] = 0;  // one of the far cloud's images labeled as the near one
    auto probabilities = outOfFoldProbabilities(data.embeddings, data.labels, 3);
    ASSERT_TRUE(probabilities.ok());
    const auto suspects = confidentLearningSuspects(probabilities.value(), data.labels, 3);
    ASSERT_FALSE(suspects.empty());
    EXPECT_EQ(suspects[0].index, 70u);
    EXPECT_EQ(suspects[0].suggested, 2);
    EXPECT_GT(suspects[0].score, 0.5);
}

TEST(LabelIssues, TheNoteSaysHowMuchTheSuspectsAreWorth) {
    EXPECT_EQ(labelAgreementNote(0, 0), "");
    const std::string weak = labelAgreementNote(500, 0.734);
    EXPECT_NE(weak.find("73% of the 500 labels"), std::string::npos) << weak;
    EXPECT_NE(weak.find("its own mistakes"), std::string::npos) << weak;
    const std::string strong = labelAgreementNote(200, 0.95);
    EXPECT_NE(strong.find("95%"), std::string::npos) << strong;
    EXPECT_EQ(strong.find("its own mistakes"), std::string::npos) << strong;
}

}  // namespace
}  // namespace fovea::core
