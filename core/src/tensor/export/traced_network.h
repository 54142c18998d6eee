#pragma once

// The forward pass of a zoo network as a graph of ATen operations, recorded by LibTorch's
// tracer. Both export writers (TorchScript source, ONNX nodes) translate this one graph, so
// the exported files compute exactly the operations the in-app network runs.
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <torch/csrc/jit/ir/ir.h>
#include <torch/nn/module.h>
#include <torch/types.h>

#include "fovea/core/models/network.h"
#include "fovea/core/result.h"

namespace fovea::core::exporting {

struct NamedTensor {
    std::string name;  // the state-dict name ("layer1.0.conv1.weight"), or "preprocess.mean"
    torch::Tensor tensor;
};

// graph: one input, [N, 3, S, S] float RGB in [0, 1]; one output, [N, K] class probabilities.
// Inside: (x - mean) / std with the network's preprocessing, the network, softmax.
struct TracedNetwork {
    std::shared_ptr<torch::jit::Graph> graph;
    // The tensor constants of the graph, by the prim::Constant value that holds each one.
    std::unordered_map<const torch::jit::Value*, NamedTensor> tensors;
    int imageSize = 0;
};

// Puts a module into the state tracing needs (eval mode, no parameter asking for gradients: the
// tracer refuses to bake such tensors into the graph) and restores it when done.
class TracingPose {
  public:
    explicit TracingPose(torch::nn::Module& module);
    ~TracingPose();
    TracingPose(const TracingPose&) = delete;
    TracingPose& operator=(const TracingPose&) = delete;

  private:
    torch::nn::Module& m_module;
    bool m_training;
    std::vector<bool> m_requiresGrad;
};

// Traces `network` in eval mode on CPU at its preprocessing's crop size. The network's mode and
// requires_grad flags are restored afterwards.
Result<TracedNetwork> traceNetwork(NetworkImpl& network);

// Traces `forward` on `examples` (the caller has set eval mode and no gradients). Tensor
// constants whose storage is a key of `names` get that name, others unnamedPrefix + "N".
// foldConstants: operations on constants alone (e.g. FrozenBatchNorm2d's scale and shift from its
// buffers) are computed once here, so the graph keeps only the operations on the inputs. imageSize
// of the result is 0. `what` names the traced thing in messages.
using TracedFunction = std::function<std::vector<torch::Tensor>(const std::vector<torch::Tensor>&)>;
Result<TracedNetwork> traceFunction(const std::string& what,
                                    const std::vector<torch::Tensor>& examples,
                                    const TracedFunction& forward,
                                    const std::unordered_map<const void*, std::string>& names,
                                    bool foldConstants,
                                    const std::string& unnamedPrefix = "constant.");

// The value of a constant (non-tensor) graph input: ints, floats, bools, None, int lists.
// Throws std::runtime_error naming the node for anything that is not a constant.
c10::IValue constantValue(const torch::jit::Value* value);

}  // namespace fovea::core::exporting
