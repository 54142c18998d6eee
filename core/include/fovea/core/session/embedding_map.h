#pragma once

// A dataset's embeddings drawn in two dimensions (the Health view's map): each image a point,
// near ones alike to the backbone, and the points far from every other one marked as outliers.
// Free of LibTorch.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "fovea/core/result.h"

namespace fovea::core {

struct EmbeddingMap {
    std::vector<std::array<float, 2>> points;  // one per input vector ({0, 0} for an empty one)
    // Points whose mean distance to their nearest neighbours is unusually large (beyond the
    // 98th percentile and twice the median), in input order.
    std::vector<bool> outliers;
};

// The first two principal components of `vectors` (equal lengths; empty ones are skipped and
// placed at the origin), computed with LibTorch's SVD on the centred data. Errors: fewer than
// three non-empty vectors, or vectors of different lengths.
Result<EmbeddingMap> principalComponentMap(const std::vector<std::vector<float>>& vectors);

struct TsneOptions {
    double perplexity = 30;  // about how many neighbours each point keeps close
    int iterations = 750;    // the first 250 with early exaggeration
    std::function<void(int done, int total)> progress;  // iterations
    const std::atomic<bool>* cancel = nullptr;
};

// t-SNE costs a pass over every pair of points per iteration: beyond this many it takes too long.
inline constexpr std::size_t kMaxTsnePoints = 10000;

// t-SNE (van der Maaten and Hinton 2008) of `vectors`, computed with LibTorch: neighbourhoods of
// 3 x perplexity nearest neighbours whose widths match the perplexity, started from the PCA
// map (no random start; the last bits of LibTorch's sums still vary from run to run, and
// t-SNE amplifies them, so two runs draw the same clusters at slightly other places), early
// exaggeration 12, a learning rate scaled to the number of points, exact repulsion. Shows clusters
// that PCA's two axes overlap. Outliers and empty vectors as for principalComponentMap. Errors: as
// principalComponentMap, more than kMaxTsnePoints vectors, cancel ("cancelled").
Result<EmbeddingMap> tsneMap(const std::vector<std::vector<float>>& vectors,
                             const TsneOptions& options = {});

}  // namespace fovea::core
