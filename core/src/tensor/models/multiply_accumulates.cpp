// LibTorch release builds (Debian's and the official ones) are compiled with NDEBUG, so the
// library never sets RecordFunction's debug-only inputs_valid_ flag. Seen without NDEBUG (our
// Debug and sanitizer builds), inputs() asserts on that never-written byte: UBSan reports an
// invalid bool and the assertion throws whenever the byte happens to be zero. The flag sits in
// padding, so the layout is the same either way; this file sees the header as the library does.
// It must stay the only caller of RecordFunction::inputs(), and include nothing that needs
// assertions before this header.
#ifndef NDEBUG
#define NDEBUG
#include <ATen/record_function.h>
#undef NDEBUG
#else
#include <ATen/record_function.h>
#endif
#include <torch/torch.h>

#include "fovea/core/models/zoo.h"

namespace fovea::core {
namespace {

// RecordFunction callbacks are plain function pointers, so the running total lives in a
// thread-local; the callback is registered for this thread only.
thread_local int64_t tMultiplyAccumulates = 0;

std::unique_ptr<at::ObserverContext> onStart(const at::RecordFunction&) { return nullptr; }

void onEnd(const at::RecordFunction& call, at::ObserverContext*) {
    const std::string name = call.name();
    const bool convolution = name == "aten::convolution";
    if (!convolution && name != "aten::linear") return;
    const auto inputs = call.inputs();
    const auto& outputs = call.outputs();
    if (inputs.size() < 2 || outputs.empty() || !inputs[1].isTensor() || !outputs[0].isTensor()) {
        return;
    }
    const auto& weight = inputs[1].toTensor();
    const auto& output = outputs[0].toTensor();
    // Each output element of a convolution sums (in_channels/groups) * kh * kw products, i.e.
    // weight.numel() / out_channels; of a linear layer, in_features products.
    const int64_t perOutput = convolution ? weight.numel() / weight.size(0) : weight.size(1);
    tMultiplyAccumulates += output.numel() * perOutput;
}

}  // namespace

int64_t countMultiplyAccumulates(NetworkImpl& network, int imageSize) {
    torch::NoGradGuard noGrad;
    const bool wasTraining = network.is_training();
    network.eval();
    tMultiplyAccumulates = 0;
    const auto handle = at::addThreadLocalCallback(
        at::RecordFunctionCallback(onStart, onEnd).needsInputs(true).needsOutputs(true));
    network.forward(torch::zeros({1, 3, imageSize, imageSize}));
    at::removeCallback(handle);
    network.train(wasTraining);
    return tMultiplyAccumulates;
}

}  // namespace fovea::core
