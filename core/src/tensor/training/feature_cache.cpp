#include "feature_cache.h"

#include <unistd.h>

#include <atomic>

namespace fovea::core {
namespace {

std::uint64_t fnv1a(std::uint64_t hash, const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
        hash ^= bytes[i];
        hash *= 0x100000001B3ULL;
    }
    return hash;
}

bool inBlocks(const std::string& name, const std::vector<BlockSpec>& blocks, std::size_t count) {
    for (std::size_t b = 0; b < count && b < blocks.size(); ++b) {
        for (const auto& path : blocks[b].modulePaths) {
            if (name == path || name.rfind(path + ".", 0) == 0) return true;
        }
    }
    return false;
}

}  // namespace

std::uint64_t prefixSignature(const NetworkImpl& network, std::size_t prefixBlocks,
                              const torch::IntArrayRef inputShape) {
    std::uint64_t hash = 0xCBF29CE484222325ULL;
    hash = fnv1a(hash, &prefixBlocks, sizeof prefixBlocks);
    for (std::int64_t d : inputShape) hash = fnv1a(hash, &d, sizeof d);
    auto add = [&](const std::string& name, const torch::Tensor& t) {
        if (!inBlocks(name, network.blocks(), prefixBlocks)) return;
        hash = fnv1a(hash, name.data(), name.size());
        const torch::Tensor cpu = t.detach().to(torch::kCPU).contiguous();
        hash = fnv1a(hash, cpu.data_ptr(), cpu.nbytes());
    };
    for (const auto& item : network.named_parameters()) add(item.key(), item.value());
    for (const auto& item : network.named_buffers()) add(item.key(), item.value());
    return hash;
}

FeatureCache::FeatureCache(std::size_t memoryBytes, std::filesystem::path spillFolder,
                           torch::Device device, std::size_t deviceBytes)
    : m_memoryLimit(memoryBytes),
      m_device(device),
      m_deviceLimit(deviceBytes),
      m_spillFolder(std::move(spillFolder)) {}

FeatureCache::~FeatureCache() { clear(); }

void FeatureCache::clear() {
    m_memory.clear();
    m_disk.clear();
    if (m_spill) {
        std::fclose(m_spill);
        m_spill = nullptr;
        std::error_code ignored;
        std::filesystem::remove(m_spillPath, ignored);
    }
    const auto hits = m_stats.hits;
    const auto misses = m_stats.misses;
    m_stats = FeatureCacheStats{};
    m_stats.hits = hits;
    m_stats.misses = misses;
}

void FeatureCache::validate(std::uint64_t signature) {
    if (m_signature && *m_signature == signature) return;
    clear();
    m_signature = signature;
}

bool FeatureCache::openSpillFile() {
    if (m_spill) return true;
    static std::atomic<unsigned> counter{0};
    std::error_code error;
    std::filesystem::create_directories(m_spillFolder, error);
    m_spillPath = m_spillFolder / ("features-" + std::to_string(::getpid()) + "-" +
                                   std::to_string(counter++) + ".bin");
    m_spill = std::fopen(m_spillPath.c_str(), "w+b");
    return m_spill != nullptr;
}

std::optional<torch::Tensor> FeatureCache::find(std::int64_t sampleId, std::int64_t variant) {
    const Key key{sampleId, variant};
    if (const auto it = m_memory.find(key); it != m_memory.end()) {
        ++m_stats.hits;
        return it->second;
    }
    if (const auto it = m_disk.find(key); it != m_disk.end() && m_spill) {
        torch::Tensor tensor = torch::empty(it->second.shape, torch::dtype(it->second.type));
        if (std::fseek(m_spill, it->second.offset, SEEK_SET) == 0 &&
            std::fread(tensor.data_ptr(), 1, tensor.nbytes(), m_spill) == tensor.nbytes()) {
            ++m_stats.hits;
            return tensor;
        }
    }
    ++m_stats.misses;
    return std::nullopt;
}

void FeatureCache::insert(std::int64_t sampleId, std::int64_t variant,
                          const torch::Tensor& features) {
    const Key key{sampleId, variant};
    if (m_memory.count(key) != 0 || m_disk.count(key) != 0) return;
    // A copy, so a cached sample does not keep its whole batch's storage alive.
    const std::size_t bytes = features.nbytes();
    if (m_stats.deviceBytes + bytes <= m_deviceLimit) {
        m_memory.emplace(key, features.detach().to(m_device).contiguous().clone());
        m_stats.deviceBytes += bytes;
        m_stats.entries = m_memory.size() + m_disk.size();
        return;
    }
    torch::Tensor copy = features.detach().to(torch::kCPU).contiguous().clone();
    if (m_stats.memoryBytes + bytes <= m_memoryLimit) {
        m_memory.emplace(key, std::move(copy));
        m_stats.memoryBytes += bytes;
    } else {
        // Spill: append to the file. Failing to spill only costs recomputation later.
        if (!openSpillFile() || std::fseek(m_spill, 0, SEEK_END) != 0) return;
        const long offset = std::ftell(m_spill);
        if (offset < 0 || std::fwrite(copy.data_ptr(), 1, bytes, m_spill) != bytes) return;
        m_disk.emplace(key, SpilledEntry{offset, copy.sizes().vec(), copy.scalar_type()});
        m_stats.diskBytes += bytes;
    }
    m_stats.entries = m_memory.size() + m_disk.size();
}

}  // namespace fovea::core
