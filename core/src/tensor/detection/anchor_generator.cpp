// Anchors as torchvision/models/detection/anchor_utils.py's AnchorGenerator makes them:
// float32 cell anchors rounded half to even, int32 shifts, the same ordering.
#include <torch/torch.h>

#include <utility>

#include "fovea/core/detection/box_ops.h"

namespace fovea::core::detection {
namespace {

// generate_anchors: for ratio r = h / w, h = sqrt(r) * size and w = size / sqrt(r), so the
// area stays size^2; zero-centred corners rounded to whole pixels.
torch::Tensor makeCellAnchors(const std::vector<int64_t>& sizes,
                              const std::vector<double>& aspectRatios) {
    const auto options = torch::TensorOptions().dtype(torch::kFloat32);
    const torch::Tensor scales =
        torch::tensor(sizes, torch::kInt64).to(options.dtype());  // as_tensor(ints, float32)
    const torch::Tensor ratios = torch::tensor(aspectRatios, torch::kFloat64).to(options.dtype());
    const torch::Tensor heightRatios = torch::sqrt(ratios);
    const torch::Tensor widthRatios = 1 / heightRatios;
    const torch::Tensor widths = (widthRatios.unsqueeze(1) * scales.unsqueeze(0)).view(-1);
    const torch::Tensor heights = (heightRatios.unsqueeze(1) * scales.unsqueeze(0)).view(-1);
    return (torch::stack({-widths, -heights, widths, heights}, 1) / 2).round();
}

}  // namespace

AnchorGenerator::AnchorGenerator(std::vector<std::vector<int64_t>> sizes,
                                 std::vector<std::vector<double>> aspectRatios)
    : m_sizes(std::move(sizes)), m_aspectRatios(std::move(aspectRatios)) {
    TORCH_CHECK(m_sizes.size() == m_aspectRatios.size(),
                "AnchorGenerator: one list of sizes and one of aspect ratios per feature map, got ",
                m_sizes.size(), " and ", m_aspectRatios.size());
    for (size_t i = 0; i < m_sizes.size(); ++i) {
        m_cellAnchors.push_back(makeCellAnchors(m_sizes[i], m_aspectRatios[i]));
    }
}

std::vector<int64_t> AnchorGenerator::numAnchorsPerLocation() const {
    std::vector<int64_t> counts;
    for (size_t i = 0; i < m_sizes.size(); ++i) {
        counts.push_back(static_cast<int64_t>(m_sizes[i].size() * m_aspectRatios[i].size()));
    }
    return counts;
}

std::vector<torch::Tensor> AnchorGenerator::gridAnchors(
    const std::vector<std::array<int64_t, 2>>& gridSizes,
    const std::vector<std::array<int64_t, 2>>& strides, const torch::TensorOptions& options) const {
    TORCH_CHECK(gridSizes.size() == m_cellAnchors.size() && strides.size() == m_cellAnchors.size(),
                "AnchorGenerator: one grid size and stride per feature map (", m_cellAnchors.size(),
                "), got ", gridSizes.size(), " and ", strides.size());
    std::vector<torch::Tensor> anchors;
    for (size_t level = 0; level < gridSizes.size(); ++level) {
        const auto [gridHeight, gridWidth] = gridSizes[level];
        const auto [strideHeight, strideWidth] = strides[level];
        const torch::Tensor base = m_cellAnchors[level].to(options);
        // Cell corners in image pixels, in int32 as torchvision (exact up to 2^31 pixels).
        const auto intOptions = options.dtype(torch::kInt32);
        const torch::Tensor shiftsX = torch::arange(0, gridWidth, intOptions) * strideWidth;
        const torch::Tensor shiftsY = torch::arange(0, gridHeight, intOptions) * strideHeight;
        const auto grid = torch::meshgrid({shiftsY, shiftsX}, "ij");
        const torch::Tensor shiftY = grid[0].reshape(-1);
        const torch::Tensor shiftX = grid[1].reshape(-1);
        const torch::Tensor shifts = torch::stack({shiftX, shiftY, shiftX, shiftY}, 1);
        anchors.push_back((shifts.view({-1, 1, 4}) + base.view({1, -1, 4})).reshape({-1, 4}));
    }
    return anchors;
}

std::vector<torch::Tensor> AnchorGenerator::operator()(
    const torch::Tensor& images, const std::vector<torch::Tensor>& featureMaps) const {
    TORCH_CHECK(images.dim() == 4, "AnchorGenerator: images must be [B, C, H, W], got ",
                images.sizes());
    TORCH_CHECK(!featureMaps.empty(), "AnchorGenerator: no feature maps");
    const int64_t imageHeight = images.size(2);
    const int64_t imageWidth = images.size(3);
    std::vector<std::array<int64_t, 2>> gridSizes;
    std::vector<std::array<int64_t, 2>> strides;
    for (const auto& map : featureMaps) {
        TORCH_CHECK(map.dim() >= 2 && map.size(-2) > 0 && map.size(-1) > 0,
                    "AnchorGenerator: feature maps must be [..., h, w], got ", map.sizes());
        gridSizes.push_back({map.size(-2), map.size(-1)});
        // The stride is the integer ratio of image to map: torchvision's floor division.
        strides.push_back({imageHeight / map.size(-2), imageWidth / map.size(-1)});
    }
    const std::vector<torch::Tensor> perMap =
        gridAnchors(gridSizes, strides, featureMaps.front().options());
    // One tensor of its own per image, as torchvision's, so that changing one changes no other.
    std::vector<torch::Tensor> anchors;
    for (int64_t image = 0; image < images.size(0); ++image) anchors.push_back(torch::cat(perMap));
    return anchors;
}

}  // namespace fovea::core::detection
