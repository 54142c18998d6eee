#include "fovea/core/session/embedding_map.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

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

// The non-empty vectors as rows of a matrix, and their places in `vectors`.
struct Rows {
    torch::Tensor x;
    std::vector<std::size_t> places;
};

Result<Rows> gatherRows(const std::vector<std::vector<float>>& vectors) {
    Rows rows;
    std::int64_t dim = -1;
    for (std::size_t i = 0; i < vectors.size(); ++i) {
        if (vectors[i].empty()) continue;
        if (dim >= 0 && static_cast<std::int64_t>(vectors[i].size()) != dim) {
            return Error{"the embeddings have different lengths"};
        }
        dim = static_cast<std::int64_t>(vectors[i].size());
        rows.places.push_back(i);
    }
    if (rows.places.size() < 3) return Error{"a map needs at least three embedded images"};
    const auto n = static_cast<std::int64_t>(rows.places.size());
    rows.x = torch::empty({n, dim});
    for (std::int64_t r = 0; r < n; ++r) {
        const auto& vector = vectors[rows.places[static_cast<std::size_t>(r)]];
        std::copy(vector.begin(), vector.end(), rows.x[r].data_ptr<float>());
    }
    return rows;
}

// The first two principal components of the rows of `x`.
torch::Tensor principalComponents(const torch::Tensor& x) {
    const torch::Tensor centred = x - x.mean(0);
    // x = U S V^T: the projection on the first two right singular vectors is U S.
    const auto [u, s, v] = torch::linalg_svd(centred, /*full_matrices=*/false);
    return (u.narrow(1, 0, 2) * s.narrow(0, 0, 2)).contiguous();
}

// The map of `rows` drawn at `projected` ([n, 2]), outliers judged in the embedding space.
EmbeddingMap finishMap(const Rows& rows, const torch::Tensor& projected, std::size_t count) {
    const torch::Tensor spread = meanNeighbourDistance(rows.x - rows.x.mean(0));
    const double median = spread.median().item<double>();
    const double high = spread.quantile(kOutlierPercentile).item<double>();
    EmbeddingMap map;
    map.points.assign(count, {0.0F, 0.0F});
    map.outliers.assign(count, false);
    const torch::Tensor points = projected.to(torch::kFloat32).contiguous();
    const auto xy = points.accessor<float, 2>();
    const auto distances = spread.accessor<float, 1>();
    for (std::size_t r = 0; r < rows.places.size(); ++r) {
        const auto i = static_cast<std::int64_t>(r);
        map.points[rows.places[r]] = {xy[i][0], xy[i][1]};
        map.outliers[rows.places[r]] = distances[i] > high && distances[i] > 2 * median;
    }
    return map;
}

// t-SNE's input affinities: for each point, its k nearest neighbours weighted by a Gaussian
// whose width gives the wanted perplexity (found by bisection, all points at once), then made
// symmetric, (P + P^T) / 2n, as a coalesced sparse matrix.
torch::Tensor inputAffinities(const torch::Tensor& x, double perplexity) {
    const std::int64_t n = x.size(0);
    const std::int64_t k = std::min<std::int64_t>(n - 1, static_cast<std::int64_t>(3 * perplexity));
    torch::Tensor distances = torch::empty({n, k});
    torch::Tensor neighbours = torch::empty({n, k}, torch::kInt64);
    for (std::int64_t start = 0; start < n; start += 1024) {
        const std::int64_t count = std::min<std::int64_t>(1024, n - start);
        torch::Tensor d = torch::cdist(x.narrow(0, start, count), x).pow(2);
        d.narrow(1, start, count).diagonal().fill_(std::numeric_limits<float>::infinity());
        const auto [nearest, index] = d.topk(k, 1, /*largest=*/false, /*sorted=*/true);
        distances.narrow(0, start, count).copy_(nearest);
        neighbours.narrow(0, start, count).copy_(index);
    }
    // Distances from each point's nearest, so exp() neither overflows nor underflows.
    const torch::Tensor d = (distances - distances.narrow(1, 0, 1)).to(torch::kFloat64);
    const double target = std::log(std::min<double>(perplexity, static_cast<double>(k)));
    torch::Tensor beta = torch::ones({n, 1}, torch::kFloat64);
    torch::Tensor low = torch::zeros({n, 1}, torch::kFloat64);
    torch::Tensor high =
        torch::full({n, 1}, std::numeric_limits<double>::infinity(), torch::kFloat64);
    torch::Tensor p;
    for (int step = 0; step < 64; ++step) {
        p = torch::exp(-d * beta);
        const torch::Tensor sum = p.sum(1, true).clamp_min(1e-300);
        const torch::Tensor entropy = torch::log(sum) + beta * (d * p).sum(1, true) / sum;
        // Too much entropy: the Gaussian is too wide, so beta (its precision) grows.
        const torch::Tensor wider = entropy > target;
        low = torch::where(wider, beta, low);
        high = torch::where(wider, high, beta);
        beta = torch::where(torch::isinf(high), beta * 2, (low + high) / 2);
    }
    p = p / p.sum(1, true);
    const torch::Tensor rows = torch::arange(n).unsqueeze(1).expand({n, k}).reshape({-1});
    const torch::Tensor cols = neighbours.reshape({-1});
    const torch::Tensor both = torch::stack({torch::cat({rows, cols}), torch::cat({cols, rows})});
    const torch::Tensor values = torch::cat({p.reshape({-1}), p.reshape({-1})}) / (2.0 * n);
    return torch::sparse_coo_tensor(both, values.to(torch::kFloat32), {n, n}).coalesce();
}

}  // namespace

Result<EmbeddingMap> principalComponentMap(const std::vector<std::vector<float>>& vectors) {
    auto rows = gatherRows(vectors);
    if (!rows) return rows.error();
    torch::NoGradGuard noGrad;
    return finishMap(rows.value(), principalComponents(rows.value().x), vectors.size());
}

Result<EmbeddingMap> tsneMap(const std::vector<std::vector<float>>& vectors,
                             const TsneOptions& options) {
    if (vectors.size() > kMaxTsnePoints) {
        return Error{"t-SNE draws at most " + std::to_string(kMaxTsnePoints) + " images (" +
                     std::to_string(vectors.size()) + " given): use the PCA map"};
    }
    auto gathered = gatherRows(vectors);
    if (!gathered) return gathered.error();
    const Rows& rows = gathered.value();
    torch::NoGradGuard noGrad;
    const std::int64_t n = rows.x.size(0);
    const torch::Tensor p = inputAffinities(rows.x, options.perplexity);
    const torch::Tensor from = p.indices()[0];
    const torch::Tensor to = p.indices()[1];
    const torch::Tensor weight = p.values();

    // Started from the PCA map scaled to a small spread: the same input, the same map.
    torch::Tensor y = principalComponents(rows.x);
    y = y / y.narrow(1, 0, 1).std().clamp_min(1e-12) * 1e-4;
    torch::Tensor update = torch::zeros_like(y);
    torch::Tensor gains = torch::ones_like(y);
    constexpr int kExaggerated = 250;
    constexpr double kExaggeration = 12;
    const double rate = std::max(static_cast<double>(n) / kExaggeration / 4, 50.0);
    const int iterations = std::max(options.iterations, 1);
    for (int iteration = 0; iteration < iterations; ++iteration) {
        if (options.cancel && options.cancel->load()) return Error{"cancelled"};
        const bool early = iteration < kExaggerated;
        // Attraction along the neighbourhood edges: p_ij w_ij (y_i - y_j).
        const torch::Tensor difference = y.index_select(0, from) - y.index_select(0, to);
        const torch::Tensor w = 1.0 / (1.0 + difference.pow(2).sum(1));
        const double exaggeration = early ? kExaggeration : 1.0;
        const torch::Tensor pull = torch::zeros_like(y).index_add_(
            0, from, (exaggeration * weight * w).unsqueeze(1) * difference);
        // Repulsion between every pair: w_ij^2 (y_i - y_j) / Z, in blocks of rows.
        torch::Tensor push = torch::empty_like(y);
        double z = 0;
        for (std::int64_t start = 0; start < n; start += 1024) {
            const std::int64_t count = std::min<std::int64_t>(1024, n - start);
            const torch::Tensor block = y.narrow(0, start, count);
            torch::Tensor q = 1.0 / (1.0 + torch::cdist(block, y).pow(2));
            q.narrow(1, start, count).diagonal().zero_();
            z += q.sum().item<double>();
            const torch::Tensor q2 = q * q;
            push.narrow(0, start, count).copy_(block * q2.sum(1, true) - q2.mm(y));
        }
        const torch::Tensor gradient = 4.0 * (pull - push / z);
        // Gains grow where the step keeps its direction (Jacobs 1988), as the reference does.
        const torch::Tensor same = (gradient > 0) == (update > 0);
        gains = torch::where(same, gains * 0.8, gains + 0.2).clamp_min(0.01);
        update = (early ? 0.5 : 0.8) * update - rate * gains * gradient;
        y = y + update;
        y = y - y.mean(0);
        if (options.progress && (iteration % 10 == 9 || iteration + 1 == iterations)) {
            options.progress(iteration + 1, iterations);
        }
    }
    return finishMap(rows, y, vectors.size());
}

}  // namespace fovea::core
