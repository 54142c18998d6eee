// "Label next": the most uncertain image comes first, a batch never takes two copies of one
// picture while other uncertain images are left, and images after the diverse batches follow by
// uncertainty. The linear probe that Refresh retrains learns separable classes.
#include "fovea/core/session/labeling_order.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "fovea/core/session/linear_probe.h"

namespace fovea::core {
namespace {

std::vector<float> unit(std::vector<float> v) {
    double norm = 0;
    for (float x : v) norm += double(x) * x;
    for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
    return v;
}

TEST(LabelingOrder, UncertaintyOfMarginAndEntropy) {
    EXPECT_DOUBLE_EQ(uncertaintyOf({0.5, 0.5}, UncertaintyMeasure::Margin), 1.0);
    EXPECT_DOUBLE_EQ(uncertaintyOf({1.0, 0.0}, UncertaintyMeasure::Margin), 0.0);
    EXPECT_NEAR(uncertaintyOf({0.25, 0.25, 0.25, 0.25}, UncertaintyMeasure::Entropy), 1.0, 1e-12);
    EXPECT_LT(uncertaintyOf({0.9, 0.05, 0.05}, UncertaintyMeasure::Entropy), 0.5);
}

TEST(LabelingOrder, ABatchSkipsCopiesOfWhatItAlreadyTook) {
    // Images 0-3 are the same uncertain picture; 4 and 5 are other, a little less uncertain
    // pictures; 6 is certain.
    const std::vector<std::vector<double>> p = {{0.5, 0.5},   {0.5, 0.5},   {0.5, 0.5},  {0.5, 0.5},
                                                {0.55, 0.45}, {0.45, 0.55}, {0.99, 0.01}};
    const std::vector<std::vector<float>> e = {unit({1, 0, 0}), unit({1, 0, 0}), unit({1, 0, 0}),
                                               unit({1, 0, 0}), unit({0, 1, 0}), unit({0, 0, 1}),
                                               unit({1, 1, 1})};
    LabelingOrderOptions options;
    options.batch = 3;
    options.diverseBatches = 1;
    const auto order = labelingOrder(p, e, {}, options);
    ASSERT_EQ(order.size(), p.size());
    EXPECT_EQ(order[0], 0u);  // the most uncertain first
    const std::set<std::size_t> firstBatch(order.begin(), order.begin() + 3);
    EXPECT_EQ(firstBatch, (std::set<std::size_t>{0, 4, 5}));
    EXPECT_EQ(order.back(), 6u);  // the certain one last
    // Already labeled pictures count as taken: with image 0's picture labeled, an unrelated
    // image comes first.
    const auto afterLabel = labelingOrder(p, e, {unit({1, 0, 0})}, options);
    EXPECT_TRUE(afterLabel[0] == 4u || afterLabel[0] == 5u) << afterLabel[0];
}

TEST(LinearProbe, LearnsSeparableClassesAndPredictsUniformForAMissingEmbedding) {
    std::vector<std::vector<float>> x;
    std::vector<std::int64_t> y;
    for (int i = 0; i < 30; ++i) {
        const float jitter = 0.01F * static_cast<float>(i % 5);
        x.push_back(unit({1.0F + jitter, 0.1F, 0.0F}));
        y.push_back(0);
        x.push_back(unit({0.1F, 1.0F + jitter, 0.0F}));
        y.push_back(1);
    }
    auto probe = LinearProbe::fit(x, y, 2);
    ASSERT_TRUE(probe.ok()) << probe.error().message;
    const auto p = probe.value().predict({unit({1, 0.1F, 0}), unit({0.1F, 1, 0}), {}});
    EXPECT_GT(p[0][0], 0.8);
    EXPECT_GT(p[1][1], 0.8);
    EXPECT_DOUBLE_EQ(p[2][0], 0.5);
    EXPECT_FALSE(LinearProbe::fit(x, std::vector<std::int64_t>(x.size(), 5), 2).ok());
}

}  // namespace
}  // namespace fovea::core
