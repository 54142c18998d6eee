#include "fovea/core/session/embedding_map.h"

#include <torch/torch.h>

#include <algorithm>

namespace fovea::core {
namespace {

constexpr std::int64_t kNeighbours = 5;
constexpr double kOutlierPercentile = 0.98;

// Mean distance of each row of `x` to its k nearest other rows, in blocks of rows so that
// ten thousand images need no 10,000 x 10,000 matrix at once.
torch::Tensor meanNeighbourDistance(const torch::Tensor& x) {
    const std::int64_t n = x.size(0);
    const std::int64_t k = std::min<std::int64_t>(kNeighbours, n - 1);
    torch::Tensor out = torch::empty({n});
    for (std::int64_t start = 0; start < n; start += 1024) {
        const std::int64_t rows = std::min<std::int64_t>(1024, n - start);
        torch::Tensor distances = torch::cdist(x.narrow(0, start, rows), x);
        // Each row's distance to itself is 0: take k + 1 smallest and drop the first.
        const torch::Tensor nearest = std::get<0>(distances.topk(k + 1, 1, false, true));
        out.narrow(0, start, rows).copy_(nearest.narrow(1, 1, k).mean(1));
    }
    return out;
}

}  // namespace

Result<EmbeddingMap> principalComponentMap(const std::vector<std::vector<float>>& vectors) {
    std::vector<std::int64_t> rows;
    std::int64_t dim = -1;
    for (std::size_t i = 0; i < vectors.size(); ++i) {
        if (vectors[i].empty()) continue;
        if (dim >= 0 && static_cast<std::int64_t>(vectors[i].size()) != dim) {
            return Error{"the embeddings have different lengths"};
        }
        dim = static_cast<std::int64_t>(vectors[i].size());
        rows.push_back(static_cast<std::int64_t>(i));
    }
    if (rows.size() < 3) return Error{"a map needs at least three embedded images"};
    torch::NoGradGuard noGrad;
    const auto n = static_cast<std::int64_t>(rows.size());
    torch::Tensor x = torch::empty({n, dim});
    for (std::int64_t r = 0; r < n; ++r) {
        const auto& vector = vectors[static_cast<std::size_t>(rows[static_cast<std::size_t>(r)])];
        std::copy(vector.begin(), vector.end(), x[r].data_ptr<float>());
    }
    x = x - x.mean(0);
    // x = U S V^T: the projection on the first two right singular vectors is U S.
    const auto [u, s, v] = torch::linalg_svd(x, /*full_matrices=*/false);
    const torch::Tensor projected = (u.narrow(1, 0, 2) * s.narrow(0, 0, 2)).contiguous();
    const torch::Tensor spread = meanNeighbourDistance(x);
    const double median = spread.median().item<double>();
    const double high = spread.quantile(kOutlierPercentile).item<double>();

    EmbeddingMap map;
    map.points.assign(vectors.size(), {0.0F, 0.0F});
    map.outliers.assign(vectors.size(), false);
    const auto points = projected.accessor<float, 2>();
    const auto distances = spread.accessor<float, 1>();
    for (std::int64_t r = 0; r < n; ++r) {
        const auto index = static_cast<std::size_t>(rows[static_cast<std::size_t>(r)]);
        map.points[index] = {points[r][0], points[r][1]};
        map.outliers[index] = distances[r] > high && distances[r] > 2 * median;
    }
    return map;
}

}  // namespace fovea::core
