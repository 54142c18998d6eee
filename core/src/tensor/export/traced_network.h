#pragma once

// The forward pass of a zoo network as a graph of ATen operations, recorded by LibTorch's
// tracer. Both export writers (TorchScript source, ONNX nodes) translate this one graph, so
// the exported files compute exactly the operations the in-app network runs.
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <torch/csrc/jit/ir/ir.h>
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

// Traces `network` in eval mode on CPU at its preprocessing's crop size. The network's mode and
// requires_grad flags are restored afterwards.
Result<TracedNetwork> traceNetwork(NetworkImpl& network);

// The value of a constant (non-tensor) graph input: ints, floats, bools, None, int lists.
// Throws std::runtime_error naming the node for anything that is not a constant.
c10::IValue constantValue(const torch::jit::Value* value);

}  // namespace fovea::core::exporting
