// The batch loader on real image files: ordering, determinism across thread counts, resume,
// class balancing, augmentation variants, the decoded-image cache, bounded prefetch, and images
// that cannot be read. Normalisation is checked against torchvision.
#include <gtest/gtest.h>

#include <torch/torch.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "cuda_test.h"
#include "fovea/core/loader/image_batch_loader.h"
#include "fovea/core/models/network.h"
#include "run_process.h"
#include "temp_folder.h"

namespace fs = std::filesystem;
using namespace fovea::core;

namespace {

class LoaderTest : public ::testing::Test {
  protected:
    // `count` PNGs of varied sizes and colours; image i belongs to class i % classes unless
    // `targets` says otherwise.
    std::vector<LabeledImage> writeImages(int count, int classes) {
        std::vector<LabeledImage> images;
        cv::RNG random(12345);
        for (int i = 0; i < count; ++i) {
            const int width = 40 + (i * 7) % 50;
            const int height = 36 + (i * 11) % 40;
            cv::Mat bgr(height, width, CV_8UC3);
            random.fill(bgr, cv::RNG::UNIFORM, 0, 256);
            cv::rectangle(bgr, {0, 0, width / 2, height / 2}, cv::Scalar(i * 13 % 256, 40, 200),
                          cv::FILLED);
            const fs::path file = m_folder / ("image " + std::to_string(i) + ".png");
            EXPECT_TRUE(cv::imwrite(file.string(), bgr));
            images.push_back({1000 + i, file, i % classes});
        }
        return images;
    }

    static Preprocessing smallSpec() {
        Preprocessing spec;
        spec.resizeShorterSide = 36;
        spec.cropSize = 32;
        return spec;
    }

    // Every batch of one epoch.
    static std::vector<Batch> epoch(ImageBatchLoader& loader, std::int64_t index,
                                    std::int64_t firstBatch = 0) {
        loader.startEpoch(index, firstBatch);
        std::vector<Batch> batches;
        while (auto batch = loader.nextBatch()) batches.push_back(std::move(*batch));
        return batches;
    }

    static std::vector<std::int64_t> ids(const std::vector<Batch>& batches) {
        std::vector<std::int64_t> all;
        for (const auto& b : batches) all.insert(all.end(), b.sampleIds.begin(), b.sampleIds.end());
        return all;
    }

    static bool sameBatches(const std::vector<Batch>& a, const std::vector<Batch>& b) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (a[i].sampleIds != b[i].sampleIds || !torch::equal(a[i].images, b[i].images) ||
                !torch::equal(a[i].targets, b[i].targets)) {
                return false;
            }
        }
        return true;
    }

    fovea::test::TempFolder m_folder{"fovea-loader"};
};

TEST_F(LoaderTest, EveryImageOncePerEpochInASeededOrderThatChangesEachEpoch) {
    auto images = writeImages(23, 3);
    LoaderOptions options;
    options.batchSize = 5;
    options.seed = 9;
    ImageBatchLoader loader(images, smallSpec(), {}, options);
    EXPECT_EQ(loader.batchesPerEpoch(), 5);
    const auto first = epoch(loader, 0);
    ASSERT_EQ(first.size(), 5u);
    EXPECT_EQ(first.back().images.size(0), 3);
    EXPECT_EQ(first[0].images.sizes(), (torch::IntArrayRef{5, 3, 32, 32}));
    EXPECT_EQ(first[0].images.dtype(), torch::kFloat32);
    const auto order0 = ids(first);
    EXPECT_EQ(std::set<std::int64_t>(order0.begin(), order0.end()).size(), 23u);
    for (const auto& batch : first) {
        for (std::size_t i = 0; i < batch.sampleIds.size(); ++i) {
            EXPECT_EQ(batch.targets[i].item<std::int64_t>(), (batch.sampleIds[i] - 1000) % 3);
        }
    }
    const auto order1 = ids(epoch(loader, 1));
    EXPECT_NE(order0, order1);
    EXPECT_EQ(order0, ids(epoch(loader, 0)));  // epoch 0 again: same order
}

// Distributed runs: each rank's loader takes its shard of the same seeded order, so that the
// ranks' batches b together are the single process's batch b at twice the size.
TEST_F(LoaderTest, RanksTakeInterleavedShardsOfTheSameSeededOrder) {
    auto images = writeImages(22, 3);
    LoaderOptions whole;
    whole.batchSize = 6;
    whole.seed = 4;
    ImageBatchLoader single(images, smallSpec(), {}, whole);
    const auto order = ids(epoch(single, 3));
    std::vector<std::vector<std::int64_t>> shards;
    for (int rank = 0; rank < 2; ++rank) {
        LoaderOptions options = whole;
        options.batchSize = 3;
        options.shard = {rank, 2, true};
        ImageBatchLoader loader(images, smallSpec(), {}, options);
        EXPECT_EQ(loader.samplesPerEpoch(), 11);
        EXPECT_EQ(loader.batchesPerEpoch(), 4);
        shards.push_back(ids(epoch(loader, 3)));
    }
    ASSERT_EQ(shards[0].size(), 11u);
    ASSERT_EQ(shards[1].size(), 11u);
    for (std::size_t i = 0; i < order.size(); ++i) EXPECT_EQ(shards[i % 2][i / 2], order[i]) << i;

    // Validation shards (no padding) split 7 images into 3 + 2 + 2, each image once.
    std::vector<std::int64_t> validated;
    for (int rank = 0; rank < 3; ++rank) {
        LoaderOptions options = whole;
        options.shuffle = false;
        options.shard = {rank, 3, false};
        ImageBatchLoader loader({images.begin(), images.begin() + 7}, smallSpec(), {}, options);
        EXPECT_EQ(loader.samplesPerEpoch(), rank == 0 ? 3 : 2);
        const auto mine = ids(epoch(loader, 0));
        validated.insert(validated.end(), mine.begin(), mine.end());
    }
    std::sort(validated.begin(), validated.end());
    EXPECT_EQ(validated, (std::vector<std::int64_t>{1000, 1001, 1002, 1003, 1004, 1005, 1006}));
}

TEST_F(LoaderTest, BatchesDoNotDependOnTheNumberOfWorkers) {
    auto images = writeImages(20, 2);
    LoaderOptions one;
    one.batchSize = 4;
    one.seed = 3;
    one.workers = 1;
    LoaderOptions three = one;
    three.workers = 3;
    const auto strong = augmentationPreset(AugmentationLevel::Strong);
    ImageBatchLoader a(images, smallSpec(), strong, one);
    ImageBatchLoader b(images, smallSpec(), strong, three);
    EXPECT_EQ(b.workerCount(), 3);
    EXPECT_TRUE(sameBatches(epoch(a, 2), epoch(b, 2)));
}

TEST_F(LoaderTest, ChannelsLastBatchesHoldTheSameValues) {
    auto images = writeImages(10, 2);
    LoaderOptions planar;
    planar.batchSize = 4;
    planar.seed = 5;
    LoaderOptions interleaved = planar;
    interleaved.channelsLast = true;
    const auto strong = augmentationPreset(AugmentationLevel::Strong);
    ImageBatchLoader a(images, smallSpec(), strong, planar);
    ImageBatchLoader b(images, smallSpec(), strong, interleaved);
    const auto written = epoch(b, 1);
    EXPECT_TRUE(sameBatches(epoch(a, 1), written));
    for (const Batch& batch : written) {
        EXPECT_TRUE(batch.images.is_contiguous(torch::MemoryFormat::ChannelsLast));
        EXPECT_FALSE(batch.images.is_contiguous());
    }
    EXPECT_EQ(written.back().images.size(0), 2);  // the last, partial batch too
}

TEST_F(LoaderTest, ResumingMidEpochGivesTheRemainingBatches) {
    auto images = writeImages(17, 2);
    LoaderOptions options;
    options.batchSize = 4;
    options.seed = 5;
    ImageBatchLoader loader(images, smallSpec(), augmentationPreset(AugmentationLevel::Light),
                            options);
    const auto whole = epoch(loader, 4);
    const auto tail = epoch(loader, 4, 2);
    ASSERT_EQ(tail.size(), whole.size() - 2);
    EXPECT_TRUE(sameBatches(std::vector<Batch>(whole.begin() + 2, whole.end()), tail));
}

TEST_F(LoaderTest, AugmentationVariantsRepeatWithTheirPeriod) {
    auto images = writeImages(6, 2);
    LoaderOptions options;
    options.batchSize = 6;
    options.shuffle = false;
    options.augmentationVariants = 2;
    ImageBatchLoader loader(images, smallSpec(), augmentationPreset(AugmentationLevel::Strong),
                            options);
    const auto e0 = epoch(loader, 0);
    const auto e1 = epoch(loader, 1);
    const auto e2 = epoch(loader, 2);
    EXPECT_EQ(e0[0].variants[0], 1);
    EXPECT_EQ(e1[0].variants[0], 2);
    EXPECT_TRUE(sameBatches(e0, e2));
    EXPECT_FALSE(torch::equal(e0[0].images, e1[0].images));
}

TEST_F(LoaderTest, WithoutAugmentationEveryBatchIsTheEvaluationTransform) {
    auto images = writeImages(5, 2);
    LoaderOptions options;
    options.batchSize = 5;
    options.shuffle = false;
    ImageBatchLoader loader(images, smallSpec(), {}, options);
    const auto batches = epoch(loader, 0);
    for (std::size_t i = 0; i < images.size(); ++i) {
        auto single = loadEvaluationTensor(images[i].path, smallSpec());
        ASSERT_TRUE(single.ok()) << single.error().message;
        EXPECT_TRUE(torch::equal(batches[0].images[i], single.value()[0]));
        EXPECT_EQ(batches[0].variants[i], 0);
    }
}

TEST_F(LoaderTest, ClassBalancedSamplingEvensOutARareClass) {
    // 45 images of class 0, 5 of class 1.
    auto images = writeImages(50, 1);
    for (int i = 45; i < 50; ++i) images[i].target = 1;
    LoaderOptions options;
    options.batchSize = 10;
    options.classBalanced = true;
    options.seed = 1;
    ImageBatchLoader loader(images, smallSpec(), {}, options);
    std::map<std::int64_t, int> perClass;
    for (int e = 0; e < 6; ++e) {
        for (const auto& batch : epoch(loader, e)) {
            for (int i = 0; i < batch.targets.size(0); ++i) {
                ++perClass[batch.targets[i].item<std::int64_t>()];
            }
        }
    }
    EXPECT_EQ(perClass[0] + perClass[1], 300);
    EXPECT_NEAR(perClass[1] / 300.0, 0.5, 0.08);  // unbalanced would be 0.1
}

TEST_F(LoaderTest, UnreadableImagesAreSkippedAndReportedOnceByName) {
    auto images = writeImages(8, 2);
    const fs::path empty = m_folder / "empty.png";
    std::ofstream(empty).close();
    const fs::path text = m_folder / "notes.jpg";
    std::ofstream(text) << "not an image at all";
    images.push_back({1, empty, 0});
    images.push_back({2, text, 1});
    LoaderOptions options;
    options.batchSize = 4;
    ImageBatchLoader loader(images, smallSpec(), {}, options);
    EXPECT_EQ(ids(epoch(loader, 0)).size(), 8u);
    auto failures = loader.takeFailures();
    ASSERT_EQ(failures.size(), 2u);
    std::map<std::int64_t, std::string> byId;
    for (const auto& f : failures) byId[f.sampleId] = f.message;
    EXPECT_NE(byId[1].find("empty.png"), std::string::npos) << byId[1];
    EXPECT_NE(byId[2].find("notes.jpg"), std::string::npos) << byId[2];
    EXPECT_EQ(ids(epoch(loader, 1)).size(), 8u);
    EXPECT_TRUE(loader.takeFailures().empty());
}

TEST_F(LoaderTest, CacheServesLaterEpochsAndStaysWithinItsBudget) {
    auto images = writeImages(12, 2);
    LoaderOptions options;
    options.batchSize = 4;
    options.cacheBytes = 64 << 20;
    ImageBatchLoader cached(images, smallSpec(), augmentationPreset(AugmentationLevel::Light),
                            options);
    LoaderOptions uncachedOptions = options;
    uncachedOptions.cacheBytes = 0;
    ImageBatchLoader uncached(images, smallSpec(), augmentationPreset(AugmentationLevel::Light),
                              uncachedOptions);
    EXPECT_TRUE(sameBatches(epoch(cached, 0), epoch(uncached, 0)));
    EXPECT_EQ(cached.cacheStats().misses, 12);
    EXPECT_TRUE(sameBatches(epoch(cached, 1), epoch(uncached, 1)));
    EXPECT_EQ(cached.cacheStats().hits, 12);
    EXPECT_EQ(cached.cacheStats().misses, 12);

    // Room for about three prepared images (each at most 36x56x3 bytes here).
    LoaderOptions tiny = options;
    tiny.cacheBytes = 3 * 36 * 56 * 3;
    ImageBatchLoader small(images, smallSpec(), {}, tiny);
    epoch(small, 0);
    EXPECT_LE(small.cacheStats().bytes, tiny.cacheBytes);
    EXPECT_GE(small.cacheStats().images, 1u);
    EXPECT_LE(small.cacheStats().images, 5u);
}

TEST_F(LoaderTest, PrefetchIsBoundedWhileTheConsumerWaits) {
    auto images = writeImages(40, 2);
    LoaderOptions options;
    options.batchSize = 2;
    options.prefetchBatches = 3;
    options.workers = 2;
    ImageBatchLoader loader(images, smallSpec(), {}, options);
    loader.startEpoch(0);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(loader.batchesAhead(), 3);
    ASSERT_TRUE(loader.nextBatch().has_value());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(loader.batchesAhead(), 3);
}

TEST_F(LoaderTest, BatchesArePinnedWhenCudaIsPresent) {
    FOVEA_SKIP_WITHOUT_CUDA();
    auto images = writeImages(4, 2);
    ImageBatchLoader loader(images, smallSpec(), {}, {});
    EXPECT_TRUE(epoch(loader, 0)[0].images.is_pinned());
}

TEST_F(LoaderTest, NormalisationMatchesTorchvisionToTensorAndNormalize) {
    // A 32x32 image with resize 32 and crop 32: no resampling, only ToTensor + Normalize.
    cv::Mat bgr(32, 32, CV_8UC3);
    cv::randu(bgr, 0, 256);
    const fs::path file = m_folder / "plain.png";
    ASSERT_TRUE(cv::imwrite(file.string(), bgr));
    const Preprocessing spec = imagenetPreprocessing(32, 32);
    auto ours = loadEvaluationTensor(file, spec);
    ASSERT_TRUE(ours.ok()) << ours.error().message;

    std::ofstream(m_folder / "spec.json") << R"([{"name": "normalized", "op": "normalize",
        "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}])";
    const auto result = fovea::test::runProcess(
        "/usr/bin/python3",
        {fovea::test::foveaSourceDir() + "/tests/core/data/transforms/torchvision_transforms.py",
         file.string(), (m_folder / "spec.json").string(), m_folder.path().string()},
        {}, true);
    ASSERT_EQ(result.exitCode, 0) << result.output;
    std::ifstream in(m_folder / "normalized.f32", std::ios::binary);
    std::vector<float> reference(3 * 32 * 32);
    in.read(reinterpret_cast<char*>(reference.data()), reference.size() * sizeof(float));
    ASSERT_TRUE(in);
    const torch::Tensor expected = torch::from_blob(reference.data(), {1, 3, 32, 32}).clone();
    EXPECT_LT((ours.value() - expected).abs().max().item<float>(), 1e-6f);
}

TEST(LoadEvaluationTensor, NamesTheFileThatCannotBeRead) {
    const auto result = loadEvaluationTensor("/nonexistent/folder/cat.jpg", Preprocessing{});
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message.find("cat.jpg"), std::string::npos);
}

}  // namespace
