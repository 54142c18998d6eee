// Training-mode batch norm, with the activation after it, on bfloat16 channels-last activations
// (see layers.h).
//
// LibTorch 1.13's bfloat16 batch norm is not vectorised for the instructions this CPU has: on two
// cores here, ResNet-18's twenty batch norms and seventeen ReLUs took 36 ms of each bf16 training
// step (batch 16, 224 px) forward and backward. In the channels-last layout a channel is the
// innermost dimension, so every pass here is a loop over rows with a plain per-channel inner loop
// that the compiler vectorises, built for AVX-512 and AVX2 as well as the baseline and picked
// when the library loads. The activation (and a ResNet block's shortcut, added before it) rides
// in the normalising pass and its mask in the backward's passes, which saves their own passes:
// 23 ms for the same work, without the shortcuts.
//
// The arithmetic is batch_norm's: float statistics, the mean and then the squared deviations from
// it (not a sum of squares, which cancels), the biased variance to normalise and the unbiased
// one for the running statistics; the backward is batch_norm's training backward. Results are
// batch_norm's to bfloat16 rounding, not bit for bit (the sums are added in another order).
//
// Compiled with OpenMP (models.cmake): at::parallel_for is inline code, which runs on the
// intra-op threads only in a file compiled so.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "bfloat16_bits.h"
#include "layers.h"

namespace fovea::core::layers {
namespace {

using namespace bf16;

inline float relu(float value) { return value < 0.0f ? 0.0f : value; }  // NaN stays NaN

// The gradient ReLU passes back: where its output is positive (threshold_backward on the result).
inline float passedByReLU(float gradient, float output) { return output > 0.0f ? gradient : 0.0f; }

// --- Row kernels: rows [first, last) of a channels-last tensor of `channels` channels ---

FOVEA_VECTOR_CLONES
void addSums(const Bits* __restrict x, std::int64_t first, std::int64_t last, std::int64_t channels,
             float* __restrict sum) {
    for (std::int64_t row = first; row < last; ++row) {
        const Bits* __restrict values = x + row * channels;
        for (std::int64_t c = 0; c < channels; ++c) sum[c] += toFloat(values[c]);
    }
}

FOVEA_VECTOR_CLONES
void addSquaredDeviations(const Bits* __restrict x, std::int64_t first, std::int64_t last,
                          std::int64_t channels, const float* __restrict mean,
                          float* __restrict sum) {
    for (std::int64_t row = first; row < last; ++row) {
        const Bits* __restrict values = x + row * channels;
        for (std::int64_t c = 0; c < channels; ++c) {
            const float centred = toFloat(values[c]) - mean[c];
            sum[c] += centred * centred;
        }
    }
}

// y = activation(x * scale + shift [+ residual]); the residual (null: none) comes with ReLU.
FOVEA_VECTOR_CLONES
void normalise(const Bits* __restrict x, const Bits* __restrict residual, Bits* __restrict y,
               std::int64_t first, std::int64_t last, std::int64_t channels,
               const float* __restrict scale, const float* __restrict shift,
               Activation activation) {
    for (std::int64_t row = first; row < last; ++row) {
        const Bits* __restrict in = x + row * channels;
        Bits* __restrict out = y + row * channels;
        if (residual) {
            const Bits* __restrict added = residual + row * channels;
            for (std::int64_t c = 0; c < channels; ++c) {
                out[c] =
                    bf16::toBits(relu(toFloat(in[c]) * scale[c] + shift[c] + toFloat(added[c])));
            }
        } else if (activation == Activation::kReLU) {
            for (std::int64_t c = 0; c < channels; ++c) {
                out[c] = bf16::toBits(relu(toFloat(in[c]) * scale[c] + shift[c]));
            }
        } else {
            for (std::int64_t c = 0; c < channels; ++c) {
                out[c] = bf16::toBits(toFloat(in[c]) * scale[c] + shift[c]);
            }
        }
    }
}

// The gradient past the activation at element i (y: ReLU's output; null without one).
inline float passed(const Bits* __restrict dy, const Bits* __restrict y, std::int64_t i,
                    Activation activation) {
    if (activation == Activation::kReLU) return passedByReLU(toFloat(dy[i]), toFloat(y[i]));
    return toFloat(dy[i]);
}

// Per channel, the sums of the gradients g past the activation and of g * (x - mean). Where a
// residual wants a gradient, g is that too, written to `residualGradient` (else null).
FOVEA_VECTOR_CLONES
void addGradientSums(const Bits* __restrict dy, const Bits* __restrict y, const Bits* __restrict x,
                     std::int64_t first, std::int64_t last, std::int64_t channels,
                     const float* __restrict mean, Activation activation, float* __restrict sums,
                     Bits* __restrict residualGradient) {
    float* __restrict sumG = sums;
    float* __restrict sumGX = sums + channels;
    for (std::int64_t row = first; row < last; ++row) {
        const std::int64_t base = row * channels;
        if (residualGradient) {
            for (std::int64_t c = 0; c < channels; ++c) {
                const bool passes = toFloat(y[base + c]) > 0.0f;
                residualGradient[base + c] = passes ? dy[base + c] : Bits{0};
                const float g = passes ? toFloat(dy[base + c]) : 0.0f;
                sumG[c] += g;
                sumGX[c] += g * (toFloat(x[base + c]) - mean[c]);
            }
        } else if (activation == Activation::kReLU) {
            for (std::int64_t c = 0; c < channels; ++c) {
                const float g = passedByReLU(toFloat(dy[base + c]), toFloat(y[base + c]));
                sumG[c] += g;
                sumGX[c] += g * (toFloat(x[base + c]) - mean[c]);
            }
        } else {
            for (std::int64_t c = 0; c < channels; ++c) {
                const float g = toFloat(dy[base + c]);
                sumG[c] += g;
                sumGX[c] += g * (toFloat(x[base + c]) - mean[c]);
            }
        }
    }
}

// dx = gamma * invstd * (g - mean(g) - (x - mean) * invstd^2 * mean(g * (x - mean))), with the
// per-channel factors folded: factor = gamma * invstd, projection = invstd^2 * mean(g (x - m)).
struct InputGradientFactors {
    const float* mean;
    const float* meanGradient;
    const float* projection;
    const float* factor;
};

FOVEA_VECTOR_CLONES
void inputGradient(const Bits* __restrict dy, const Bits* __restrict y, const Bits* __restrict x,
                   Bits* __restrict dx, std::int64_t first, std::int64_t last,
                   std::int64_t channels, InputGradientFactors f, Activation activation) {
    const float* __restrict mean = f.mean;
    const float* __restrict meanGradient = f.meanGradient;
    const float* __restrict projection = f.projection;
    const float* __restrict factor = f.factor;
    for (std::int64_t row = first; row < last; ++row) {
        const std::int64_t base = row * channels;
        for (std::int64_t c = 0; c < channels; ++c) {
            const float g = passed(dy, y, base + c, activation);
            const float centred = toFloat(x[base + c]) - mean[c];
            dx[base + c] =
                bf16::toBits((g - meanGradient[c] - centred * projection[c]) * factor[c]);
        }
    }
}

// --- Passes over the whole tensor, on the intra-op threads ---

std::int64_t rowGrain(std::int64_t channels) {
    return std::max<std::int64_t>(1, (std::int64_t{1} << 15) / channels);
}

// Per-channel sums over all rows: `add(first, last, block)` adds rows [first, last) into
// `width` floats. Each thread sums blocks of rows in float and adds the blocks into double, so a
// long sum loses no more than a block's rounding; the threads' totals are added in thread order.
template <class Add>
std::vector<double> sumOverRows(std::int64_t rows, std::int64_t channels, std::int64_t width,
                                const Add& add) {
    constexpr std::int64_t kBlockRows = 64;
    const int threads = at::get_num_threads();
    std::vector<double> partial(static_cast<std::size_t>(threads * width), 0.0);
    at::parallel_for(0, rows, rowGrain(channels), [&](std::int64_t begin, std::int64_t end) {
        double* total = partial.data() + at::get_thread_num() * width;
        std::vector<float> block(static_cast<std::size_t>(width));
        for (std::int64_t first = begin; first < end; first += kBlockRows) {
            std::fill(block.begin(), block.end(), 0.0f);
            add(first, std::min(end, first + kBlockRows), block.data());
            for (std::int64_t i = 0; i < width; ++i) total[i] += block[i];
        }
    });
    std::vector<double> sums(static_cast<std::size_t>(width), 0.0);
    for (int thread = 0; thread < threads; ++thread) {
        for (std::int64_t i = 0; i < width; ++i) sums[i] += partial[thread * width + i];
    }
    return sums;
}

std::vector<float> floatsOf(const torch::Tensor& tensor) {
    const torch::Tensor values = tensor.to(torch::kFloat).contiguous();
    return {values.data_ptr<float>(), values.data_ptr<float>() + values.numel()};
}

torch::Tensor floatTensor(const std::vector<float>& values) {
    return torch::tensor(values, torch::kFloat);
}

class BatchNormActivation : public torch::autograd::Function<BatchNormActivation> {
  public:
    static torch::Tensor forward(torch::autograd::AutogradContext* context,
                                 const torch::Tensor& input, const torch::Tensor& residual,
                                 const torch::Tensor& weight, const torch::Tensor& bias,
                                 torch::Tensor runningMean, torch::Tensor runningVar,
                                 double averageFactor, double eps, std::int64_t activationCode) {
        const auto activation = static_cast<Activation>(activationCode);
        const std::int64_t channels = input.size(1);
        const std::int64_t rows = input.numel() / channels;
        const auto count = static_cast<double>(rows);
        const Bits* x = bitsOf(input);

        const std::vector<double> sums = sumOverRows(
            rows, channels, channels,
            [&](auto first, auto last, float* block) { addSums(x, first, last, channels, block); });
        std::vector<float> mean(static_cast<std::size_t>(channels));
        for (std::int64_t c = 0; c < channels; ++c) mean[c] = static_cast<float>(sums[c] / count);
        const std::vector<double> squares =
            sumOverRows(rows, channels, channels, [&](auto first, auto last, float* block) {
                addSquaredDeviations(x, first, last, channels, mean.data(), block);
            });

        const std::vector<float> gamma = floatsOf(weight);
        const std::vector<float> beta = floatsOf(bias);
        std::vector<float> invstd(mean.size()), scale(mean.size()), shift(mean.size());
        std::vector<float> unbiasedVariance(mean.size());
        for (std::int64_t c = 0; c < channels; ++c) {
            invstd[c] = static_cast<float>(1.0 / std::sqrt(squares[c] / count + eps));
            scale[c] = gamma[c] * invstd[c];
            shift[c] = beta[c] - mean[c] * scale[c];
            unbiasedVariance[c] = static_cast<float>(squares[c] / std::max(count - 1.0, 1.0));
        }
        {
            torch::NoGradGuard noGrad;
            runningMean.mul_(1 - averageFactor)
                .add_(floatTensor(mean).to(runningMean.scalar_type()), averageFactor);
            runningVar.mul_(1 - averageFactor)
                .add_(floatTensor(unbiasedVariance).to(runningVar.scalar_type()), averageFactor);
        }

        torch::Tensor output = torch::empty_like(input, torch::MemoryFormat::ChannelsLast);
        Bits* y = mutableBitsOf(output);
        at::parallel_for(0, rows, rowGrain(channels), [&](std::int64_t begin, std::int64_t end) {
            normalise(x, residual.numel() > 0 ? bitsOf(residual) : nullptr, y, begin, end, channels,
                      scale.data(), shift.data(), activation);
        });

        context->saved_data["activation"] = activationCode;
        context->save_for_backward({input, weight, floatTensor(mean), floatTensor(invstd),
                                    activation == Activation::kNone ? torch::Tensor() : output});
        return output;
    }

    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                   torch::autograd::variable_list gradients) {
        const auto activation = static_cast<Activation>(context->saved_data["activation"].toInt());
        const auto saved = context->get_saved_variables();
        const torch::Tensor& input = saved[0];
        const torch::Tensor& weight = saved[1];
        const float* mean = saved[2].data_ptr<float>();
        const float* invstd = saved[3].data_ptr<float>();
        const Bits* y = saved[4].defined() ? bitsOf(saved[4]) : nullptr;
        const torch::Tensor grad =
            gradients[0].to(torch::kBFloat16).contiguous(torch::MemoryFormat::ChannelsLast);

        const std::int64_t channels = input.size(1);
        const std::int64_t rows = input.numel() / channels;
        const auto count = static_cast<double>(rows);
        const Bits* x = bitsOf(input);
        const Bits* dy = bitsOf(grad);
        // The shortcut's gradient where it wants one (no residual: the empty stand-in wants none).
        torch::Tensor gradResidual;
        Bits* residualGradient = nullptr;
        if (context->needs_input_grad(1)) {
            gradResidual = torch::empty_like(input, torch::MemoryFormat::ChannelsLast);
            residualGradient = mutableBitsOf(gradResidual);
        }

        // Per channel: the sum of the gradients past the activation, then of those times the
        // centred input.
        const std::vector<double> sums =
            sumOverRows(rows, channels, 2 * channels, [&](auto first, auto last, float* block) {
                addGradientSums(dy, y, x, first, last, channels, mean, activation, block,
                                residualGradient);
            });

        torch::Tensor gradWeight, gradBias, gradInput;
        if (context->needs_input_grad(2)) {
            std::vector<float> values(static_cast<std::size_t>(channels));
            for (std::int64_t c = 0; c < channels; ++c) {
                values[c] = static_cast<float>(sums[channels + c] * invstd[c]);
            }
            gradWeight = floatTensor(values).to(weight.scalar_type());
        }
        if (context->needs_input_grad(3)) {
            gradBias = floatTensor(std::vector<float>(sums.begin(), sums.begin() + channels))
                           .to(weight.scalar_type());
        }
        if (context->needs_input_grad(0)) {
            const std::vector<float> gamma = floatsOf(weight);
            std::vector<float> meanGradient(gamma.size()), projection(gamma.size()),
                factor(gamma.size());
            for (std::int64_t c = 0; c < channels; ++c) {
                meanGradient[c] = static_cast<float>(sums[c] / count);
                projection[c] =
                    static_cast<float>(sums[channels + c] / count * invstd[c] * invstd[c]);
                factor[c] = gamma[c] * invstd[c];
            }
            const InputGradientFactors factors{mean, meanGradient.data(), projection.data(),
                                               factor.data()};
            gradInput = torch::empty_like(input, torch::MemoryFormat::ChannelsLast);
            Bits* dx = mutableBitsOf(gradInput);
            at::parallel_for(0, rows, rowGrain(channels), [&](auto begin, auto end) {
                inputGradient(dy, y, x, dx, begin, end, channels, factors, activation);
            });
        }
        return {gradInput,       gradResidual,    gradWeight,      gradBias,       torch::Tensor(),
                torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
    }
};

}  // namespace

bool suitsBFloat16Kernels(const torch::Tensor& input) {
    return input.dim() == 4 && input.device().is_cpu() && input.scalar_type() == torch::kBFloat16 &&
           input.is_contiguous(torch::MemoryFormat::ChannelsLast) && input.numel() > 0;
}

torch::Tensor batchNormActivationBFloat16(const torch::Tensor& input, const torch::Tensor& residual,
                                          const torch::Tensor& weight, const torch::Tensor& bias,
                                          torch::Tensor& runningMean, torch::Tensor& runningVar,
                                          double averageFactor, double eps, Activation activation) {
    // No residual: an empty tensor, as LibTorch 1.13's custom functions take no undefined input.
    const torch::Tensor added = residual.defined() ? residual : torch::empty({0}, input.options());
    return BatchNormActivation::apply(input, added, weight, bias, runningMean, runningVar,
                                      averageFactor, eps, static_cast<std::int64_t>(activation));
}

}  // namespace fovea::core::layers
