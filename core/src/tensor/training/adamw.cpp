#include "adamw.h"

#include <cmath>
#include <memory>

#include "../torch_compat.h"

namespace fovea::core {

torch::Tensor PythonMatchingAdamW::step(LossClosure closure) {
    torch::NoGradGuard noGrad;
    torch::Tensor loss;
    if (closure) {
        at::AutoGradMode enableGrad(true);
        loss = closure();
    }
    for (auto& group : param_groups()) {
        auto& options = static_cast<torch::optim::AdamWOptions&>(group.options());
        TORCH_CHECK(!options.amsgrad(), "PythonMatchingAdamW does not support amsgrad");
        const auto [beta1, beta2] = options.betas();
        for (auto& parameter : group.params()) {
            if (!parameter.grad().defined()) continue;
            const torch::Tensor& gradient = parameter.grad();
            if (options.weight_decay() != 0) {
                parameter.mul_(1 - options.lr() * options.weight_decay());
            }
            auto& slot = state()[compat::optimizerStateKey(parameter)];
            if (!slot) {
                auto fresh = std::make_unique<torch::optim::AdamWParamState>();
                fresh->step(0);
                fresh->exp_avg(torch::zeros_like(parameter, torch::MemoryFormat::Preserve));
                fresh->exp_avg_sq(torch::zeros_like(parameter, torch::MemoryFormat::Preserve));
                slot = std::move(fresh);
            }
            auto& moments = static_cast<torch::optim::AdamWParamState&>(*slot);
            moments.step(moments.step() + 1);
            compat::updateFirstMoment(moments.exp_avg(), gradient, beta1);
            moments.exp_avg_sq().mul_(beta2).addcmul_(gradient, gradient, 1 - beta2);

            const double firstCorrection = 1 - std::pow(beta1, moments.step());
            const double secondCorrection = 1 - std::pow(beta2, moments.step());
            const torch::Tensor denominator =
                (moments.exp_avg_sq().sqrt() / std::sqrt(secondCorrection)).add_(options.eps());
            parameter.addcdiv_(moments.exp_avg(), denominator, -options.lr() / firstCorrection);
        }
    }
    return loss;
}

}  // namespace fovea::core
