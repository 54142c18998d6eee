#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "fovea/core/models/network.h"

namespace fovea::core {

struct FeatureCacheStats {
    std::int64_t hits = 0;
    std::int64_t misses = 0;
    std::size_t deviceBytes = 0;  // held in the training device's memory (a GPU's)
    std::size_t memoryBytes = 0;  // held in RAM
    std::size_t diskBytes = 0;    // spilled to the disk file
    std::size_t entries = 0;
};

// Outputs of the frozen leading blocks, per image and augmentation variant, so later epochs run
// only the trainable blocks. The first `deviceBytes` stay on `device` (on a GPU: no copies back
// and forth), the next `memoryBytes` in RAM; the rest is appended to a spill file in
// `spillFolder` (removed when the cache goes). A signature of what produced the features
// (frozen blocks and their weights, input size) clears the cache when it changes.
class FeatureCache {
  public:
    FeatureCache(std::size_t memoryBytes, std::filesystem::path spillFolder,
                 torch::Device device = torch::kCPU, std::size_t deviceBytes = 0);
    ~FeatureCache();
    FeatureCache(const FeatureCache&) = delete;
    FeatureCache& operator=(const FeatureCache&) = delete;

    // Clears everything unless `signature` is the one the cached features were made under.
    void validate(std::uint64_t signature);
    std::optional<torch::Tensor> find(std::int64_t sampleId, std::int64_t variant);
    // `features`: one sample's output, any device; stored as a copy on the cache's device while
    // its budget lasts, then in RAM, then on disk.
    void insert(std::int64_t sampleId, std::int64_t variant, const torch::Tensor& features);
    const FeatureCacheStats& stats() const { return m_stats; }

  private:
    struct SpilledEntry {
        long offset = 0;
        std::vector<std::int64_t> shape;
        c10::ScalarType type = c10::ScalarType::Float;
    };
    using Key = std::pair<std::int64_t, std::int64_t>;
    void clear();
    bool openSpillFile();

    const std::size_t m_memoryLimit;
    const torch::Device m_device;
    const std::size_t m_deviceLimit;
    const std::filesystem::path m_spillFolder;
    std::filesystem::path m_spillPath;
    std::FILE* m_spill = nullptr;
    std::optional<std::uint64_t> m_signature;
    std::map<Key, torch::Tensor> m_memory;
    std::map<Key, SpilledEntry> m_disk;
    FeatureCacheStats m_stats;
};

// A signature of the frozen prefix: its length, the bytes of its parameters and buffers, and
// the input size. Cheap next to a training epoch (one pass over the frozen weights).
std::uint64_t prefixSignature(const NetworkImpl& network, std::size_t prefixBlocks,
                              const torch::IntArrayRef inputShape);

}  // namespace fovea::core
