#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace fovea::core {

// Dynamic loss scaling for fp16 mixed precision (Micikevicius et al. 2018, "Mixed Precision
// Training"), the algorithm of torch.amp.GradScaler: the loss is multiplied by `scale` before
// backward so that small fp16 gradients do not flush to zero; the gradients are divided by it
// again before clipping and the optimizer step; a step whose gradients hold inf or NaN is skipped
// and the scale halved; after `growthInterval` clean steps in a row the scale doubles.
// bf16 has fp32's exponent range and needs none of this.
struct LossScaleOptions {
    double initialScale = 65536.0;  // 2^16, as torch.amp.GradScaler
    double growthFactor = 2.0;
    double backoffFactor = 0.5;
    std::int64_t growthInterval = 2000;
};

// What a checkpoint keeps so that a resumed run scales as the stopped one would have.
struct LossScaleState {
    double scale = LossScaleOptions{}.initialScale;
    std::int64_t cleanSteps = 0;    // finite steps since the scale last changed
    std::int64_t skippedSteps = 0;  // over the run (reported)
};

class LossScaler {
  public:
    explicit LossScaler(LossScaleOptions options = {});

    // The loss times the scale (no device synchronisation).
    torch::Tensor scale(const torch::Tensor& loss) const;
    // Divides the gradients of `parameters` by the scale in place and tells whether all of them
    // are finite (one device synchronisation: the step must know whether to run).
    bool unscale(const std::vector<torch::Tensor>& parameters) const;
    // After a step: back off on an overflow (the step was skipped), grow after enough clean ones.
    void update(bool gradientsFinite);

    const LossScaleState& state() const { return m_state; }
    void restore(const LossScaleState& state) { m_state = state; }

  private:
    LossScaleOptions m_options;
    LossScaleState m_state;
};

}  // namespace fovea::core
