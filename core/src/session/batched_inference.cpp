#include "batched_inference.h"

#include <torch/torch.h>

#include <algorithm>

// The trainer's device choice, so "--device cuda" without CUDA reads the same everywhere.
#include "../tensor/training/device_setup.h"

namespace fovea::core::detail {
namespace {

// Puts the network back as the caller had it, whatever way the run ends.
class NetworkStateGuard {
  public:
    explicit NetworkStateGuard(NetworkImpl& network)
        : m_network(network), m_training(network.is_training()) {
        const auto parameters = network.parameters();
        if (!parameters.empty()) m_device = parameters.front().device();
    }
    ~NetworkStateGuard() {
        try {
            m_network.to(m_device);
        } catch (const c10::Error&) {
            // Moving back to where it was cannot fail in practice; never throw from here.
        }
        m_network.train(m_training);
    }
    NetworkStateGuard(const NetworkStateGuard&) = delete;
    NetworkStateGuard& operator=(const NetworkStateGuard&) = delete;

  private:
    NetworkImpl& m_network;
    bool m_training;
    torch::Device m_device = torch::kCPU;
};

}  // namespace

Result<InferenceRun> runInference(NetworkImpl& network, const std::vector<LabeledImage>& files,
                                  const InferenceOptions& options,
                                  const InferenceBatchCallback& onBatch,
                                  const std::function<void(std::int64_t, std::int64_t)>& progress,
                                  const std::atomic<bool>* cancel) {
    auto device = resolveDevice(options.device);
    if (!device) return device.error();
    InferenceRun run{device.value().str(), {}};
    if (files.empty()) return run;

    // The loader reports failures by id: number the images by their position.
    std::vector<LabeledImage> numbered = files;
    for (std::size_t i = 0; i < numbered.size(); ++i) {
        numbered[i].id = static_cast<std::int64_t>(i);
    }
    LoaderOptions loading;
    loading.batchSize = std::max(1, options.batchSize);
    loading.workers = options.workers;
    loading.shuffle = false;
    // No augmentation: the loader's evaluation path is loadEvaluationTensor's resize, centre
    // crop and normalisation, exactly as recorded with the network.
    ImageBatchLoader loader(std::move(numbered), network.preprocessing(), AugmentationOptions{},
                            loading);

    // Grad mode is per thread: the caller's thread (a GUI worker, the CLI) gets its own guard.
    torch::NoGradGuard noGrad;
    NetworkStateGuard restore(network);
    const auto total = static_cast<std::int64_t>(files.size());
    std::int64_t done = 0;
    try {
        network.to(device.value());
        network.eval();
        loader.startEpoch(0);
        while (auto batch = loader.nextBatch()) {
            if (cancel && cancel->load()) return Error{"cancelled"};
            for (const auto& failure : loader.takeFailures()) {
                run.failures.push_back({failure.sampleId, failure.message});
            }
            const std::int64_t n = batch->images.size(0);
            if (n > 0) {
                const torch::Tensor images =
                    batch->images.to(device.value(), /*non_blocking=*/true);
                const torch::Tensor logits = network.forward(images).to(torch::kFloat32);
                onBatch(batch->sampleIds, logits);
            }
            done = std::min(total, done + loading.batchSize);
            if (progress) progress(done, total);
        }
        for (const auto& failure : loader.takeFailures()) {
            run.failures.push_back({failure.sampleId, failure.message});
        }
        std::sort(
            run.failures.begin(), run.failures.end(),
            [](const InferenceFailure& a, const InferenceFailure& b) { return a.index < b.index; });
    } catch (const c10::Error& error) {
        return Error{network.architecture() + ": " + error.what_without_backtrace()};
    }
    return run;
}

}  // namespace fovea::core::detail
