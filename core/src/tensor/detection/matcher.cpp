// Ground-truth assignment as torchvision/models/detection/_utils.py's Matcher.
#include <torch/torch.h>

#include "fovea/core/detection/box_ops.h"

namespace fovea::core::detection {

Matcher::Matcher(double highThreshold, double lowThreshold, bool allowLowQualityMatches)
    : m_highThreshold(highThreshold),
      m_lowThreshold(lowThreshold),
      m_allowLowQualityMatches(allowLowQualityMatches) {
    TORCH_CHECK(lowThreshold <= highThreshold, "Matcher: low threshold ", lowThreshold,
                " above high threshold ", highThreshold);
}

torch::Tensor Matcher::operator()(const torch::Tensor& matchQuality) const {
    TORCH_CHECK(matchQuality.dim() == 2, "Matcher: quality must be [M, N], got ",
                matchQuality.sizes());
    // torchvision refuses these too: training needs boxes on both sides.
    TORCH_CHECK(matchQuality.size(0) > 0, "Matcher: no ground-truth boxes in an image");
    TORCH_CHECK(matchQuality.size(1) > 0, "Matcher: no proposal boxes in an image");

    auto [bestQuality, matches] = matchQuality.max(0);
    const torch::Tensor bestMatches = m_allowLowQualityMatches ? matches.clone() : torch::Tensor();
    const torch::Tensor below = bestQuality < m_lowThreshold;
    const torch::Tensor between =
        (bestQuality >= m_lowThreshold).logical_and(bestQuality < m_highThreshold);
    matches.masked_fill_(below, kBelowLowThreshold);
    matches.masked_fill_(between, kBetweenThresholds);

    if (m_allowLowQualityMatches) {
        // Faster R-CNN's RPN rule: every ground truth keeps the anchors that overlap it most
        // (all of them when tied), even below the low threshold, so that no object goes without
        // a positive anchor.
        const torch::Tensor bestForEachTruth = std::get<0>(matchQuality.max(1));
        const torch::Tensor pairs = torch::where(matchQuality == bestForEachTruth.unsqueeze(1))[1];
        matches.index_put_({pairs}, bestMatches.index_select(0, pairs));
    }
    return matches;
}

}  // namespace fovea::core::detection
