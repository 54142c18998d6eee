// The suggestion a prediction makes for a project's classes (the pure part of suggestLabels;
// tests/e2e drives the whole of it through fovea-cli suggest). Compiled without LibTorch, as
// the workbench includes the header.
#include "fovea/core/session/label_suggestions.h"

#include <gtest/gtest.h>

#include <cmath>

namespace fovea::core {
namespace {

ImagePrediction prediction(std::vector<std::pair<std::string, double>> scores) {
    ImagePrediction result;
    result.path = "a.png";
    for (std::size_t i = 0; i < scores.size(); ++i) {
        result.top.push_back({static_cast<std::int64_t>(i), scores[i].first, scores[i].second});
    }
    return result;
}

TEST(LabelSuggestion, TakesTheTopClassWithItsLeadAndTheEntropyOfTheWholeDistribution) {
    const std::map<std::string, ClassId> classes{{"cat", 4}, {"dog", 7}, {"fox", 9}};
    const auto suggestion =
        suggestionFor(prediction({{"dog", 0.7}, {"cat", 0.2}, {"fox", 0.1}}), 42, classes);
    ASSERT_TRUE(suggestion.has_value());
    EXPECT_EQ(suggestion->image, 42);
    EXPECT_EQ(suggestion->classId, 7);
    EXPECT_DOUBLE_EQ(suggestion->confidence, 0.7);
    EXPECT_DOUBLE_EQ(suggestion->margin, 0.5);
    const double entropy = -(0.7 * std::log(0.7) + 0.2 * std::log(0.2) + 0.1 * std::log(0.1));
    EXPECT_NEAR(suggestion->entropy, entropy, 1e-12);
}

TEST(LabelSuggestion, SkipsTheModelsClassesTheProjectDoesNotHave) {
    // The model's favourite, "wolf", is no class of the project: "fox" is suggested, with the
    // model's own probability, and its lead over the next known class.
    const std::map<std::string, ClassId> classes{{"cat", 4}, {"fox", 9}};
    const auto suggestion =
        suggestionFor(prediction({{"wolf", 0.6}, {"fox", 0.3}, {"cat", 0.1}}), 1, classes);
    ASSERT_TRUE(suggestion.has_value());
    EXPECT_EQ(suggestion->classId, 9);
    EXPECT_DOUBLE_EQ(suggestion->confidence, 0.3);
    EXPECT_NEAR(suggestion->margin, 0.2, 1e-12);
    // With only one known class there is no runner-up: its whole probability is its lead.
    const auto alone = suggestionFor(prediction({{"wolf", 0.9}, {"cat", 0.1}}), 1, {{"cat", 4}});
    ASSERT_TRUE(alone.has_value());
    EXPECT_DOUBLE_EQ(alone->margin, 0.1);
}

TEST(LabelSuggestion, NoneForAFailedImageOrNoKnownClass) {
    ImagePrediction failed = prediction({{"cat", 1.0}});
    failed.error = "a.png: cannot decode";
    EXPECT_FALSE(suggestionFor(failed, 1, {{"cat", 4}}).has_value());
    EXPECT_FALSE(suggestionFor(prediction({{"wolf", 1.0}}), 1, {{"cat", 4}}).has_value());
}

}  // namespace
}  // namespace fovea::core
