// Shards of an epoch's order, as PyTorch's DistributedSampler takes them.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "fovea/core/training/data_shard.h"

namespace core = fovea::core;

namespace {

std::vector<std::size_t> order(std::size_t count) {
    std::vector<std::size_t> all(count);
    std::iota(all.begin(), all.end(), 100);  // not positions: the order's own values
    return all;
}

}  // namespace

TEST(DataShard, OneProcessTakesTheWholeOrder) { EXPECT_EQ(core::shardOf(order(5), {}), order(5)); }

TEST(DataShard, RanksInterleaveSoThatTheirBatchesMakeTheSingleProcessBatch) {
    // Batch b of each rank, with batch size B, together hold positions [2Bb, 2Bb + 2B) of the
    // order: a single process's batch b at 2B.
    const auto all = order(12);
    const auto first = core::shardOf(all, {0, 2, true});
    const auto second = core::shardOf(all, {1, 2, true});
    EXPECT_EQ(first, (std::vector<std::size_t>{100, 102, 104, 106, 108, 110}));
    EXPECT_EQ(second, (std::vector<std::size_t>{101, 103, 105, 107, 109, 111}));
}

TEST(DataShard, TrainingShardsArePaddedToEqualLength) {
    const auto all = order(7);
    std::vector<std::size_t> seen;
    for (int rank = 0; rank < 3; ++rank) {
        const auto shard = core::shardOf(all, {rank, 3, true});
        EXPECT_EQ(shard.size(), 3u) << rank;
        seen.insert(seen.end(), shard.begin(), shard.end());
    }
    // Every image at least once; the two extra are the order's first, repeated.
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(seen, (std::vector<std::size_t>{100, 100, 101, 101, 102, 103, 104, 105, 106}));
}

TEST(DataShard, ValidationShardsCountEveryImageOnce) {
    const auto all = order(7);
    std::vector<std::size_t> seen;
    for (int rank = 0; rank < 3; ++rank) {
        const auto shard = core::shardOf(all, {rank, 3, false});
        seen.insert(seen.end(), shard.begin(), shard.end());
    }
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(seen, all);
}
