// RoIAlign as torchvision's CPU kernel computes it (csrc/ops/cpu/roi_align_kernel.cpp and
// roi_align_common.h), bit for bit in float32 and float64, but with tensor ops over all regions,
// bins and channels at once instead of loops.
//
// Bilinear interpolation is separable, and so are torchvision's rules for it (a sample is dropped
// when either coordinate is out of range, and each coordinate is clamped on its own), so each
// axis is worked out alone: per region, bin and sample, the two neighbouring rows (columns) and
// their weights, with the kernel's expressions in its order. Their products are the kernel's
// four weights (w1 = hy * hx, w2 = hy * lx, w3 = ly * hx, w4 = ly * lx) of every 2-D sample; an
// index_select fetches the neighbours from the features laid out as [N * H * W, C].
//
// The sum follows the kernel's order, since float addition is not associative and a different
// order moves results by a few ulps (enough to reorder near-tied detection scores downstream):
// per bin, output += ((w1 * v1 + w2 * v2) + w3 * v3) + w4 * v4 for each sample, rows (iy) outer
// and columns (ix) inner, starting from 0, then output /= count. Each step is one tensor op over
// all bins and channels of a block (products and sums rounded one at a time: no fused
// multiply-add, which torchvision's build does not use either), looping over the few samples of
// the grid. Regions whose adaptive grid is smaller than their block's pad it with samples of
// weight 0, which add exactly 0 after the real ones of the same row, so the order of the real
// samples is kept (a non-finite feature at a region's first pixel would show through; features
// are finite).
//
// The gather runs in cache-sized blocks. Left to autograd, each block's index_select would
// scatter its gradient into a zero tensor the size of the whole feature map, so the pooling has
// its backward written out: one gradient buffer, into which each block adds its neighbours'
// shares (gradient * weight / count) with index_add_, in the order of torchvision's
// roi_align_backward (region, bin, sample, neighbour), so the gradient is its scatter-add too.
#include <torch/torch.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "fovea/core/detection/box_ops.h"

namespace fovea::core::detection {
namespace {

// Elements in one gathered block ([regions, bins, samples * 4, channels]): 1 MiB of float32, so
// that the products and sums over it find it in cache (a quarter faster than 4 MiB blocks on
// this machine). Larger jobs run in blocks of regions, and of channels when one region alone is
// larger.
constexpr int64_t kGatherBudget = int64_t{1} << 18;

// The two neighbours of every sample along one axis. index, weight: [K, bins, 2 * grid], each
// sample's (low, high) pair side by side; weight 0 for samples that do not count.
struct AxisSamples {
    torch::Tensor index;
    torch::Tensor weight;
};

// start, binSize: [K] in feature pixels; grid: int64 [K] samples per bin (those past a region's
// own grid, up to maxGrid, are padding with weight 0); size: the feature map's extent.
AxisSamples sampleAxis(const torch::Tensor& start, const torch::Tensor& binSize,
                       const torch::Tensor& grid, int64_t bins, int64_t maxGrid, int64_t size) {
    const auto options = start.options();
    const torch::Tensor bin = torch::arange(bins, options).view({1, bins, 1});
    const torch::Tensor sample = (torch::arange(maxGrid, options) + 0.5).view({1, 1, maxGrid});
    const torch::Tensor binSize3 = binSize.view({-1, 1, 1});
    // The kernel's expression and evaluation order: start + bin * size + (i + .5) * size / grid.
    const torch::Tensor position = (start.view({-1, 1, 1}) + bin * binSize3) +
                                   sample * binSize3 / grid.to(options.dtype()).view({-1, 1, 1});

    // Samples more than one pixel outside the map contribute 0 (NaN positions too: the test is
    // written as "inside", as the kernel's).
    const torch::Tensor inside = position.ge(-1.0).logical_and(position.le(size));
    const torch::Tensor inGrid =
        torch::arange(maxGrid, grid.options()).view({1, 1, maxGrid}) < grid.view({-1, 1, 1});
    const torch::Tensor counted = inside.logical_and(inGrid);
    // Within a pixel outside: clamped to the edge. At or past the last pixel: that pixel alone.
    const torch::Tensor clamped =
        torch::where(counted, position, torch::zeros_like(position)).clamp_min(0);
    const torch::Tensor floor = clamped.floor().to(torch::kInt64);
    const torch::Tensor atEdge = floor >= size - 1;
    const torch::Tensor low = floor.clamp_max(size - 1);
    const torch::Tensor high = (floor + 1).clamp_max(size - 1);
    const torch::Tensor highWeight =
        (clamped - low.to(options.dtype())).masked_fill(atEdge, 0).masked_fill(~counted, 0);
    const torch::Tensor lowWeight = (1 - highWeight).masked_fill(~counted, 0);

    const int64_t regions = start.size(0);
    return {torch::stack({low, high}, -1).view({regions, bins, 2 * maxGrid}),
            torch::stack({lowWeight, highWeight}, -1).view({regions, bins, 2 * maxGrid})};
}

// Which regions one gathered block holds and how wide its (padded) sample grid is: its weights
// and indices are the next count * bins * neighbours entries of the flat lists.
struct Block {
    int64_t first = 0;
    int64_t count = 0;
    int64_t neighbours = 0;  // 4 * grid_y * grid_x
};

// Channels per gather so that one block stays within kGatherBudget.
int64_t channelsPerGather(const Block& block, int64_t bins, int64_t channels) {
    return std::clamp<int64_t>(kGatherBudget / (block.count * bins * block.neighbours), 1,
                               channels);
}

// pooled[k, b, :] = (sum over the samples s of bin b of region k, in order, of the sum over the
// sample's four neighbours n, in order, of weight[n] * features[index[n]]) / counts[k].
// features [R, C] (differentiable); weights, indices: flat, block after block, each block
// [count * bins, neighbours] with the neighbours of a bin sample-major (iy, ix, then w1..w4);
// counts [K] samples per bin of each region (at least 1); blockTable: (first, count,
// neighbours) per block. Returns [K, bins, C]. Constants but features get no gradient.
class RoiPooling : public torch::autograd::Function<RoiPooling> {
  public:
    static torch::Tensor forward(torch::autograd::AutogradContext* context,
                                 const torch::Tensor& features, const torch::Tensor& weights,
                                 const torch::Tensor& indices, const torch::Tensor& counts,
                                 std::vector<int64_t> blockTable, int64_t regionCount,
                                 int64_t bins) {
        const int64_t channels = features.size(1);
        torch::Tensor pooled = torch::empty({regionCount, bins, channels}, features.options());
        int64_t offset = 0;
        for (const Block& block : unpack(blockTable)) {
            const int64_t rows = block.count * bins;
            const int64_t length = rows * block.neighbours;
            const int64_t samples = block.neighbours / 4;
            // Neighbour-major copies, so that each neighbour's weights and rows are contiguous:
            // [neighbours, rows].
            const torch::Tensor weight =
                weights.narrow(0, offset, length).view({rows, block.neighbours}).t().contiguous();
            const torch::Tensor index =
                indices.narrow(0, offset, length).view({rows, block.neighbours}).t().reshape({-1});
            const torch::Tensor divisor =
                counts.narrow(0, block.first, block.count).view({-1, 1, 1});
            const int64_t step = channelsPerGather(block, bins, channels);
            for (int64_t c = 0; c < channels; c += step) {
                const int64_t width = std::min(step, channels - c);
                // [samples, 4, rows, width]: w * v of every neighbour, each product rounded.
                const torch::Tensor products = features.narrow(1, c, width)
                                                   .index_select(0, index)
                                                   .view({samples, 4, rows, width})
                                                   .mul_(weight.view({samples, 4, rows, 1}));
                // ((w1 v1 + w2 v2) + w3 v3) + w4 v4, per sample.
                const torch::Tensor terms = products.select(1, 0) + products.select(1, 1);
                terms.add_(products.select(1, 2)).add_(products.select(1, 3));
                // output = 0; output += term, sample after sample (0 + term is term, but for
                // -0, which becomes +0).
                torch::Tensor sum = terms[0].add_(0.0);
                for (int64_t s = 1; s < samples; ++s) sum.add_(terms[s]);
                pooled.narrow(0, block.first, block.count)
                    .narrow(2, c, width)
                    .copy_(sum.view({block.count, bins, width}).div_(divisor));
            }
            offset += length;
        }
        context->save_for_backward({weights, indices, counts});
        context->saved_data["blocks"] = blockTable;
        context->saved_data["rows"] = features.size(0);
        context->saved_data["bins"] = bins;
        return pooled;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                   torch::autograd::variable_list gradients) {
        const auto saved = context->get_saved_variables();
        const torch::Tensor& weights = saved[0];
        const torch::Tensor& indices = saved[1];
        const torch::Tensor& counts = saved[2];
        const int64_t bins = context->saved_data["bins"].toInt();
        const torch::Tensor gradient = gradients[0].contiguous();  // [K, bins, C]
        const int64_t channels = gradient.size(2);
        torch::Tensor featureGradient =
            torch::zeros({context->saved_data["rows"].toInt(), channels}, gradient.options());
        int64_t offset = 0;
        for (const Block& block : unpack(context->saved_data["blocks"].toIntVector())) {
            const int64_t rows = block.count * bins;
            const int64_t length = rows * block.neighbours;
            // [count, bins, neighbours, 1]: torchvision's order (region, bin, sample, neighbour).
            const torch::Tensor weight =
                weights.narrow(0, offset, length).view({block.count, bins, block.neighbours, 1});
            const torch::Tensor index = indices.narrow(0, offset, length);
            const torch::Tensor divisor =
                counts.narrow(0, block.first, block.count).view({-1, 1, 1, 1});
            const torch::Tensor blockGradient =
                gradient.narrow(0, block.first, block.count).view({block.count, bins, 1, channels});
            const int64_t step = channelsPerGather(block, bins, channels);
            for (int64_t c = 0; c < channels; c += step) {
                const int64_t width = std::min(step, channels - c);
                // The kernel's g = grad * w / count, added neighbour after neighbour:
                // [count, bins, neighbours, width].
                const torch::Tensor shares =
                    (blockGradient.narrow(3, c, width) * weight).div_(divisor);
                featureGradient.narrow(1, c, width).index_add_(0, index, shares.view({-1, width}));
            }
            offset += length;
        }
        return {featureGradient, torch::Tensor(), torch::Tensor(), torch::Tensor(),
                torch::Tensor(), torch::Tensor(), torch::Tensor()};
    }

  private:
    static std::vector<Block> unpack(const std::vector<int64_t>& table) {
        std::vector<Block> blocks;
        for (size_t i = 0; i + 2 < table.size(); i += 3) {
            blocks.push_back({table[i], table[i + 1], table[i + 2]});
        }
        return blocks;
    }
};

}  // namespace

torch::Tensor roiAlign(const torch::Tensor& input, const torch::Tensor& rois,
                       std::array<int64_t, 2> outputSize, double spatialScale,
                       int64_t samplingRatio, bool aligned) {
    TORCH_CHECK(input.dim() == 4 && input.is_floating_point(),
                "roiAlign: input must be floating [N, C, H, W], got ", input.sizes());
    TORCH_CHECK(rois.dim() == 2 && rois.size(1) == 5, "roiAlign: rois must be [K, 5], got ",
                rois.sizes());
    const auto [pooledHeight, pooledWidth] = outputSize;
    TORCH_CHECK(pooledHeight > 0 && pooledWidth > 0, "roiAlign: output size must be positive");
    const int64_t regionCount = rois.size(0);
    const int64_t channels = input.size(1);
    const int64_t height = input.size(2);
    const int64_t width = input.size(3);
    const auto options = input.options();
    if (regionCount == 0 || channels == 0 || height == 0 || width == 0) {
        return torch::zeros({regionCount, channels, pooledHeight, pooledWidth}, options);
    }

    // Regions are constants (torchvision's backward gives them no gradient).
    const torch::Tensor regions = rois.detach().to(options);
    const torch::Tensor batchIndex = regions.select(1, 0).to(torch::kInt64);  // truncates, as C
    TORCH_CHECK(
        batchIndex.min().item<int64_t>() >= 0 && batchIndex.max().item<int64_t>() < input.size(0),
        "roiAlign: a region's batch index is outside [0, ", input.size(0), ")");

    // The scale is applied in the input's precision, as the kernel's T spatial_scale.
    const torch::Tensor scale = torch::full({}, spatialScale, options);
    const double offset = aligned ? 0.5 : 0.0;
    const torch::Tensor startX = regions.select(1, 1) * scale - offset;
    const torch::Tensor startY = regions.select(1, 2) * scale - offset;
    const torch::Tensor endX = regions.select(1, 3) * scale - offset;
    const torch::Tensor endY = regions.select(1, 4) * scale - offset;
    torch::Tensor regionWidth = endX - startX;
    torch::Tensor regionHeight = endY - startY;
    if (!aligned) {
        // The legacy mode forces malformed regions to 1 x 1 feature pixel.
        regionWidth = regionWidth.clamp_min(1);
        regionHeight = regionHeight.clamp_min(1);
    }
    const torch::Tensor binHeight = regionHeight / pooledHeight;
    const torch::Tensor binWidth = regionWidth / pooledWidth;

    // Samples per bin along each axis: fixed, or ceil(region / bins) (adaptive, per region; zero
    // or less for an empty aligned region, which then pools 0).
    const bool adaptive = samplingRatio <= 0;
    const auto gridOf = [&](const torch::Tensor& extent, int64_t bins) {
        return adaptive ? torch::ceil(extent / bins).to(torch::kInt64)
                        : torch::full({regionCount}, samplingRatio, options.dtype(torch::kInt64));
    };
    const torch::Tensor gridHeight = gridOf(regionHeight, pooledHeight);
    const torch::Tensor gridWidth = gridOf(regionWidth, pooledWidth);
    const torch::Tensor sampleCount = (gridHeight * gridWidth).clamp_min(1).to(options.dtype());

    // Block sizes are planned on the host, from each region's grid.
    std::vector<int64_t> hostGridHeight(static_cast<size_t>(regionCount), samplingRatio);
    std::vector<int64_t> hostGridWidth(static_cast<size_t>(regionCount), samplingRatio);
    if (adaptive) {
        const torch::Tensor gridsOnHost =
            torch::stack({gridHeight, gridWidth}, 1).clamp_min(1).to(torch::kCPU).contiguous();
        const auto grids = gridsOnHost.accessor<int64_t, 2>();
        for (int64_t k = 0; k < regionCount; ++k) {
            hostGridHeight[k] = grids[k][0];
            hostGridWidth[k] = grids[k][1];
        }
    }

    // The weights and feature rows of every sample's four neighbours, for `count` regions from
    // `first`, on grids padded to gh x gw: both [count * bins * gh * gw * 4], ordered by region,
    // bin (row-major), sample row, sample column, then the kernel's w1..w4 (neighbours (y low,
    // x low), (low, high), (high, low), (high, high)).
    const int64_t bins = pooledHeight * pooledWidth;
    const auto neighboursOf = [&](int64_t first, int64_t count, int64_t gh, int64_t gw) {
        const auto part = [&](const torch::Tensor& perRegion) {
            return perRegion.narrow(0, first, count);
        };
        const AxisSamples rows =
            sampleAxis(part(startY), part(binHeight), part(gridHeight), pooledHeight, gh, height);
        const AxisSamples columns =
            sampleAxis(part(startX), part(binWidth), part(gridWidth), pooledWidth, gw, width);
        // [count, bins_y, bins_x, gh, gw, 2 (y low, high), 2 (x low, high)].
        const auto alongY = [&](const torch::Tensor& t) {
            return t.view({count, pooledHeight, 1, gh, 1, 2, 1});
        };
        const auto alongX = [&](const torch::Tensor& t) {
            return t.view({count, 1, pooledWidth, 1, gw, 1, 2});
        };
        // hy * hx, hy * lx, ly * hx, ly * lx: y's weight times x's, as the kernel multiplies.
        const torch::Tensor weight = (alongY(rows.weight) * alongX(columns.weight)).reshape({-1});
        const torch::Tensor index =
            (part(batchIndex).view({count, 1, 1, 1, 1, 1, 1}) * (height * width) +
             alongY(rows.index) * width + alongX(columns.index))
                .reshape({-1});
        return std::make_pair(weight, index);
    };
    // Blocks of consecutive regions, as many as kGatherBudget allows, each with the largest grid
    // among its regions; their weights and indices one after the other.
    std::vector<int64_t> blockTable;
    std::vector<torch::Tensor> weights;
    std::vector<torch::Tensor> indices;
    for (int64_t first = 0; first < regionCount;) {
        int64_t gh = hostGridHeight[first];
        int64_t gw = hostGridWidth[first];
        int64_t last = first + 1;
        for (; last < regionCount; ++last) {
            const int64_t nextGh = std::max(gh, hostGridHeight[last]);
            const int64_t nextGw = std::max(gw, hostGridWidth[last]);
            if ((last - first + 1) * bins * 4 * nextGh * nextGw * channels > kGatherBudget) break;
            gh = nextGh;
            gw = nextGw;
        }
        blockTable.insert(blockTable.end(), {first, last - first, 4 * gh * gw});
        if (adaptive) {
            auto [weight, index] = neighboursOf(first, last - first, gh, gw);
            weights.push_back(std::move(weight));
            indices.push_back(std::move(index));
        }
        first = last;
    }
    if (!adaptive) {
        // Every region has the same grid, so the blocks are consecutive slices of one list.
        auto [weight, index] = neighboursOf(0, regionCount, samplingRatio, samplingRatio);
        weights.push_back(std::move(weight));
        indices.push_back(std::move(index));
    }

    // [N * H * W, C]: each sample's neighbour is one row, so the gather copies whole rows.
    const torch::Tensor features = input.permute({0, 2, 3, 1}).reshape({-1, channels});
    // The kernel divides each bin's sum by the samples per bin, in the input's precision.
    const torch::Tensor pooled =
        RoiPooling::apply(features, weights.size() == 1 ? weights.front() : torch::cat(weights),
                          indices.size() == 1 ? indices.front() : torch::cat(indices), sampleCount,
                          blockTable, regionCount, bins);
    return pooled.view({regionCount, pooledHeight, pooledWidth, channels})
        .permute({0, 3, 1, 2})
        .contiguous();
}

}  // namespace fovea::core::detection
