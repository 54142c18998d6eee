#pragma once

// A dataset's embeddings drawn in two dimensions (the Health view's map): each image a point,
// near ones alike to the backbone, and the points far from every other one marked as outliers.
// Free of LibTorch.

#include <array>
#include <cstdint>
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

}  // namespace fovea::core
