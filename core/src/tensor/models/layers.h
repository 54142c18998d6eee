#pragma once

// Building blocks shared by the zoo architectures, named as torchvision names them so that
// state dicts load unchanged.
#include <torch/torch.h>

#include <functional>

namespace fovea::core::layers {

// A Sequential with a plain Tensor -> Tensor forward, so that it can itself be an element of a
// Sequential (LibTorch's AnyModule cannot hold the templated Sequential::forward). It names its
// elements "0", "1", ... as Python's nn.Sequential does.
class SequenceImpl : public torch::nn::SequentialImpl {
  public:
    using SequentialImpl::SequentialImpl;
    torch::Tensor forward(torch::Tensor x) { return SequentialImpl::forward(x); }
};
TORCH_MODULE(Sequence);

// torchvision's ReLU6 (an in-place hardtanh to [0, 6]) that also trains in bfloat16: LibTorch
// 1.13 has no bfloat16 backward for hardtanh, so bfloat16 inputs take relu6BFloat16 (the same
// values, and the gradient passed where hardtanh's backward passes it). Every other type keeps
// hardtanh, so float32 results, gradients and exported graphs stay torchvision's exactly.
class ReLU6Impl : public torch::nn::Cloneable<ReLU6Impl> {
  public:
    void reset() override {}
    torch::Tensor forward(torch::Tensor x);
};
TORCH_MODULE(ReLU6);

// clamp(input, 0, 6) for a bfloat16 input, whose backward passes the gradient where the output
// lies strictly inside (0, 6), in one pass (relu6_bfloat16.cpp).
torch::Tensor relu6BFloat16(const torch::Tensor& input);

enum class Activation { kNone, kReLU, kReLU6, kHardswish, kHardsigmoid, kSiLU, kSigmoid };

// Whether the zoo's own bfloat16 kernels take `input`: 4-D, bfloat16, channels-last, on the CPU,
// where LibTorch 1.13's kernels are not vectorised for bfloat16 (bf16 mixed-precision training).
bool suitsBFloat16Kernels(const torch::Tensor& input);

// Training-mode batch_norm (batch statistics; the running ones updated by `averageFactor`)
// followed by `activation` (kNone or kReLU), for inputs that suit the bfloat16 kernels:
// vectorised passes, the activation and its mask fused into them (batch_norm_bfloat16.cpp).
// A defined `residual` (with kReLU only; same shape and layout) is added before the ReLU, as a
// ResNet block's shortcut. Equal to batch_norm's to bfloat16 rounding.
torch::Tensor batchNormActivationBFloat16(const torch::Tensor& input, const torch::Tensor& residual,
                                          const torch::Tensor& weight, const torch::Tensor& bias,
                                          torch::Tensor& runningMean, torch::Tensor& runningVar,
                                          double averageFactor, double eps, Activation activation);

// torch::max_pool2d(input, kernel, stride, padding); for an input that suits the bfloat16 kernels
// and needs a gradient, vectorised, with a backward that writes each input's gradient once
// (max_pool_bfloat16.cpp). The same values and gradients, to bfloat16 rounding of their sums.
torch::Tensor maxPool2d(const torch::Tensor& input, std::int64_t kernel, std::int64_t stride,
                        std::int64_t padding);

// torch::nn::BatchNorm2d's parameters, buffers, names, options and computation (the same
// batch_norm call, so exports trace the same graph), whose batch statistics can be summed
// across processes while it trains, as PyTorch's SyncBatchNorm (see
// fovea/core/models/batch_norm_sync.h). Its own module rather than a subclass of LibTorch's,
// whose base class LibTorch does not export.
class BatchNorm2dImpl : public torch::nn::Cloneable<BatchNorm2dImpl> {
  public:
    explicit BatchNorm2dImpl(std::int64_t features)
        : BatchNorm2dImpl(torch::nn::BatchNormOptions(features)) {}
    explicit BatchNorm2dImpl(const torch::nn::BatchNormOptions& options);
    void reset() override;
    void reset_parameters();
    void pretty_print(std::ostream& stream) const override;
    torch::Tensor forward(const torch::Tensor& input);
    // forward followed by `activation` (kNone or kReLU), fused into one computation where
    // suitsBFloat16Kernels takes the input in training; otherwise forward, then the activation.
    torch::Tensor forwardActivated(const torch::Tensor& input, Activation activation);
    // relu(forward(input) + residual), fused likewise where both suit the bfloat16 kernels.
    torch::Tensor forwardAddedReLU(const torch::Tensor& input, const torch::Tensor& residual);

    // Sums a tensor across processes in place; empty: statistics of this process alone.
    void synchroniseWith(std::function<void(torch::Tensor&)> sum) { m_sum = std::move(sum); }

    torch::nn::BatchNormOptions options;
    torch::Tensor weight, bias, running_mean, running_var, num_batches_tracked;

  private:
    torch::Tensor normalise(const torch::Tensor& input, Activation activation,
                            const torch::Tensor& residual);
    torch::Tensor synchronisedForward(const torch::Tensor& input);
    std::function<void(torch::Tensor&)> m_sum;
};
TORCH_MODULE(BatchNorm2d);

torch::nn::AnyModule activationModule(Activation activation);

// Chainable like LibTorch's own options: ConvNormActOptions().kernel(1).stride(2).
struct ConvNormActOptions {
    TORCH_ARG(int64_t, kernel) = 3;
    TORCH_ARG(int64_t, stride) = 1;
    TORCH_ARG(int64_t, groups) = 1;
    TORCH_ARG(int64_t, dilation) = 1;
    TORCH_ARG(double, bnEps) = 1e-5;
    TORCH_ARG(double, bnMomentum) = 0.1;
    TORCH_ARG(Activation, activation) = Activation::kReLU;
};

// torchvision.ops.Conv2dNormActivation: "0" Conv2d (no bias, "same"-style padding
// (k-1)/2*dilation), "1" BatchNorm2d, "2" activation (omitted for kNone).
Sequence convNormAct(int64_t in, int64_t out, const ConvNormActOptions& options);

// torchvision.ops.SqueezeExcitation: avgpool -> fc1 (1x1 conv) -> activation -> fc2 -> scale.
class SqueezeExcitationImpl : public torch::nn::Module {
  public:
    SqueezeExcitationImpl(int64_t channels, int64_t squeezeChannels, Activation activation,
                          Activation scaleActivation);
    torch::Tensor forward(torch::Tensor input);

  private:
    torch::nn::Conv2d m_fc1{nullptr}, m_fc2{nullptr};
    torch::nn::AnyModule m_activation, m_scaleActivation;
};
TORCH_MODULE(SqueezeExcitation);

// torchvision's _make_divisible (from the TensorFlow MobileNet code): round channels to a
// multiple of `divisor`, never going down by more than 10%.
int64_t makeDivisible(double value, int64_t divisor, int64_t minValue = 0);

// Wraps a head built by NetworkImpl::replaceHead (a Linear or a Sequence) for calling.
torch::nn::AnyModule anyHead(const std::shared_ptr<torch::nn::Module>& head);

// Rebuilds `sequence` with element `index` replaced by `head` (the other elements are the
// same module objects, so their weights stay).
torch::nn::Sequential withReplaced(torch::nn::Sequential sequence, size_t index,
                                   const std::shared_ptr<torch::nn::Module>& head);

// The initialisations torchvision applies in its constructors.
void initConvKaimingFanOut(torch::nn::Conv2dImpl& conv);
void initBatchNormOnesZeros(torch::nn::Module& module);

// Applies the usual CNN initialisation to every Conv2d and BatchNorm2d under `root`:
// Kaiming-normal (fan_out, ReLU) weights, zero biases; BatchNorm weight 1, bias 0.
void initConvAndNorm(torch::nn::Module& root);

}  // namespace fovea::core::layers
