#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "fovea/core/models/network.h"
#include "fovea/core/result.h"
#include "fovea/core/training/device_choice.h"
#include "fovea/core/training/training_config.h"
#include "loss_scaler.h"

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
    c10::DeviceType m_deviceType = c10::DeviceType::CPU;
    bool m_active = false;
    bool m_previousEnabled = false;
    c10::ScalarType m_previousType = c10::ScalarType::Float;
};

// Backward pass, gradient clipping (clipNorm > 0) and the optimizer step for one batch's loss.
// With a loss scaler (fp16) the gradients are unscaled before clipping and a step whose gradients
// overflowed is skipped (the scaler backs off). `afterBackward` (a distributed run's gradient
// averaging) runs between the backward pass and everything that reads the gradients. Returns
// whether the optimizer stepped.
bool backwardAndStep(const torch::Tensor& loss, NetworkImpl& network,
                     torch::optim::Optimizer& optimizer, double clipNorm, LossScaler* scaler,
                     const std::function<void()>& afterBackward = {});

// Drops the gradients rather than zeroing them, as PyTorch 2's zero_grad(set_to_none=True) (which
// LibTorch 1.13's zero_grad lacks): the next backward pass writes fresh gradients instead of
// adding them to zeros, two passes over every trainable parameter saved per step.
void clearGradients(torch::optim::Optimizer& optimizer);

// bf16 convolutions on the CPU crash the process in LibTorch 2.x's oneDNN 3.6 (Debian 13) on
// AMD CPUs with AVX512-BF16: a SIGFPE (integer division by zero) inside
// dnnl_convolution_forward_primitive_desc_create for some shapes (ResNet-50's), seen on a
// Zen VM; with oneDNN limited to AVX512-VNNI, or LibTorch 1.13's oneDNN, they run. There auto
// precision is fp32 (an explicit bf16 is still tried, at the user's word).
bool cpuBFloat16ConvolutionsCrash();

// Whether activations and convolution weights use the channels-last layout: as configured, or
// when unset for networks with convolutions (oneDNN and cuDNN run their fast kernels on it).
bool useChannelsLast(const TrainingConfig& config, const NetworkImpl& network);

// Moves a batch to the device (asynchronously from pinned memory) in the layout the network
// takes: channels-last if asked, else the default one, whichever layout the loader wrote.
torch::Tensor prepareInput(const torch::Tensor& images, const torch::Device& device,
                           bool channelsLast);

// Moves a batch's class indices to the device after checking, on the host, that each lies in
// [0, classCount): CUDA's loss kernels check that with a device-side assert, which leaves the
// process's CUDA context unusable, where the CPU's throw. Throws std::runtime_error naming the
// first index out of range.
torch::Tensor prepareTargets(const torch::Tensor& targets, std::int64_t classCount,
                             const torch::Device& device);

// LibTorch reports running out of memory as c10::OutOfMemoryError from its allocators; cuDNN and
// cuBLAS failing to allocate their workspaces come as plain errors naming the status.
bool isOutOfMemory(const c10::Error& error);
// What to tell the user: the device, the batch size and the memory figures, and what to do.
std::string outOfMemoryMessage(const torch::Device& device, std::int64_t batchSize);
// Convolution kernels in channels-last layout, which oneDNN and cuDNN run faster.
void toChannelsLast(NetworkImpl& network);
// Convolution kernels back in the default (contiguous) layout.
void toDefaultLayout(NetworkImpl& network);
// Whether the network has 4-d (convolution) weights, and whether they are channels-last.
bool hasConvolutions(const NetworkImpl& network);
bool hasChannelsLastWeights(const NetworkImpl& network);

// Class weights N / (K * count_c) ("balanced", King & Zeng 2001) when classWeightedLoss is on
// and counts are known; an undefined tensor otherwise. Classes without images get weight 0.
torch::Tensor classWeightsFor(const TrainingConfig& config, const std::vector<std::int64_t>& counts,
                              std::int64_t numClasses, const torch::Device& device);

// The training loss: cross entropy with the config's label smoothing and the class weights
// (when defined), on float32 logits even under autocast (a low-precision softmax loses accuracy).
torch::Tensor trainingLoss(const torch::Tensor& logits, const torch::Tensor& targets,
                           const TrainingConfig& config, const torch::Tensor& classWeights);

}  // namespace fovea::core
