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

// What onStart learns from a call's inputs for onEnd: LibTorch 2.x hands RecordFunction its
// inputs as a view of the dispatcher's boxed arguments, valid during the start callbacks only.
struct MultiplyAccumulatesPerOutput final : at::ObserverContext {
    explicit MultiplyAccumulatesPerOutput(int64_t count) : count(count) {}
    int64_t count;
};

std::unique_ptr<at::ObserverContext> onStart(const at::RecordFunction& call) {
    const std::string name = call.name();
    const bool convolution = name == "aten::convolution";
    if (!convolution && name != "aten::linear") return nullptr;
    const auto inputs = call.inputs();
    if (inputs.size() < 2 || !inputs[1].isTensor()) return nullptr;
    const auto& weight = inputs[1].toTensor();
    // Each output element of a convolution sums (in_channels/groups) * kh * kw products, i.e.
    // weight.numel() / out_channels; of a linear layer, in_features products.
    return std::make_unique<MultiplyAccumulatesPerOutput>(
        convolution ? weight.numel() / weight.size(0) : weight.size(1));
}

void onEnd(const at::RecordFunction& call, at::ObserverContext* context) {
    if (!context) return;
    const auto& outputs = call.outputs();
    if (outputs.empty() || !outputs[0].isTensor()) return;
    tMultiplyAccumulates +=
        outputs[0].toTensor().numel() * static_cast<MultiplyAccumulatesPerOutput*>(context)->count;
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
