#include "loss_scaler.h"

namespace fovea::core {

LossScaler::LossScaler(LossScaleOptions options) : m_options(options) {
    m_state.scale = m_options.initialScale;
}

torch::Tensor LossScaler::scale(const torch::Tensor& loss) const { return loss * m_state.scale; }

bool LossScaler::unscale(const std::vector<torch::Tensor>& parameters) const {
    std::vector<torch::Tensor> gradients;
    for (const auto& parameter : parameters) {
        if (parameter.requires_grad() && parameter.grad().defined()) {
            gradients.push_back(parameter.grad());
        }
    }
    if (gradients.empty()) return true;
    torch::NoGradGuard noGrad;
    // Like torch.amp.GradScaler, the check is on the scaled gradients, before the division.
    std::vector<torch::Tensor> finite;
    finite.reserve(gradients.size());
    for (const auto& gradient : gradients) finite.push_back(torch::isfinite(gradient).all());
    torch::_foreach_mul_(gradients, 1.0 / m_state.scale);
    return torch::stack(finite).all().item<bool>();
}

void LossScaler::update(bool gradientsFinite) {
    if (!gradientsFinite) {
        m_state.scale *= m_options.backoffFactor;
        m_state.cleanSteps = 0;
        ++m_state.skippedSteps;
        return;
    }
    if (++m_state.cleanSteps >= m_options.growthInterval) {
        m_state.scale *= m_options.growthFactor;
        m_state.cleanSteps = 0;
    }
}

}  // namespace fovea::core
