#include "fovea/core/training/batch_size_search.h"

#include <torch/torch.h>

#include "device_setup.h"
#include "fovea/core/torch_runtime.h"

namespace fovea::core {

Result<BatchSizeSearch> searchBatchSize(
    const std::function<Result<BatchTrial>(std::int64_t)>& trial, std::int64_t maxBatch) {
    BatchSizeSearch search;
    for (std::int64_t size = 1; size <= std::max<std::int64_t>(1, maxBatch); size *= 2) {
        auto outcome = trial(size);
        if (!outcome) return outcome.error();
        if (outcome.value() == BatchTrial::OutOfMemory) {
            search.failedAt = size;
            break;
        }
        search.fitted.push_back(size);
    }
    if (search.fitted.empty()) {
        search.explanation = "not even one image fits in the device's memory at this image size";
        return search;  // batchSize 0: the caller says what to change
    }
    search.batchSize = search.fitted.back();
    search.explanation =
        "batch size " + std::to_string(search.batchSize) + ": " +
        (search.failedAt ? "the largest power of two that fits (" +
                               std::to_string(*search.failedAt) + " ran out of memory)"
                         : "the largest power of two up to " + std::to_string(maxBatch) +
                               " (the training images), and it fits");
    return search;
}

Result<BatchTrial> tryTrainingStep(NetworkImpl& network, const TrainingConfig& config,
                                   const torch::Device& device, std::int64_t batchSize,
                                   std::int64_t imageSize) {
    // Train mode updates BatchNorm's running statistics and backward fills gradients: keep both
    // as they were.
    std::vector<torch::Tensor> buffers;
    for (const auto& buffer : network.buffers()) buffers.push_back(buffer.detach().clone());
    std::vector<torch::Tensor> gradients;
    for (auto& parameter : network.parameters()) {
        gradients.push_back(parameter.grad());
        parameter.mutable_grad() = torch::Tensor();
    }
    const bool wasTraining = network.is_training();
    const auto restore = [&] {
        torch::NoGradGuard noGrad;
        auto now = network.buffers();
        for (std::size_t i = 0; i < now.size(); ++i) now[i].copy_(buffers[i]);
        auto parameters = network.parameters();
        for (std::size_t i = 0; i < parameters.size(); ++i) {
            parameters[i].mutable_grad() = gradients[i];
        }
        network.train(wasTraining);
    };
    try {
        torch::AutoGradMode gradMode(true);
        network.train(true);
        // The optimizer's state lives beside the weights during training: AdamW keeps two
        // moments per trainable parameter, SGD with momentum one.
        const int statePerParameter =
            config.optimizer == OptimizerKind::AdamW ? 2 : (config.momentum > 0 ? 1 : 0);
        std::vector<torch::Tensor> optimizerState;
        for (const auto& parameter : network.parameters()) {
            if (!parameter.requires_grad()) continue;
            for (int i = 0; i < statePerParameter; ++i) {
                optimizerState.push_back(torch::zeros_like(parameter));
            }
        }
        torch::Tensor input = torch::randn({batchSize, 3, imageSize, imageSize},
                                           torch::TensorOptions().device(device));
        if (useChannelsLast(config, network)) {
            input = input.contiguous(torch::MemoryFormat::ChannelsLast);
        }
        torch::Tensor logits;
        {
            AutocastGuard autocast(device, config.precision);
            logits = network.forward(input);
        }
        // Any scalar of the logits: what matters is the memory of the backward pass.
        logits.to(torch::kFloat32).logsumexp(1).mean().backward();
        // Reading a value waits for the device, so errors of queued kernels surface here.
        (void)logits.sum().item<float>();
        restore();
        return BatchTrial::Fits;
    } catch (const c10::Error& e) {
        restore();
        if (isOutOfMemory(e)) {
            releaseCachedGpuMemory();
            return BatchTrial::OutOfMemory;
        }
        return Error{"trying batch size " + std::to_string(batchSize) +
                     " failed: " + e.what_without_backtrace()};
    }
}

Result<BatchSizeSearch> findLargestBatchSize(NetworkImpl& network, const TrainingConfig& config,
                                             std::int64_t imageSize, std::int64_t maxBatch) {
    auto device = resolveDevice(config.device);
    if (!device) return device.error();
    if (!device.value().is_cuda()) {
        BatchSizeSearch search;
        search.batchSize = std::clamp<std::int64_t>(maxBatch, 1, kCpuAutoBatchSize);
        search.explanation = "batch size " + std::to_string(search.batchSize) +
                             ": on the CPU memory does not limit the batch (auto picks " +
                             std::to_string(kCpuAutoBatchSize) + ")";
        return search;
    }
    network.to(device.value());
    if (useChannelsLast(config, network)) toChannelsLast(network);
    auto search = searchBatchSize(
        [&](std::int64_t size) {
            return tryTrainingStep(network, config, device.value(), size, imageSize);
        },
        maxBatch);
    releaseCachedGpuMemory();
    if (!search) {
        return Error{"--batch-size auto on " + device.value().str() + ": " +
                     search.error().message};
    }
    search.value().explanation += " on " + device.value().str() + " at " +
                                  std::to_string(imageSize) + " x " + std::to_string(imageSize) +
                                  " px";
    return search;
}

}  // namespace fovea::core
