#include "batched_inference.h"

#include <torch/torch.h>

#include <algorithm>

// The trainer's device, precision and layout choices, so inference reads the same everywhere.
#include "../tensor/training/device_setup.h"

namespace fovea::core::detail {
namespace {

void toLayout(NetworkImpl& network, bool channelsLast) {
    if (channelsLast) {
        toChannelsLast(network);
    } else {
        toDefaultLayout(network);
    }
}

// Puts the network back as the caller had it (device, training mode, weight layout), whatever
// way the run ends.
class NetworkStateGuard {
  public:
    explicit NetworkStateGuard(NetworkImpl& network)
        : m_network(network),
          m_training(network.is_training()),
          m_channelsLast(hasChannelsLastWeights(network)) {
        const auto parameters = network.parameters();
        if (!parameters.empty()) m_device = parameters.front().device();
    }
    ~NetworkStateGuard() {
        try {
            m_network.to(m_device);
            if (m_channelsLast != hasChannelsLastWeights(m_network)) {
                toLayout(m_network, m_channelsLast);
            }
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
    bool m_channelsLast;
    torch::Device m_device = torch::kCPU;
};

bool wantsChannelsLast(const InferenceSettings& options, const NetworkImpl& network) {
    if (options.channelsLast) return *options.channelsLast;
    return hasConvolutions(network);
}

// How many of the first `sample` images get the same top-1 class in fp32 as in `lowPrecision`.
std::int64_t sameTopOne(NetworkImpl& network, const torch::Tensor& images,
                        const torch::Tensor& lowPrecision, std::int64_t sample) {
    const torch::Tensor full = network.forward(images.narrow(0, 0, sample));
    const torch::Tensor same = full.argmax(1).eq(lowPrecision.narrow(0, 0, sample).argmax(1));
    return same.sum().item<std::int64_t>();
}

// A block's output averaged over its spatial positions if it has any, as float32.
torch::Tensor pooled(torch::Tensor features) {
    if (features.dim() > 2) features = features.flatten(2).mean(2);
    return features.to(torch::kFloat32);
}

// The output of the first `blocks` blocks (0: those before the head), pooled.
torch::Tensor backboneFeatures(NetworkImpl& network, const torch::Tensor& images,
                               std::size_t blocks) {
    const std::size_t last =
        blocks > 0 ? std::min(blocks, network.blockCount() - 1) : network.blockCount() - 1;
    return pooled(network.forwardBlocks(images, 0, last));
}

}  // namespace

Result<InferenceRun> runInference(NetworkImpl& network, const std::vector<LabeledImage>& files,
                                  const InferenceSettings& options,
                                  const InferenceBatchCallback& onBatch,
                                  const std::function<void(std::int64_t, std::int64_t)>& progress,
                                  const std::atomic<bool>* cancel, InferenceOutput output,
                                  std::size_t featureBlocks,
                                  const InferenceBatchCallback& onFeatures) {
    auto device = resolveDevice(options.device);
    if (!device) return device.error();
    if (auto usable = checkPrecisionFor(device.value(), options.precision); !usable) {
        return usable.error();
    }
    InferenceRun run;
    run.facts.device = device.value().str();
    run.facts.precision = resolvePrecision(options.precision, device.value());
    run.facts.channelsLast = wantsChannelsLast(options, network);
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
    loading.channelsLast = run.facts.channelsLast;
    // No augmentation: the loader's evaluation path is loadEvaluationTensor's resize, centre
    // crop and normalisation, exactly as recorded with the network. Its workers decode the next
    // batches while the network runs this one.
    ImageBatchLoader loader(std::move(numbered), network.preprocessing(), AugmentationOptions{},
                            loading);

    // Grad mode is per thread: the caller's thread (a GUI worker, the CLI) gets its own guard.
    torch::NoGradGuard noGrad;
    NetworkStateGuard restore(network);
    const auto total = static_cast<std::int64_t>(files.size());
    std::int64_t done = 0;
    try {
        network.to(device.value());
        toLayout(network, run.facts.channelsLast);
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
                    prepareInput(batch->images, device.value(), run.facts.channelsLast);
                torch::Tensor logits;
                torch::Tensor features;
                {
                    AutocastGuard autocast(device.value(), run.facts.precision);
                    if (output == InferenceOutput::Features) {
                        logits = backboneFeatures(network, images, featureBlocks);
                    } else if (onFeatures) {
                        const std::size_t head = network.blockCount() - 1;
                        const torch::Tensor map = network.forwardBlocks(images, 0, head);
                        features = pooled(map);
                        logits = network.forwardBlocks(map, head, head + 1).to(torch::kFloat32);
                    } else {
                        logits = network.forward(images).to(torch::kFloat32);
                    }
                }
                const bool checkAgreement = output == InferenceOutput::Logits &&
                                            run.facts.precision != Precision::Float32 &&
                                            run.facts.agreementChecked == 0;
                const std::int64_t sample =
                    std::min<std::int64_t>(n, checkAgreement ? options.agreementSample : 0);
                if (sample > 0) {
                    run.facts.agreementSame = sameTopOne(network, images, logits, sample);
                    run.facts.agreementChecked = sample;
                }
                onBatch(batch->sampleIds, logits);
                if (features.defined()) onFeatures(batch->sampleIds, features);
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

std::vector<std::vector<float>> unitRows(const torch::Tensor& features) {
    namespace F = torch::nn::functional;
    const torch::Tensor unit =
        F::normalize(features, F::NormalizeFuncOptions().dim(1)).to(torch::kCPU).contiguous();
    const auto width = unit.size(1);
    const float* values = unit.data_ptr<float>();
    std::vector<std::vector<float>> rows(static_cast<std::size_t>(unit.size(0)));
    for (std::size_t row = 0; row < rows.size(); ++row) {
        const float* first = values + static_cast<std::ptrdiff_t>(row) * width;
        rows[row].assign(first, first + width);
    }
    return rows;
}

}  // namespace fovea::core::detail
