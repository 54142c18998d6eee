// The embedding map: two clusters of vectors land apart along the first axis, a vector far from
// all others is marked as an outlier, and images without an embedding keep their place.
#include "fovea/core/session/embedding_map.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace fovea::core {
namespace {

std::vector<float> around(const std::vector<float>& centre, std::mt19937& random, float spread) {
    std::normal_distribution<float> noise(0.0F, spread);
    std::vector<float> vector = centre;
    for (float& value : vector) value += noise(random);
    return vector;
}

TEST(EmbeddingMap, SeparatesClustersAndMarksTheLoneOutlier) {
    std::mt19937 random(3);
    const std::vector<float> a(16, 0.0F);
    std::vector<float> b(16, 0.0F);
    b[0] = 4.0F;
    b[1] = 4.0F;
    std::vector<std::vector<float>> vectors;
    for (int i = 0; i < 40; ++i) vectors.push_back(around(i % 2 ? b : a, random, 0.1F));
    vectors.push_back({});  // an image that could not be embedded
    std::vector<float> far(16, 0.0F);
    far[5] = 12.0F;
    vectors.push_back(far);

    auto map = principalComponentMap(vectors);
    ASSERT_TRUE(map.ok()) << map.error().message;
    ASSERT_EQ(map.value().points.size(), vectors.size());
    // The two clusters are apart in the map (their centres are 5.7 apart, each spread 0.1).
    const auto& p0 = map.value().points[0];
    const auto& p1 = map.value().points[1];
    EXPECT_GT(std::hypot(p0[0] - p1[0], p0[1] - p1[1]), 3.0);
    EXPECT_EQ(map.value().points[40], (std::array<float, 2>{0.0F, 0.0F}));
    for (std::size_t i = 0; i < vectors.size(); ++i) {
        EXPECT_EQ(map.value().outliers[i], i == 41) << i;
    }
}

TEST(EmbeddingMap, NeedsThreeVectorsOfOneLength) {
    EXPECT_FALSE(principalComponentMap({{1.0F}, {2.0F}}).ok());
    EXPECT_FALSE(principalComponentMap({{1.0F}, {2.0F}, {1.0F, 2.0F}}).ok());
}

}  // namespace
}  // namespace fovea::core
