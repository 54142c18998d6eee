#pragma once

// Layers the detection backbones share (private to fovea_detection).
#include <torch/torch.h>

#include "fovea/core/detection/faster_rcnn_parts.h"

namespace fovea::core::detection::layers {

// A Sequential with a plain Tensor -> Tensor forward, so that it can sit inside another
// Sequential (LibTorch's AnyModule cannot hold the templated Sequential::forward); it names its
// elements "0", "1", ... as Python's nn.Sequential does.
class SequenceImpl : public torch::nn::SequentialImpl {
  public:
    using SequentialImpl::SequentialImpl;
    torch::Tensor forward(torch::Tensor x) { return SequentialImpl::forward(x); }
};
TORCH_MODULE(Sequence);

// torchvision.ops.FrozenBatchNorm2d (frozen) or nn.BatchNorm2d, with the same tensor names:
// "weight", "bias", "running_mean", "running_var", plus "num_batches_tracked" for the plain
// one. Frozen: weight and bias are buffers and x * scale + shift uses torchvision's formula
// (not batch_norm) so that results are the same to the last bit.
class BackboneNorm2dImpl : public torch::nn::Module {
  public:
    BackboneNorm2dImpl(int64_t channels, const BackboneNormOptions& options);
    torch::Tensor forward(torch::Tensor x);
    bool frozen() const { return m_options.frozen; }

  private:
    BackboneNormOptions m_options;
    torch::Tensor m_weight, m_bias, m_runningMean, m_runningVar, m_numBatchesTracked;
};
TORCH_MODULE(BackboneNorm2d);

// Conv2d without bias (padding (k - 1) / 2), norm, and an optional activation: torchvision's
// Conv2dNormActivation, "0", "1", "2". tfSamePadding: the convolution pads (0, 1, 0, 1) instead
// (TensorFlow's "same" for a stride-2 3x3 convolution on an even size, which Keras' MobileNetV2
// writes as ZeroPadding2D before it), for weights converted from Keras.
enum class Activation { kNone, kReLU, kReLU6, kHardswish };
Sequence convNormAct(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t groups,
                     Activation activation, const BackboneNormOptions& norm,
                     bool tfSamePadding = false);

// Kaiming-normal (fan_out, ReLU) weights and zero biases for every Conv2d under `root`, as
// torchvision's classification networks initialise themselves.
void initConvKaimingFanOut(torch::nn::Module& root);

}  // namespace fovea::core::detection::layers
