#pragma once

#include <torch/torch.h>

namespace fovea::core {

// torch::optim::AdamW with the step of PyTorch's Python AdamW of the same release (single-tensor
// form, what Python uses on the CPU): decoupled weight decay, then the moments, bias correction
// and the update. LibTorch's own C++ step lags Python's since 2.0 (see compat::updateFirstMoment),
// which made the same training drift apart from Python's by rounding. State, options and
// checkpoints are LibTorch's AdamW's, unchanged. amsgrad is not supported (Fovea never sets it).
class PythonMatchingAdamW final : public torch::optim::AdamW {
  public:
    using torch::optim::AdamW::AdamW;

    torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace fovea::core
