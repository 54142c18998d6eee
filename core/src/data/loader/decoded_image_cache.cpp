#include "decoded_image_cache.h"

namespace fovea::core {

std::optional<cv::Mat> DecodedImageCache::find(std::int64_t id) {
    std::lock_guard lock(m_mutex);
    const auto it = m_entries.find(id);
    if (it == m_entries.end()) {
        ++m_stats.misses;
        return std::nullopt;
    }
    ++m_stats.hits;
    m_recency.splice(m_recency.begin(), m_recency, it->second.recency);
    return it->second.image;
}

void DecodedImageCache::insert(std::int64_t id, const cv::Mat& image) {
    const std::size_t bytes = bytesOf(image);
    if (bytes > m_capacity) return;
    std::lock_guard lock(m_mutex);
    if (m_entries.count(id) != 0) return;  // another worker decoded it at the same time
    while (m_stats.bytes + bytes > m_capacity && !m_recency.empty()) {
        const std::int64_t oldest = m_recency.back();
        m_recency.pop_back();
        m_stats.bytes -= bytesOf(m_entries[oldest].image);
        m_entries.erase(oldest);
    }
    m_recency.push_front(id);
    m_entries[id] = Entry{image, m_recency.begin()};
    m_stats.bytes += bytes;
    m_stats.images = m_entries.size();
}

LoaderCacheStats DecodedImageCache::stats() const {
    std::lock_guard lock(m_mutex);
    LoaderCacheStats stats = m_stats;
    stats.images = m_entries.size();
    return stats;
}

}  // namespace fovea::core
