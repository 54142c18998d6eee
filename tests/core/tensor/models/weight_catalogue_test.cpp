#include "fovea/core/models/weight_catalogue.h"

#include <gtest/gtest.h>

#include <regex>

#include "fovea/core/models/zoo.h"

namespace fovea::core {
namespace {

TEST(WeightCatalogue, EveryArchitectureHasPretrainedWeights) {
    for (const auto& architecture : architectures()) {
        const auto sources = weightSourcesFor(architecture.name);
        ASSERT_FALSE(sources.empty()) << architecture.name;
        // The recommended weights expect the architecture's own input size.
        EXPECT_EQ(sources.front().preprocessing.cropSize, architecture.preprocessing.cropSize)
            << architecture.name;
    }
}

TEST(WeightCatalogue, EntriesAreConsistent) {
    // torchvision's file names carry the first hex digits of the file's SHA-256.
    const std::regex fileName(
        R"(^https://download\.pytorch\.org/models/[a-z0-9_]+-([0-9a-f]{8,})\.pth$)");
    for (const auto& source : weightCatalogue()) {
        EXPECT_NE(findArchitecture(source.architecture), nullptr) << source.architecture;
        EXPECT_FALSE(source.origin.empty());
        EXPECT_GE(source.preprocessing.resizeShorterSide, source.preprocessing.cropSize);
        if (source.url.empty()) {
            // Only the offline defaults converted from nsfwjs have no download URL.
            EXPECT_TRUE(source.architecture == "mobilenet_v2_keras" ||
                        source.architecture == "inception_v3_keras")
                << source.architecture;
            EXPECT_EQ(source.name, "NSFWJS_OFFLINE");
            continue;
        }
        std::smatch match;
        ASSERT_TRUE(std::regex_match(source.url, match, fileName)) << source.url;
        EXPECT_EQ(match[1].str(), source.sha256) << source.url;
        EXPECT_EQ(source.numClasses, 1000);
        EXPECT_GT(source.imagenetTop1, 60.0);
    }
}

}  // namespace
}  // namespace fovea::core
