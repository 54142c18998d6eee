#include "fovea/core/loader/image_batch_loader.h"

#include <torch/cuda.h>
#include <torch/torch.h>

#include <algorithm>
#include <map>

#include "decoded_image_cache.h"
#include "fovea/core/random.h"
#include "fovea/core/threads.h"
#include "image_pipeline.h"

namespace fovea::core {
namespace {

// Distinct streams for the epoch order, class-balanced draws and per-image augmentation.
constexpr std::uint64_t kOrderStream = 1;
constexpr std::uint64_t kBalancedStream = 2;
constexpr std::uint64_t kAugmentStream = 3;

int workerCountFor(const LoaderOptions& options) {
    if (options.workers > 0) return options.workers;
    return std::clamp(availableCores(), 1, 4);
}

}  // namespace

ImageBatchLoader::ImageBatchLoader(std::vector<LabeledImage> images, Preprocessing spec,
                                   AugmentationOptions augmentation, LoaderOptions options)
    : m_images(std::move(images)),
      m_spec(spec),
      m_augmentation(augmentation),
      m_options([&] {
          options.batchSize = std::max(1, options.batchSize);
          options.prefetchBatches = std::max(1, options.prefetchBatches);
          return options;
      }()),
      m_pinMemory(torch::cuda::is_available()) {
    if (m_options.cacheBytes > 0)
        m_cache = std::make_unique<DecodedImageCache>(m_options.cacheBytes);
    const int workers = workerCountFor(m_options);
    for (int i = 0; i < workers; ++i) m_workers.emplace_back([this] { workerLoop(); });
}

ImageBatchLoader::~ImageBatchLoader() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_changed.notify_all();
    for (auto& worker : m_workers) worker.join();
}

std::int64_t ImageBatchLoader::samplesPerEpoch() const {
    return static_cast<std::int64_t>(shardSize(m_images.size(), m_options.shard));
}

std::int64_t ImageBatchLoader::batchesPerEpoch() const {
    const std::int64_t samples = samplesPerEpoch();
    const std::int64_t size = m_options.batchSize;
    return m_options.dropLast ? samples / size : (samples + size - 1) / size;
}

std::vector<std::size_t> ImageBatchLoader::epochOrder(std::int64_t epoch) const {
    return shardOf(wholeEpochOrder(epoch), m_options.shard);
}

std::vector<std::size_t> ImageBatchLoader::wholeEpochOrder(std::int64_t epoch) const {
    const std::size_t count = m_images.size();
    std::vector<std::size_t> order;
    order.reserve(count);
    if (m_options.classBalanced && count > 0) {
        // Every class equally likely, then an image of that class: weights 1 / class count.
        std::map<std::int64_t, std::vector<std::size_t>> byClass;
        for (std::size_t i = 0; i < count; ++i) byClass[m_images[i].target].push_back(i);
        std::vector<const std::vector<std::size_t>*> classes;
        for (const auto& entry : byClass) classes.push_back(&entry.second);
        Rng rng(mixSeed({m_options.seed, static_cast<std::uint64_t>(epoch), kBalancedStream}));
        for (std::size_t i = 0; i < count; ++i) {
            const auto& members = *classes[rng.below(classes.size())];
            order.push_back(members[rng.below(members.size())]);
        }
        return order;
    }
    for (std::size_t i = 0; i < count; ++i) order.push_back(i);
    if (m_options.shuffle) {
        Rng rng(mixSeed({m_options.seed, static_cast<std::uint64_t>(epoch), kOrderStream}));
        rng.shuffle(order);
    }
    return order;
}

std::int64_t ImageBatchLoader::variantFor(std::int64_t epoch) const {
    if (!m_augmentation.any()) return 0;
    const int variants = m_options.augmentationVariants;
    return 1 + (variants > 0 ? epoch % variants : epoch);
}

void ImageBatchLoader::startEpoch(std::int64_t epoch, std::int64_t firstBatch) {
    auto order = std::make_shared<const std::vector<std::size_t>>(epochOrder(epoch));
    {
        std::lock_guard lock(m_mutex);
        ++m_generation;
        m_epoch = epoch;
        m_order = std::move(order);
        m_ready.clear();
        m_nextToBuild = std::clamp<std::int64_t>(firstBatch, 0, batchesPerEpoch());
        m_nextToDeliver = m_nextToBuild;
    }
    m_changed.notify_all();
}

std::optional<Batch> ImageBatchLoader::nextBatch() {
    std::unique_lock lock(m_mutex);
    if (!m_order || m_nextToDeliver >= batchesPerEpoch()) return std::nullopt;
    const std::int64_t wanted = m_nextToDeliver;
    m_changed.wait(lock, [&] { return m_ready.count(wanted) != 0; });
    Batch batch = std::move(m_ready[wanted]);
    m_ready.erase(wanted);
    ++m_nextToDeliver;
    lock.unlock();
    m_changed.notify_all();  // a prefetch slot is free
    return batch;
}

std::vector<SampleFailure> ImageBatchLoader::takeFailures() {
    std::lock_guard lock(m_mutex);
    return std::exchange(m_failures, {});
}

LoaderCacheStats ImageBatchLoader::cacheStats() const {
    return m_cache ? m_cache->stats() : LoaderCacheStats{};
}

std::int64_t ImageBatchLoader::batchesAhead() const {
    std::lock_guard lock(m_mutex);
    return m_nextToBuild - m_nextToDeliver;
}

void ImageBatchLoader::workerLoop() {
    std::unique_lock lock(m_mutex);
    for (;;) {
        m_changed.wait(lock, [&] {
            return m_stopping || (m_order && m_nextToBuild < batchesPerEpoch() &&
                                  m_nextToBuild < m_nextToDeliver + m_options.prefetchBatches);
        });
        if (m_stopping) return;
        const std::int64_t batchIndex = m_nextToBuild++;
        const std::uint64_t generation = m_generation;
        const auto order = m_order;
        const std::int64_t epoch = m_epoch;
        lock.unlock();
        Batch batch = buildBatch(batchIndex, *order, epoch);
        lock.lock();
        if (generation == m_generation) {
            m_ready.emplace(batchIndex, std::move(batch));
            m_changed.notify_all();
        }
    }
}

Batch ImageBatchLoader::buildBatch(std::int64_t batchIndex, const std::vector<std::size_t>& order,
                                   std::int64_t epoch) {
    const std::size_t begin = static_cast<std::size_t>(batchIndex) * m_options.batchSize;
    const std::size_t end = std::min(order.size(), begin + m_options.batchSize);
    const int size = m_spec.cropSize;
    const std::int64_t variant = variantFor(epoch);

    auto options = torch::TensorOptions().dtype(torch::kFloat32).pinned_memory(m_pinMemory);
    const bool channelsLast = m_options.channelsLast;
    torch::Tensor images = torch::empty(
        {static_cast<std::int64_t>(end - begin), 3, size, size}, options,
        channelsLast ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous);
    std::vector<std::int64_t> targets;
    Batch batch;
    float* out = images.data_ptr<float>();
    const std::size_t sampleFloats = 3 * static_cast<std::size_t>(size) * size;

    for (std::size_t position = begin; position < end; ++position) {
        const LabeledImage& image = m_images[order[position]];
        {
            std::lock_guard lock(m_mutex);
            if (m_failedIds.count(image.id) != 0) continue;
        }
        auto pixels = samplePixels(image, variant);
        if (!pixels) {
            std::lock_guard lock(m_mutex);
            if (m_failedIds.insert(image.id).second) {
                m_failures.push_back({image.id, pixels.error().message});
            }
            continue;
        }
        float* sample = out + targets.size() * sampleFloats;
        if (channelsLast) {
            writeNormalizedHwc(pixels.value(), m_spec, sample);
        } else {
            writeNormalizedChw(pixels.value(), m_spec, sample);
        }
        targets.push_back(image.target);
        batch.sampleIds.push_back(image.id);
        batch.variants.push_back(variant);
    }
    const auto kept = static_cast<std::int64_t>(targets.size());
    batch.images = kept == images.size(0) ? images : images.narrow(0, 0, kept);
    batch.targets = torch::tensor(targets, torch::kInt64);
    return batch;
}

Result<cv::Mat> ImageBatchLoader::samplePixels(const LabeledImage& image, std::int64_t variant) {
    try {
        std::optional<cv::Mat> prepared = m_cache ? m_cache->find(image.id) : std::nullopt;
        if (!prepared) {
            auto loaded = loadPrepared(image.path, m_spec);
            if (!loaded) return loaded.error();
            prepared = std::move(loaded).value();
            if (m_cache) m_cache->insert(image.id, *prepared);
        }
        if (variant == 0) return evaluationCrop(*prepared, m_spec);
        Rng rng(mixSeed({m_options.seed, static_cast<std::uint64_t>(image.id),
                         static_cast<std::uint64_t>(variant), kAugmentStream}));
        return augment(*prepared, m_spec, m_augmentation, rng);
    } catch (const std::exception& e) {  // cv::Exception, std::bad_alloc: this image only
        return Error{image.path.string() + ": cannot prepare the image: " + e.what()};
    }
}

Result<torch::Tensor> loadEvaluationTensor(const std::filesystem::path& file,
                                           const Preprocessing& spec) {
    auto prepared = loadPrepared(file, spec);
    if (!prepared) return prepared.error();
    const cv::Mat pixels = evaluationCrop(prepared.value(), spec);
    torch::Tensor tensor = torch::empty({1, 3, spec.cropSize, spec.cropSize}, torch::kFloat32);
    writeNormalizedChw(pixels, spec, tensor.data_ptr<float>());
    return tensor;
}

}  // namespace fovea::core
