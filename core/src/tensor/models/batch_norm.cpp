// BatchNorm2d with statistics summed across processes (layers.h, batch_norm_sync.h).
#include <algorithm>
#include <ostream>

#include "fovea/core/models/batch_norm_sync.h"
#include "fovea/core/models/network.h"
#include "layers.h"

namespace fovea::core {
namespace layers {
namespace {

// `local` summed over the processes, differentiable: every process's loss depends on every
// process's statistics, so the gradient reaching `local` is the sum of the processes' gradients
// of the total (summed by a hook as backward passes through).
torch::Tensor summedAcrossProcesses(const torch::Tensor& local,
                                    const std::function<void(torch::Tensor&)>& sum) {
    torch::Tensor total = local.detach().clone();
    sum(total);
    if (!local.requires_grad()) return total;
    local.register_hook([sum](const torch::Tensor& grad) {
        torch::Tensor summed = grad.clone();
        sum(summed);
        return summed;
    });
    // The total's value; the identity's gradient to `local`.
    return local + (total - local.detach());
}

}  // namespace

BatchNorm2dImpl::BatchNorm2dImpl(const torch::nn::BatchNormOptions& options_) : options(options_) {
    BatchNorm2dImpl::reset();
}

// As LibTorch's NormImplBase: weight and bias, then the running statistics, in that order.
void BatchNorm2dImpl::reset() {
    const std::int64_t features = options.num_features();
    if (options.affine()) {
        weight = register_parameter("weight", torch::empty({features}));
        bias = register_parameter("bias", torch::empty({features}));
    } else {
        weight = register_parameter("weight", torch::Tensor(), /*requires_grad=*/false);
        bias = register_parameter("bias", torch::Tensor(), /*requires_grad=*/false);
    }
    if (options.track_running_stats()) {
        running_mean = register_buffer("running_mean", torch::zeros({features}));
        running_var = register_buffer("running_var", torch::ones({features}));
        num_batches_tracked =
            register_buffer("num_batches_tracked", torch::tensor(0, torch::kLong));
    } else {
        running_mean = register_buffer("running_mean", torch::Tensor());
        running_var = register_buffer("running_var", torch::Tensor());
        num_batches_tracked = register_buffer("num_batches_tracked", torch::Tensor());
    }
    reset_parameters();
}

void BatchNorm2dImpl::reset_parameters() {
    torch::NoGradGuard noGrad;
    if (options.track_running_stats()) {
        running_mean.zero_();
        running_var.fill_(1);
        num_batches_tracked.zero_();
    }
    if (options.affine()) {
        torch::nn::init::ones_(weight);
        torch::nn::init::zeros_(bias);
    }
}

torch::Tensor BatchNorm2dImpl::forward(const torch::Tensor& input) {
    return forwardActivated(input, Activation::kNone);
}

torch::Tensor BatchNorm2dImpl::forwardActivated(const torch::Tensor& input, Activation activation) {
    TORCH_CHECK(activation == Activation::kNone || activation == Activation::kReLU,
                "BatchNorm2d fuses no activation but ReLU");
    return normalise(input, activation, torch::Tensor());
}

torch::Tensor BatchNorm2dImpl::forwardAddedReLU(const torch::Tensor& input,
                                                const torch::Tensor& residual) {
    return normalise(input, Activation::kReLU, residual);
}

torch::Tensor BatchNorm2dImpl::normalise(const torch::Tensor& input, Activation activation,
                                         const torch::Tensor& residual) {
    TORCH_CHECK(input.dim() == 4, "BatchNorm2d expects [N, C, H, W], got ", input.sizes());
    // The unfused computation: the same operations as before fusing, for exports and float32.
    const auto finish = [&](const torch::Tensor& normalised) {
        const torch::Tensor sum = residual.defined() ? normalised + residual : normalised;
        return activation == Activation::kReLU ? torch::relu(sum) : sum;
    };
    if (m_sum && is_training()) return finish(synchronisedForward(input));
    // LibTorch's BatchNormImplBase::forward.
    double averageFactor = 0.0;
    if (is_training() && options.track_running_stats()) {
        num_batches_tracked += 1;
        averageFactor =
            options.momentum() ? *options.momentum() : 1.0 / num_batches_tracked.item<double>();
        const bool residualFits = !residual.defined() || (suitsBFloat16Kernels(residual) &&
                                                          residual.sizes() == input.sizes());
        if (options.affine() && suitsBFloat16Kernels(input) && residualFits) {
            return batchNormActivationBFloat16(input, residual, weight, bias, running_mean,
                                               running_var, averageFactor, options.eps(),
                                               activation);
        }
    }
    return finish(torch::batch_norm(input, weight, bias, running_mean, running_var,
                                    is_training() || !options.track_running_stats(), averageFactor,
                                    options.eps(), at::globalContext().userEnabledCuDNN()));
}

void BatchNorm2dImpl::pretty_print(std::ostream& stream) const {
    stream << std::boolalpha << "torch::nn::BatchNorm2d(" << options.num_features()
           << ", eps=" << options.eps() << ", momentum=";
    if (options.momentum()) {
        stream << *options.momentum();
    } else {
        stream << "None";
    }
    stream << ", affine=" << options.affine()
           << ", track_running_stats=" << options.track_running_stats() << ")";
}

torch::Tensor BatchNorm2dImpl::synchronisedForward(const torch::Tensor& input) {
    // Statistics in float32 whatever the autocast type, as batch_norm accumulates them.
    const torch::Tensor x = input.to(torch::kFloat);
    const std::int64_t channels = x.size(1);
    const std::vector<std::int64_t> dims{0, 2, 3};
    const std::vector<std::int64_t> perChannel{1, channels, 1, 1};
    // Two sums: the values with their count (the mean), then the squared deviations from that
    // mean (the variance), which stays exact where a sum of squares would cancel.
    const torch::Tensor count = torch::full({1}, static_cast<double>(x.numel() / channels),
                                            x.options().requires_grad(false));
    const torch::Tensor totals = summedAcrossProcesses(torch::cat({x.sum(dims), count}), m_sum);
    const torch::Tensor n = totals.narrow(0, channels, 1).detach();
    const torch::Tensor mean = totals.narrow(0, 0, channels) / n;
    const torch::Tensor centred = x - mean.view(perChannel);
    const torch::Tensor variance = summedAcrossProcesses((centred * centred).sum(dims), m_sum) / n;
    torch::Tensor y = centred * torch::rsqrt(variance + options.eps()).view(perChannel);
    if (options.affine()) y = y * weight.view(perChannel) + bias.view(perChannel);
    if (options.track_running_stats()) {
        torch::NoGradGuard noGrad;
        num_batches_tracked += 1;
        const double momentum =
            options.momentum()
                ? *options.momentum()
                : 1.0 / static_cast<double>(num_batches_tracked.item<std::int64_t>());
        const double samples = n.item<double>();
        // The running variance is the unbiased one, as batch_norm keeps it.
        const double unbiased = samples / std::max(samples - 1.0, 1.0);
        running_mean.mul_(1 - momentum).add_(mean.detach().to(running_mean.dtype()), momentum);
        running_var.mul_(1 - momentum)
            .add_((variance.detach() * unbiased).to(running_var.dtype()), momentum);
    }
    return y.to(input.scalar_type());
}

}  // namespace layers

std::size_t synchroniseBatchNorm(NetworkImpl& network, const TensorSum& sum) {
    std::size_t count = 0;
    for (const auto& module : network.modules(/*include_self=*/false)) {
        if (auto* norm = dynamic_cast<layers::BatchNorm2dImpl*>(module.get())) {
            norm->synchroniseWith(sum);
            ++count;
        }
    }
    return count;
}

}  // namespace fovea::core
