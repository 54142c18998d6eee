// Max pooling on bfloat16 channels-last activations that train (see layers.h).
//
// LibTorch 1.13's max_pool2d on bfloat16 is not vectorised for this CPU, and its backward fills
// the whole input gradient with zeros before scattering into it: ResNet's stem pooling took
// 19 ms of each bf16 training step on two cores here (batch 16, 224 px), about as much as the
// convolution beside it. Here the forward takes each window's maximum for all channels at
// once, keeping where in the window it was (one byte per output value), and the backward gathers
// each input's gradient from the few windows that hold it, writing every element once.
//
// The maximum is max_pool2d's: the first largest value in the window's row-major order, a NaN
// taken as the largest, so that the gradient goes where LibTorch sends it.
//
// Compiled with OpenMP (models.cmake): at::parallel_for is inline code, which runs on the
// intra-op threads only in a file compiled so.
#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "bfloat16_bits.h"
#include "layers.h"

namespace fovea::core::layers {
namespace {

using namespace bf16;
using Offset = std::uint8_t;  // a position in the window, row-major: kernel * kernel <= 256

struct Geometry {
    std::int64_t batch, channels, height, width, outHeight, outWidth, kernel, stride, padding;

    // The output rows (or columns) whose windows hold input row (column) `index`.
    void covering(std::int64_t index, std::int64_t outSize, std::int64_t& first,
                  std::int64_t& last) const {
        const std::int64_t low = index + padding - kernel + 1;
        first = low <= 0 ? 0 : (low + stride - 1) / stride;
        last = std::min(outSize - 1, (index + padding) / stride);
    }
};

inline void takeLarger(const Bits* __restrict values, std::int64_t channels, Offset offset,
                       Bits* __restrict best, Offset* __restrict where) {
    for (std::int64_t c = 0; c < channels; ++c) {
        const float value = toFloat(values[c]);
        const bool larger = value > toFloat(best[c]) || value != value;
        best[c] = larger ? values[c] : best[c];
        where[c] = larger ? offset : where[c];
    }
}

inline void addWhereTaken(const Bits* __restrict gradient, const Offset* __restrict where,
                          std::int64_t channels, Offset offset, float* __restrict sum) {
    for (std::int64_t c = 0; c < channels; ++c) {
        sum[c] += where[c] == offset ? toFloat(gradient[c]) : 0.0f;
    }
}

inline void roundToBFloat16(const float* __restrict values, std::int64_t count,
                            Bits* __restrict out) {
    for (std::int64_t i = 0; i < count; ++i) out[i] = bf16::toBits(values[i]);
}

// One output row (image n, row oh): each window's maximum and where in the window it is.
FOVEA_VECTOR_CLONES
void maximaOfRow(const Bits* __restrict x, Bits* __restrict y, Offset* __restrict where,
                 std::int64_t n, std::int64_t oh, const Geometry& g) {
    const Bits lowest = 0xFF80;  // -inf
    const std::int64_t top = oh * g.stride - g.padding;
    for (std::int64_t ow = 0; ow < g.outWidth; ++ow) {
        const std::int64_t left = ow * g.stride - g.padding;
        const std::int64_t at = ((n * g.outHeight + oh) * g.outWidth + ow) * g.channels;
        // As max_pool2d: -inf, at the window's first position inside the input.
        const std::int64_t kh0 = std::max<std::int64_t>(0, -top);
        const std::int64_t kw0 = std::max<std::int64_t>(0, -left);
        std::fill(y + at, y + at + g.channels, lowest);
        std::fill(where + at, where + at + g.channels, static_cast<Offset>(kh0 * g.kernel + kw0));
        for (std::int64_t kh = kh0; kh < g.kernel && top + kh < g.height; ++kh) {
            for (std::int64_t kw = kw0; kw < g.kernel && left + kw < g.width; ++kw) {
                const Bits* values =
                    x + ((n * g.height + top + kh) * g.width + left + kw) * g.channels;
                takeLarger(values, g.channels, static_cast<Offset>(kh * g.kernel + kw), y + at,
                           where + at);
            }
        }
    }
}

// The windows holding one input pixel: where each keeps its gradient and offsets, and the
// pixel's position in it.
struct Holders {
    static constexpr int kMost = 4;  // stride >= kernel - 1, as ResNet's 3x3 stride 2
    const Bits* gradient[kMost];
    const Offset* where[kMost];
    Offset offset[kMost];
    int count = 0;
};

// A pixel's gradient from `count` holders in one pass over its channels, added in the holders'
// order as the general path adds them.
template <int count>
inline void gatherGradient(const Holders& h, std::int64_t channels, Bits* __restrict out) {
    for (std::int64_t c = 0; c < channels; ++c) {
        float sum = 0.0f;
        for (int k = 0; k < count; ++k) {
            sum += h.where[k][c] == h.offset[k] ? toFloat(h.gradient[k][c]) : 0.0f;
        }
        out[c] = bf16::toBits(sum);
    }
}

// One input row's gradient (image n, row ih), gathered from the windows that hold it; `sum`:
// room for one pixel's channels.
FOVEA_VECTOR_CLONES
void gradientOfRow(const Bits* __restrict dy, const Offset* __restrict where, Bits* __restrict dx,
                   std::int64_t n, std::int64_t ih, const Geometry& g, float* __restrict sum) {
    std::int64_t firstRow, lastRow;
    g.covering(ih, g.outHeight, firstRow, lastRow);
    for (std::int64_t iw = 0; iw < g.width; ++iw) {
        std::int64_t firstColumn, lastColumn;
        g.covering(iw, g.outWidth, firstColumn, lastColumn);
        Bits* out = dx + ((n * g.height + ih) * g.width + iw) * g.channels;
        const std::int64_t count = (lastRow - firstRow + 1) * (lastColumn - firstColumn + 1);
        if (count > Holders::kMost) {
            // Overlapping windows (stride < kernel - 1): holder by holder.
            std::fill(sum, sum + g.channels, 0.0f);
            for (std::int64_t oh = firstRow; oh <= lastRow; ++oh) {
                for (std::int64_t ow = firstColumn; ow <= lastColumn; ++ow) {
                    const auto offset =
                        static_cast<Offset>((ih - (oh * g.stride - g.padding)) * g.kernel + iw -
                                            (ow * g.stride - g.padding));
                    const std::int64_t at = ((n * g.outHeight + oh) * g.outWidth + ow) * g.channels;
                    addWhereTaken(dy + at, where + at, g.channels, offset, sum);
                }
            }
            roundToBFloat16(sum, g.channels, out);
            continue;
        }
        Holders holders;
        for (std::int64_t oh = firstRow; oh <= lastRow; ++oh) {
            for (std::int64_t ow = firstColumn; ow <= lastColumn; ++ow) {
                const std::int64_t at = ((n * g.outHeight + oh) * g.outWidth + ow) * g.channels;
                holders.gradient[holders.count] = dy + at;
                holders.where[holders.count] = where + at;
                holders.offset[holders.count] =
                    static_cast<Offset>((ih - (oh * g.stride - g.padding)) * g.kernel + iw -
                                        (ow * g.stride - g.padding));
                ++holders.count;
            }
        }
        switch (holders.count) {
            case 0:
                std::fill(out, out + g.channels, Bits{0});
                break;
            case 1:
                gatherGradient<1>(holders, g.channels, out);
                break;
            case 2:
                gatherGradient<2>(holders, g.channels, out);
                break;
            case 3:
                gatherGradient<3>(holders, g.channels, out);
                break;
            default:
                gatherGradient<4>(holders, g.channels, out);
                break;
        }
    }
}

class MaxPool : public torch::autograd::Function<MaxPool> {
  public:
    static torch::Tensor forward(torch::autograd::AutogradContext* context,
                                 const torch::Tensor& input, std::int64_t kernel,
                                 std::int64_t stride, std::int64_t padding) {
        Geometry g{input.size(0), input.size(1), input.size(2), input.size(3), 0, 0,
                   kernel,        stride,        padding};
        g.outHeight = (g.height + 2 * padding - kernel) / stride + 1;
        g.outWidth = (g.width + 2 * padding - kernel) / stride + 1;
        torch::Tensor output = torch::empty({g.batch, g.channels, g.outHeight, g.outWidth},
                                            input.options(), torch::MemoryFormat::ChannelsLast);
        torch::Tensor offsets =
            torch::empty({g.batch, g.outHeight, g.outWidth, g.channels}, torch::kUInt8);
        const Bits* x = bitsOf(input);
        Bits* y = mutableBitsOf(output);
        Offset* where = offsets.data_ptr<Offset>();
        at::parallel_for(0, g.batch * g.outHeight, 1, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t row = begin; row < end; ++row) {
                maximaOfRow(x, y, where, row / g.outHeight, row % g.outHeight, g);
            }
        });
        context->saved_data["geometry"] =
            std::vector<std::int64_t>{g.batch,    g.channels, g.height, g.width, g.outHeight,
                                      g.outWidth, kernel,     stride,   padding};
        context->save_for_backward({offsets});
        return output;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                   torch::autograd::variable_list gradients) {
        const auto v = context->saved_data["geometry"].toIntVector();
        const Geometry g{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]};
        const torch::Tensor offsets = context->get_saved_variables()[0];
        const torch::Tensor gradient =
            gradients[0].to(torch::kBFloat16).contiguous(torch::MemoryFormat::ChannelsLast);
        torch::Tensor result = torch::empty({g.batch, g.channels, g.height, g.width},
                                            gradient.options(), torch::MemoryFormat::ChannelsLast);
        const Bits* dy = bitsOf(gradient);
        const Offset* where = offsets.data_ptr<Offset>();
        Bits* dx = mutableBitsOf(result);
        at::parallel_for(0, g.batch * g.height, 1, [&](std::int64_t begin, std::int64_t end) {
            std::vector<float> sum(static_cast<std::size_t>(g.channels));
            for (std::int64_t row = begin; row < end; ++row) {
                gradientOfRow(dy, where, dx, row / g.height, row % g.height, g, sum.data());
            }
        });
        return {result, torch::Tensor(), torch::Tensor(), torch::Tensor()};
    }
};

}  // namespace

torch::Tensor maxPool2d(const torch::Tensor& input, std::int64_t kernel, std::int64_t stride,
                        std::int64_t padding) {
    if (!suitsBFloat16Kernels(input) || !input.requires_grad() || !torch::GradMode::is_enabled() ||
        kernel * kernel > 256 || input.size(2) + 2 * padding < kernel ||
        input.size(3) + 2 * padding < kernel || padding * 2 > kernel) {
        return torch::max_pool2d(input, kernel, stride, padding);
    }
    return MaxPool::apply(input, kernel, stride, padding);
}

}  // namespace fovea::core::layers
