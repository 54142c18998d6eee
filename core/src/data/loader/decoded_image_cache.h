#pragma once

#include <opencv2/core/mat.hpp>

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "fovea/core/loader/image_batch_loader.h"

namespace fovea::core {

// Decoded and resized images by image id, bounded in bytes, least recently used dropped first.
// Thread-safe; the images are shared (cv::Mat reference counts), never modified.
class DecodedImageCache {
  public:
    explicit DecodedImageCache(std::size_t capacityBytes) : m_capacity(capacityBytes) {}

    std::optional<cv::Mat> find(std::int64_t id);
    void insert(std::int64_t id, const cv::Mat& image);
    LoaderCacheStats stats() const;

  private:
    struct Entry {
        cv::Mat image;
        std::list<std::int64_t>::iterator recency;
    };
    static std::size_t bytesOf(const cv::Mat& image) { return image.total() * image.elemSize(); }

    const std::size_t m_capacity;
    mutable std::mutex m_mutex;
    std::unordered_map<std::int64_t, Entry> m_entries;
    std::list<std::int64_t> m_recency;  // front = most recently used
    LoaderCacheStats m_stats;
};

}  // namespace fovea::core
