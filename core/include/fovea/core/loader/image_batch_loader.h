#pragma once

#include "fovea/core/libtorch_side.h"  // first: the workbench must not reach LibTorch

#include <torch/types.h>
#include <opencv2/core/mat.hpp>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "fovea/core/image/augmentation.h"
#include "fovea/core/loader/labeled_image.h"
#include "fovea/core/result.h"
#include "fovea/core/training/batch_source.h"
#include "fovea/core/training/data_shard.h"

namespace fovea::core {

class DecodedImageCache;

struct LoaderOptions {
    int batchSize = 32;
    std::uint64_t seed = 0;
    bool shuffle = true;         // a new seeded order every epoch
    bool classBalanced = false;  // draw with replacement, every class equally likely
    bool dropLast = false;       // leave out a final partial batch
    int workers = 0;             // decoding threads; 0 = one per core (at most 4)
    int prefetchBatches = 4;     // at most this many batches prepared ahead (bounds memory)
    // Decoded and resized images kept for later epochs, in bytes (0 = no cache). Bounded:
    // least recently used images are dropped first.
    std::size_t cacheBytes = 0;
    // 0: a fresh augmentation every epoch. k > 0: each image cycles through k fixed variants,
    // so features of frozen layers can be cached per variant.
    int augmentationVariants = 0;
    // In a distributed run, the part of each epoch's order this process takes.
    DataShard shard;
    // Batches in channels-last memory order (still [N, 3, H, W], channels innermost), as a
    // channels-last network takes them: written so, the trainer need not reorder each batch.
    bool channelsLast = false;
};

struct LoaderCacheStats {
    std::int64_t hits = 0;
    std::int64_t misses = 0;
    std::size_t bytes = 0;
    std::size_t images = 0;
};

// Decodes, transforms and batches images on worker threads ahead of the trainer, behind the
// BatchSource interface. Images that fail are skipped and reported through takeFailures().
// Construct, then startEpoch(); nextBatch() from one consumer thread. A batch may hold fewer
// images than batchSize (the last one, or when images failed), even none.
class ImageBatchLoader final : public BatchSource {
  public:
    ImageBatchLoader(std::vector<LabeledImage> images, Preprocessing spec,
                     AugmentationOptions augmentation, LoaderOptions options);
    ~ImageBatchLoader() override;
    ImageBatchLoader(const ImageBatchLoader&) = delete;
    ImageBatchLoader& operator=(const ImageBatchLoader&) = delete;

    std::int64_t samplesPerEpoch() const override;
    std::int64_t batchesPerEpoch() const override;
    void startEpoch(std::int64_t epoch, std::int64_t firstBatch = 0) override;
    std::optional<Batch> nextBatch() override;
    std::vector<SampleFailure> takeFailures() override;

    LoaderCacheStats cacheStats() const;
    // Batches of the current epoch prepared or being prepared but not yet taken (at most
    // prefetchBatches: what bounds the loader's memory besides the cache).
    std::int64_t batchesAhead() const;
    int workerCount() const { return static_cast<int>(m_workers.size()); }

  private:
    void workerLoop();
    Batch buildBatch(std::int64_t batchIndex, const std::vector<std::size_t>& order,
                     std::int64_t epoch);
    // Decoded (or cached), prepared and transformed pixels of one image.
    Result<cv::Mat> samplePixels(const LabeledImage& image, std::int64_t variant);
    // This process's part of the epoch's order (all of it outside a distributed run).
    std::vector<std::size_t> epochOrder(std::int64_t epoch) const;
    // The seeded order of every image, the same on every rank.
    std::vector<std::size_t> wholeEpochOrder(std::int64_t epoch) const;
    std::int64_t variantFor(std::int64_t epoch) const;

    const std::vector<LabeledImage> m_images;
    const Preprocessing m_spec;
    const AugmentationOptions m_augmentation;
    const LoaderOptions m_options;
    const bool m_pinMemory;
    std::unique_ptr<DecodedImageCache> m_cache;

    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    bool m_stopping = false;
    std::uint64_t m_generation = 0;  // bumped by startEpoch; stale work is dropped
    std::int64_t m_epoch = -1;
    std::shared_ptr<const std::vector<std::size_t>> m_order;
    std::int64_t m_nextToBuild = 0;
    std::int64_t m_nextToDeliver = 0;
    std::map<std::int64_t, Batch> m_ready;
    std::vector<SampleFailure> m_failures;
    std::set<std::int64_t> m_failedIds;  // skipped silently after their first failure
    std::vector<std::thread> m_workers;
};

// One image through the evaluation transform (resize, centre crop, normalise) as a
// [1, 3, cropSize, cropSize] tensor: exactly what the loader feeds the network in evaluation.
Result<torch::Tensor> loadEvaluationTensor(const std::filesystem::path& file,
                                           const Preprocessing& spec);

}  // namespace fovea::core
