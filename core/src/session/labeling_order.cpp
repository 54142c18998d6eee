#include "fovea/core/session/labeling_order.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace fovea::core {
namespace {

// Euclidean distance between unit vectors, from their dot product (0..2).
double distance(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.empty() || b.empty() || a.size() != b.size()) return 2.0;
    double dot = 0;
    for (std::size_t i = 0; i < a.size(); ++i) dot += double(a[i]) * double(b[i]);
    return std::sqrt(std::max(0.0, 2.0 - 2.0 * dot));
}

}  // namespace

double uncertaintyOf(const std::vector<double>& p, UncertaintyMeasure measure) {
    if (p.size() < 2) return 0;
    if (measure == UncertaintyMeasure::Entropy) {
        double entropy = 0;
        for (double value : p) {
            if (value > 0) entropy -= value * std::log(value);
        }
        return entropy / std::log(static_cast<double>(p.size()));
    }
    double first = 0;
    double second = 0;
    for (double value : p) {
        if (value > first) {
            second = first;
            first = value;
        } else if (value > second) {
            second = value;
        }
    }
    return 1.0 - (first - second);
}

std::vector<std::size_t> labelingOrder(const std::vector<std::vector<double>>& probabilities,
                                       const std::vector<std::vector<float>>& embeddings,
                                       const std::vector<std::vector<float>>& labeledEmbeddings,
                                       const LabelingOrderOptions& options) {
    const std::size_t n = probabilities.size();
    std::vector<double> uncertainty(n);
    for (std::size_t i = 0; i < n; ++i) {
        uncertainty[i] = uncertaintyOf(probabilities[i], options.measure);
    }
    // Most uncertain first: the candidates of each batch are the front of what is left.
    std::vector<std::size_t> byUncertainty(n);
    std::iota(byUncertainty.begin(), byUncertainty.end(), std::size_t{0});
    std::stable_sort(byUncertainty.begin(), byUncertainty.end(),
                     [&](std::size_t a, std::size_t b) { return uncertainty[a] > uncertainty[b]; });

    // Distance of each image to the nearest labeled or chosen one.
    std::vector<double> nearest(n, std::numeric_limits<double>::max());
    for (const auto& labeled : labeledEmbeddings) {
        for (std::size_t i = 0; i < n; ++i) {
            nearest[i] = std::min(nearest[i], distance(embeddings[i], labeled));
        }
    }
    std::vector<bool> chosen(n, false);
    std::vector<std::size_t> order;
    order.reserve(n);
    std::size_t front = 0;  // in byUncertainty: everything before it is chosen
    const std::size_t batch = std::max<std::size_t>(1, options.batch);
    const std::size_t diverse = std::min(n, batch * options.diverseBatches);
    while (order.size() < diverse) {
        std::vector<std::size_t> candidates;
        for (std::size_t k = front;
             k < n &&
             candidates.size() < batch * std::max<std::size_t>(1, options.candidatesPerPick);
             ++k) {
            if (!chosen[byUncertainty[k]]) candidates.push_back(byUncertainty[k]);
        }
        for (std::size_t pick = 0; pick < batch && !candidates.empty() && order.size() < diverse;
             ++pick) {
            std::size_t best = 0;
            double bestScore = -1;
            for (std::size_t c = 0; c < candidates.size(); ++c) {
                const std::size_t i = candidates[c];
                const double spread =
                    nearest[i] == std::numeric_limits<double>::max() ? 2.0 : nearest[i];
                const double score = spread * (0.5 + uncertainty[i]);
                if (score > bestScore) {
                    bestScore = score;
                    best = c;
                }
            }
            const std::size_t picked = candidates[best];
            candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(best));
            chosen[picked] = true;
            order.push_back(picked);
            for (std::size_t i = 0; i < n; ++i) {
                if (!chosen[i])
                    nearest[i] = std::min(nearest[i], distance(embeddings[i], embeddings[picked]));
            }
        }
        while (front < n && chosen[byUncertainty[front]]) ++front;
    }
    for (std::size_t i : byUncertainty) {
        if (!chosen[i]) order.push_back(i);
    }
    return order;
}

}  // namespace fovea::core
