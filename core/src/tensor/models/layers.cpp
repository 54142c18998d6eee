#include "layers.h"

#include <algorithm>

namespace fovea::core::layers {

torch::Tensor ReLU6Impl::forward(torch::Tensor x) {
    if (x.scalar_type() == torch::kBFloat16) return relu6BFloat16(x);
    return torch::relu6_(x);
}

torch::nn::AnyModule activationModule(Activation activation) {
    switch (activation) {
        case Activation::kReLU:
            return torch::nn::AnyModule(torch::nn::ReLU(true));
        case Activation::kReLU6:
            return torch::nn::AnyModule(ReLU6());
        case Activation::kSiLU:
            return torch::nn::AnyModule(torch::nn::SiLU());
        case Activation::kSigmoid:
            return torch::nn::AnyModule(torch::nn::Sigmoid());
        // LibTorch 1.13 has the functions but no modules for these two.
        case Activation::kHardswish:
            return torch::nn::AnyModule(
                torch::nn::Functional([](torch::Tensor x) { return torch::hardswish(x); }));
        case Activation::kHardsigmoid:
            return torch::nn::AnyModule(
                torch::nn::Functional([](torch::Tensor x) { return torch::hardsigmoid(x); }));
        case Activation::kNone:
            break;
    }
    return torch::nn::AnyModule(torch::nn::Identity());
}

Sequence convNormAct(int64_t in, int64_t out, const ConvNormActOptions& options) {
    const int64_t padding = (options.kernel() - 1) / 2 * options.dilation();
    Sequence sequence;
    sequence->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, options.kernel())
                                              .stride(options.stride())
                                              .padding(padding)
                                              .dilation(options.dilation())
                                              .groups(options.groups())
                                              .bias(false)));
    sequence->push_back(layers::BatchNorm2d(
        torch::nn::BatchNorm2dOptions(out).eps(options.bnEps()).momentum(options.bnMomentum())));
    if (options.activation() != Activation::kNone) {
        sequence->push_back(activationModule(options.activation()));
    }
    return sequence;
}

SqueezeExcitationImpl::SqueezeExcitationImpl(int64_t channels, int64_t squeezeChannels,
                                             Activation activation, Activation scaleActivation)
    : m_fc1(register_module(
          "fc1", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, squeezeChannels, 1)))),
      m_fc2(register_module(
          "fc2", torch::nn::Conv2d(torch::nn::Conv2dOptions(squeezeChannels, channels, 1)))),
      m_activation(activationModule(activation)),
      m_scaleActivation(activationModule(scaleActivation)) {}

torch::Tensor SqueezeExcitationImpl::forward(torch::Tensor input) {
    auto scale = torch::adaptive_avg_pool2d(input, {1, 1});
    scale = m_fc2(m_activation.forward(m_fc1(scale)));
    return m_scaleActivation.forward(scale) * input;
}

int64_t makeDivisible(double value, int64_t divisor, int64_t minValue) {
    if (minValue == 0) minValue = divisor;
    int64_t rounded = std::max<int64_t>(
        minValue, static_cast<int64_t>(value + divisor / 2.0) / divisor * divisor);
    if (rounded < 0.9 * value) rounded += divisor;
    return rounded;
}

torch::nn::AnyModule anyHead(const std::shared_ptr<torch::nn::Module>& head) {
    if (auto linear = std::dynamic_pointer_cast<torch::nn::LinearImpl>(head)) {
        return torch::nn::AnyModule(torch::nn::Linear(linear));
    }
    auto sequence = std::dynamic_pointer_cast<SequenceImpl>(head);
    TORCH_CHECK(sequence, "a head must be a Linear or a Sequence");
    return torch::nn::AnyModule(Sequence(sequence));
}

torch::nn::Sequential withReplaced(torch::nn::Sequential sequence, size_t index,
                                   const std::shared_ptr<torch::nn::Module>& head) {
    torch::nn::Sequential rebuilt;
    size_t position = 0;
    for (const auto& element : *sequence) {
        // The other elements are the same AnyModule objects: their weights stay.
        rebuilt->push_back(position++ == index ? anyHead(head) : element);
    }
    return rebuilt;
}

void initConvKaimingFanOut(torch::nn::Conv2dImpl& conv) {
    torch::nn::init::kaiming_normal_(conv.weight, 0.0, torch::kFanOut, torch::kReLU);
    if (conv.bias.defined()) torch::nn::init::zeros_(conv.bias);
}

void initBatchNormOnesZeros(torch::nn::Module& module) {
    if (auto* norm = module.as<BatchNorm2d>()) {
        torch::nn::init::ones_(norm->weight);
        torch::nn::init::zeros_(norm->bias);
    }
}

void initConvAndNorm(torch::nn::Module& root) {
    torch::NoGradGuard noGrad;
    for (auto& module : root.modules(/*include_self=*/false)) {
        if (auto* conv = module->as<torch::nn::Conv2d>()) initConvKaimingFanOut(*conv);
        initBatchNormOnesZeros(*module);
    }
}

}  // namespace fovea::core::layers
