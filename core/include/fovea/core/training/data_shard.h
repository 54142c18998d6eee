#pragma once

#include <cstddef>
#include <vector>

namespace fovea::core {

// Which part of each epoch this process takes in a distributed run: every rank draws the same
// seeded order and keeps positions index, index + count, ... of it, as PyTorch's
// DistributedSampler does. Training pads the order by repeating its start so that every rank
// has as many images (and batches) as the others; validation does not, so each image is
// counted once.
struct DataShard {
    int index = 0;
    int count = 1;
    bool padToEqual = true;
};

// How many of `images` the shard takes each epoch.
inline std::size_t shardSize(std::size_t images, const DataShard& shard) {
    if (shard.count <= 1 || images == 0) return images;
    const auto ranks = static_cast<std::size_t>(shard.count);
    const auto index = static_cast<std::size_t>(shard.index);
    if (shard.padToEqual) return (images + ranks - 1) / ranks;
    return images > index ? (images - index + ranks - 1) / ranks : 0;
}

inline std::vector<std::size_t> shardOf(const std::vector<std::size_t>& order,
                                        const DataShard& shard) {
    if (shard.count <= 1 || order.empty()) return order;
    const std::size_t ranks = static_cast<std::size_t>(shard.count);
    const std::size_t total =
        shard.padToEqual ? (order.size() + ranks - 1) / ranks * ranks : order.size();
    std::vector<std::size_t> mine;
    mine.reserve(shardSize(order.size(), shard));
    for (std::size_t position = static_cast<std::size_t>(shard.index); position < total;
         position += ranks) {
        mine.push_back(order[position % order.size()]);
    }
    return mine;
}

}  // namespace fovea::core
