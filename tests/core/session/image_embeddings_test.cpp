// Embeddings at a chosen depth of the offline backbone: the blocks that kept their ImageNet
// values give narrower vectors than the whole backbone, in a cache file of their own that a
// second call reads instead of running the network. Compiled without LibTorch, as the
// workbench includes the header.
#include "fovea/core/session/image_embeddings.h"

#include <gtest/gtest.h>

#include <cmath>

#include "fovea/core/project/fashion_mnist.h"
#include "fovea/core/session/prediction.h"
#include "fovea/core/session/trained_model.h"
#include "temp_folder.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

double norm(const std::vector<float>& vector) {
    double sum = 0;
    for (float value : vector) sum += static_cast<double>(value) * value;
    return std::sqrt(sum);
}

TEST(ImageEmbeddings, TheOfflineWeightsEmbedWithTheirImageNetBlocksInACacheOfTheirOwn) {
    test::TempFolder folder("fovea-embeddings");
    FashionMnistFolderOptions options;
    options.classes = {0, 1};
    options.imagesPerClass = 3;
    auto written = writeFashionMnistFolder(folder.path() / "data", options);
    ASSERT_TRUE(written.ok()) << written.error().message;
    std::vector<fs::path> files;
    for (const auto& file : written.value()) files.push_back(file.path);

    auto model = loadPretrainedModel("mobilenet_v2_keras", "default");
    ASSERT_TRUE(model.ok()) << model.error().message;
    NetworkImpl& network = *model.value().network;
    const std::size_t blocks = generalFeatureBlocks(network, "default");
    EXPECT_GT(blocks, 0u);
    EXPECT_EQ(generalFeatureBlocks(network, "none"), 0u);  // random weights: nothing general

    const fs::path cacheFolder = folder.path() / "cache";
    const fs::path cache = embeddingCacheFile(cacheFolder, network, "default", blocks);
    EXPECT_NE(cache, embeddingCacheFile(cacheFolder, network, "default"));
    auto general = embedImages(network, files, cache, {}, {}, nullptr, blocks);
    ASSERT_TRUE(general.ok()) << general.error().message;
    auto whole = embedImages(network, files, {});
    ASSERT_TRUE(whole.ok()) << whole.error().message;
    ASSERT_EQ(general.value().vectors.size(), files.size());
    EXPECT_EQ(general.value().computed, static_cast<std::int64_t>(files.size()));
    const std::size_t width = general.value().vectors[0].size();
    EXPECT_GT(width, 0u);
    EXPECT_LT(width, whole.value().vectors[0].size());
    for (const auto& vector : general.value().vectors) {
        EXPECT_EQ(vector.size(), width);
        EXPECT_NEAR(norm(vector), 1.0, 1e-4);
    }

    // Again: every vector from the cache, the same values.
    auto again = embedImages(network, files, cache, {}, {}, nullptr, blocks);
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(again.value().computed, 0);
    EXPECT_EQ(again.value().fromCache, static_cast<std::int64_t>(files.size()));
    EXPECT_EQ(again.value().vectors, general.value().vectors);
}

}  // namespace
}  // namespace fovea::core
