// The embedding map: two clusters of vectors land apart along the first axis, a vector far from
// all others is marked as an outlier, and images without an embedding keep their place.
#include "fovea/core/session/embedding_map.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <random>
#include <string>

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

// t-SNE keeps four clusters apart (the map's nearest neighbour of nearly every point is of its
// own cluster), the far point is still an outlier, and it can be cancelled.
TEST(EmbeddingMap, TsneKeepsClustersApartAndCanBeCancelled) {
    std::mt19937 random(5);
    std::vector<std::vector<float>> vectors;
    std::vector<int> cluster;
    for (int i = 0; i < 120; ++i) {
        std::vector<float> centre(16, 0.0F);
        centre[static_cast<std::size_t>(i % 4)] = 3.0F;
        vectors.push_back(around(centre, random, 0.3F));
        cluster.push_back(i % 4);
    }
    vectors.push_back({});
    std::vector<float> far(16, 0.0F);
    far[9] = 20.0F;
    vectors.push_back(far);

    auto map = tsneMap(vectors);
    ASSERT_TRUE(map.ok()) << map.error().message;
    const auto& points = map.value().points;
    ASSERT_EQ(points.size(), vectors.size());
    EXPECT_EQ(points[120], (std::array<float, 2>{0.0F, 0.0F}));
    int sameCluster = 0;
    for (std::size_t i = 0; i < 120; ++i) {
        double best = 1e30;
        std::size_t nearest = i;
        for (std::size_t j = 0; j < 120; ++j) {
            const double d = std::hypot(points[i][0] - points[j][0], points[i][1] - points[j][1]);
            if (j != i && d < best) {
                best = d;
                nearest = j;
            }
        }
        sameCluster += cluster[i] == cluster[nearest];
    }
    EXPECT_GE(sameCluster, 114);  // 95%
    EXPECT_TRUE(map.value().outliers[121]);

    std::atomic<bool> cancel{true};
    TsneOptions cancelled;
    cancelled.cancel = &cancel;
    auto stopped = tsneMap(vectors, cancelled);
    ASSERT_FALSE(stopped.ok());
    EXPECT_EQ(stopped.error().message, "cancelled");
}

TEST(EmbeddingMap, TsneRefusesMoreThanItsLimit) {
    const std::vector<std::vector<float>> many(kMaxTsnePoints + 1, std::vector<float>{1.0F});
    auto map = tsneMap(many);
    ASSERT_FALSE(map.ok());
    EXPECT_NE(map.error().message.find(std::to_string(kMaxTsnePoints)), std::string::npos);
}

}  // namespace
}  // namespace fovea::core
