// FrozenBatchNorm2d (torchvision/ops/misc.py) and Conv2dNormActivation for the backbones.
#include "backbone_layers.h"

namespace fovea::core::detection::layers {

BackboneNorm2dImpl::BackboneNorm2dImpl(int64_t channels, const BackboneNormOptions& options)
    : m_options(options) {
    if (options.frozen) {
        m_weight = register_buffer("weight", torch::ones({channels}));
        m_bias = register_buffer("bias", torch::zeros({channels}));
    } else {
        m_weight = register_parameter("weight", torch::ones({channels}));
        m_bias = register_parameter("bias", torch::zeros({channels}));
    }
    m_runningMean = register_buffer("running_mean", torch::zeros({channels}));
    m_runningVar = register_buffer("running_var", torch::ones({channels}));
    if (!options.frozen) {
        m_numBatchesTracked =
            register_buffer("num_batches_tracked", torch::zeros({}, torch::kInt64));
    }
}

torch::Tensor BackboneNorm2dImpl::forward(torch::Tensor x) {
    if (m_options.frozen) {
        // FrozenBatchNorm2d.forward, operation for operation.
        const torch::Tensor w = m_weight.reshape({1, -1, 1, 1});
        const torch::Tensor b = m_bias.reshape({1, -1, 1, 1});
        const torch::Tensor rv = m_runningVar.reshape({1, -1, 1, 1});
        const torch::Tensor rm = m_runningMean.reshape({1, -1, 1, 1});
        const torch::Tensor scale = w * (rv + m_options.eps).rsqrt();
        const torch::Tensor shift = b - rm * scale;
        return x * scale + shift;
    }
    if (is_training()) {
        torch::NoGradGuard noGrad;
        m_numBatchesTracked.add_(1);
    }
    return torch::batch_norm(x, m_weight, m_bias, m_runningMean, m_runningVar, is_training(),
                             m_options.momentum, m_options.eps,
                             at::globalContext().userEnabledCuDNN());
}

namespace {

// A Conv2d that pads (left 0, right 1, top 0, bottom 1) itself; derived from Conv2dImpl so that
// its parameters keep their names and code looking for Conv2d (initialisation) still finds it.
class TfSamePaddedConv2dImpl : public torch::nn::Conv2dImpl {
  public:
    using Conv2dImpl::Conv2dImpl;
    torch::Tensor forward(const torch::Tensor& input) {
        namespace F = torch::nn::functional;
        return Conv2dImpl::forward(F::pad(input, F::PadFuncOptions({0, 1, 0, 1})));
    }
};
TORCH_MODULE(TfSamePaddedConv2d);

}  // namespace

Sequence convNormAct(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t groups,
                     Activation activation, const BackboneNormOptions& norm, bool tfSamePadding) {
    Sequence sequence;
    const auto options = torch::nn::Conv2dOptions(in, out, kernel)
                             .stride(stride)
                             .padding(tfSamePadding ? 0 : (kernel - 1) / 2)
                             .groups(groups)
                             .bias(false);
    if (tfSamePadding) {
        sequence->push_back(TfSamePaddedConv2d(options));
    } else {
        sequence->push_back(torch::nn::Conv2d(options));
    }
    sequence->push_back(BackboneNorm2d(out, norm));
    switch (activation) {
        case Activation::kNone:
            break;
        case Activation::kReLU:
            sequence->push_back(torch::nn::ReLU());
            break;
        case Activation::kReLU6:
            sequence->push_back(torch::nn::ReLU6());
            break;
        case Activation::kHardswish:
            sequence->push_back(
                torch::nn::Functional([](const torch::Tensor& x) { return torch::hardswish(x); }));
            break;
    }
    return sequence;
}

void initConvKaimingFanOut(torch::nn::Module& root) {
    torch::NoGradGuard noGrad;
    for (auto& module : root.modules(/*include_self=*/false)) {
        if (auto* conv = module->as<torch::nn::Conv2d>()) {
            torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
            if (conv->bias.defined()) torch::nn::init::zeros_(conv->bias);
        }
    }
}

}  // namespace fovea::core::detection::layers
