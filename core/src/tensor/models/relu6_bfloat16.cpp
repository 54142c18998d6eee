// ReLU6 on bfloat16 activations with a one-pass backward (see layers.h).
//
// LibTorch 1.13 has no bfloat16 kernel for hardtanh's backward (relu6's), and clamp's backward
// makes four passes over the activation, with two bool tensors, per layer (x >= 0, x <= 6, their
// `and`, a where): 66 ms for a [16, 96, 112, 112] activation on two cores here, which made it
// about half of MobileNetV2's bf16 training step. This backward reads the saved output and the
// gradient once (16 ms for that activation). Its mask is hardtanh's on relu6's output, which
// in-place relu6 saves, 0 < y < 6, so bf16 and fp32 pass the gradient on the same elements.
//
// Compiled with OpenMP (models.cmake): at::parallel_for is inline code, which runs on the
// intra-op threads only in a file compiled so.
#include <torch/torch.h>

#include <cstdint>

#include "layers.h"

namespace fovea::core::layers {
namespace {

// Positive bfloat16 values order as their bits do; 6.0 is 0x40C0. Negative values, -0 and
// negative NaNs are negative as int16, positive NaNs and infinities lie above 6.
constexpr std::int16_t kSixBits = 0x40C0;

torch::Tensor passInsideBounds(const torch::Tensor& gradient, const torch::Tensor& output) {
    // Both dense in the output's layout (a no-op for clamp's output), so element i is the same
    // element in each.
    const auto format = output.suggest_memory_format();
    const torch::Tensor kept = output.contiguous(format);
    const torch::Tensor grad = gradient.to(torch::kBFloat16).contiguous(format);
    torch::Tensor result = torch::empty_like(kept);
    const auto* y = reinterpret_cast<const std::int16_t*>(kept.data_ptr<at::BFloat16>());
    const auto* g = reinterpret_cast<const std::int16_t*>(grad.data_ptr<at::BFloat16>());
    auto* out = reinterpret_cast<std::int16_t*>(result.data_ptr<at::BFloat16>());
    at::parallel_for(0, kept.numel(), 1 << 15, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) {
            out[i] = (y[i] > 0 && y[i] < kSixBits) ? g[i] : std::int16_t{0};
        }
    });
    return result;
}

class ReLU6BFloat16 : public torch::autograd::Function<ReLU6BFloat16> {
  public:
    static torch::Tensor forward(torch::autograd::AutogradContext* context,
                                 const torch::Tensor& input) {
        torch::Tensor output = input.clamp(0, 6);
        context->save_for_backward({output});
        return output;
    }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                   torch::autograd::variable_list gradients) {
        return {passInsideBounds(gradients[0], context->get_saved_variables()[0])};
    }
};

}  // namespace

torch::Tensor relu6BFloat16(const torch::Tensor& input) {
    if (!input.requires_grad() || !torch::GradMode::is_enabled()) return input.clamp(0, 6);
    return ReLU6BFloat16::apply(input);
}

}  // namespace fovea::core::layers
