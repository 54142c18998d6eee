// Pooling from a feature pyramid as torchvision/ops/poolers.py does it (LevelMapper,
// _infer_scale, _setup_scales, _multiscale_roi_align, MultiScaleRoIAlign).
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "fovea/core/detection/box_ops.h"

namespace fovea::core::detection {

double inferScale(int64_t featureSize, int64_t imageSize) {
    TORCH_CHECK(featureSize > 0 && imageSize > 0, "inferScale: sizes must be positive, got ",
                featureSize, " and ", imageSize);
    // The network halves the resolution at each level, so the scale is 2^-k; torchvision rounds
    // log2 of the ratio in float32 (half to even), which these tensor ops reproduce.
    const double ratio = static_cast<double>(featureSize) / static_cast<double>(imageSize);
    const float exponent = torch::full({}, ratio, torch::kFloat32).log2().round().item<float>();
    return std::pow(2.0, static_cast<double>(exponent));
}

LevelMapper::LevelMapper(int64_t kMin, int64_t kMax, int64_t canonicalScale, int64_t canonicalLevel,
                         double eps)
    : m_kMin(kMin),
      m_kMax(kMax),
      m_canonicalScale(canonicalScale),
      m_canonicalLevel(canonicalLevel),
      m_eps(eps) {}

torch::Tensor LevelMapper::operator()(const std::vector<torch::Tensor>& boxes) const {
    std::vector<torch::Tensor> areas;
    for (const auto& each : boxes) areas.push_back(boxArea(each));
    const torch::Tensor sides = torch::sqrt(torch::cat(areas));
    // FPN's equation (1): a 224 x 224 box pools from level k0; each halving of the side goes
    // one level finer. torchvision takes floor(k0 + log2(side / 224) + eps), clamped to
    // [kMin, kMax]; that is level k or more exactly when side >= 224 * 2^(k - k0 - eps), so the
    // level is counted as the steps the side reaches. The comparisons are exact where a log2
    // may round otherwise (a fused one in an exported TorchScript detector computes the same
    // steps), and eps keeps exact powers of 2 on their level as before.
    std::vector<double> steps;
    for (int64_t k = m_kMin + 1; k <= m_kMax; ++k) {
        steps.push_back(static_cast<double>(m_canonicalScale) *
                        std::pow(2.0, static_cast<double>(k - m_canonicalLevel) - m_eps));
    }
    const torch::Tensor thresholds =
        torch::tensor(steps, torch::kFloat64).to(sides.options()).reshape({-1});
    return torch::bucketize(sides, thresholds, /*out_int32=*/false, /*right=*/true);
}

MultiScaleRoiAlign::MultiScaleRoiAlign(std::vector<std::string> featmapNames,
                                       std::array<int64_t, 2> outputSize, int64_t samplingRatio,
                                       int64_t canonicalScale, int64_t canonicalLevel)
    : m_featmapNames(std::move(featmapNames)),
      m_outputSize(outputSize),
      m_samplingRatio(samplingRatio),
      m_canonicalScale(canonicalScale),
      m_canonicalLevel(canonicalLevel) {}

torch::Tensor MultiScaleRoiAlign::operator()(
    const torch::OrderedDict<std::string, torch::Tensor>& features,
    const std::vector<torch::Tensor>& boxes,
    const std::vector<std::array<int64_t, 2>>& imageSizes) {
    std::vector<torch::Tensor> maps;
    for (const auto& item : features) {
        if (std::find(m_featmapNames.begin(), m_featmapNames.end(), item.key()) !=
            m_featmapNames.end()) {
            maps.push_back(item.value());
        }
    }
    TORCH_CHECK(!maps.empty(), "MultiScaleRoiAlign: none of the named feature maps is present");
    TORCH_CHECK(!boxes.empty(), "MultiScaleRoiAlign: no box lists (one per image)");

    if (m_scales.empty()) {
        TORCH_CHECK(!imageSizes.empty(), "MultiScaleRoiAlign: no image sizes");
        // The largest height, as torchvision (its "max_x" is taken over the heights).
        int64_t largestHeight = 0;
        for (const auto& size : imageSizes) largestHeight = std::max(largestHeight, size[0]);
        std::vector<double> scales;
        for (const auto& map : maps) scales.push_back(inferScale(map.size(-2), largestHeight));
        // Levels from the finest and coarsest scales, truncated as Python's int().
        const auto level = [](double scale) {
            return static_cast<int64_t>(-std::log2(static_cast<float>(scale)));
        };
        m_mapper.emplace(level(scales.front()), level(scales.back()), m_canonicalScale,
                         m_canonicalLevel);
        m_scales = std::move(scales);
    }

    // Regions as roiAlign takes them: (image index, x1, y1, x2, y2).
    std::vector<torch::Tensor> withIndex;
    for (size_t image = 0; image < boxes.size(); ++image) {
        const torch::Tensor index = torch::full({boxes[image].size(0), 1},
                                                static_cast<double>(image), boxes[image].options());
        withIndex.push_back(torch::cat({index, boxes[image]}, 1));
    }
    const torch::Tensor rois = torch::cat(withIndex, 0);
    if (maps.size() == 1) {
        return roiAlign(maps.front(), rois, m_outputSize, m_scales.front(), m_samplingRatio);
    }

    TORCH_CHECK(maps.size() == m_scales.size(), "MultiScaleRoiAlign: ", maps.size(),
                " feature maps, but the first call had ", m_scales.size());
    const torch::Tensor levels = (*m_mapper)(boxes);
    const auto options = maps.front().options();
    torch::Tensor result = torch::zeros(
        {rois.size(0), maps.front().size(1), m_outputSize[0], m_outputSize[1]}, options);
    for (size_t level = 0; level < maps.size(); ++level) {
        const torch::Tensor inLevel = torch::where(levels == static_cast<int64_t>(level))[0];
        const torch::Tensor pooled = roiAlign(maps[level], rois.index_select(0, inLevel),
                                              m_outputSize, m_scales[level], m_samplingRatio);
        result.index_put_({inLevel}, pooled.to(options.dtype()));
    }
    return result;
}

}  // namespace fovea::core::detection
