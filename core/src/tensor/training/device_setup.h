#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "fovea/core/models/network.h"
#include "fovea/core/result.h"
#include "fovea/core/training/device_choice.h"
#include "fovea/core/training/training_config.h"

namespace fovea::core {

// Autocast for one forward pass on `device` with `precision` (nothing for Float32). bf16 works
// on CPU and CUDA; fp16 only on CUDA (an error elsewhere is caught by the config check).
class AutocastGuard {
  public:
    AutocastGuard(const torch::Device& device, Precision precision);
    ~AutocastGuard();
    AutocastGuard(const AutocastGuard&) = delete;
    AutocastGuard& operator=(const AutocastGuard&) = delete;

  private:
    bool m_cuda = false;
    bool m_active = false;
    bool m_previousEnabled = false;
    c10::ScalarType m_previousType = c10::ScalarType::Float;
};

// Moves a batch to the device (asynchronously from pinned memory) in the configured memory
// format.
torch::Tensor prepareInput(const torch::Tensor& images, const torch::Device& device,
                           const TrainingConfig& config);
// Convolution kernels in channels-last layout, which oneDNN and cuDNN run faster.
void toChannelsLast(NetworkImpl& network);

// Class weights N / (K * count_c) ("balanced", King & Zeng 2001) when classWeightedLoss is on
// and counts are known; an undefined tensor otherwise. Classes without images get weight 0.
torch::Tensor classWeightsFor(const TrainingConfig& config, const std::vector<std::int64_t>& counts,
                              std::int64_t numClasses, const torch::Device& device);

// The training loss: cross entropy with the config's label smoothing and the class weights
// (when defined), on float32 logits even under autocast (a low-precision softmax loses accuracy).
torch::Tensor trainingLoss(const torch::Tensor& logits, const torch::Tensor& targets,
                           const TrainingConfig& config, const torch::Tensor& classWeights);

}  // namespace fovea::core
