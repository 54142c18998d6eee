#include "device_setup.h"

#include <atomic>

#include <torch/version.h>

#include <cstdio>
#include <stdexcept>
#include <string>

#include "../torch_compat.h"
#include "fovea/core/torch_runtime.h"

namespace fovea::core {

namespace {
std::atomic<int> processCudaDevice{0};
}  // namespace

void useCudaDevice(int localRank) {
    const auto gpus = static_cast<int>(torch::cuda::device_count());
    processCudaDevice = gpus > 0 ? localRank % gpus : 0;
}

Result<torch::Device> resolveDevice(DevicePreference preference) {
    const bool cuda = torch::cuda::is_available();
    if (preference == DevicePreference::Cuda && !cuda) {
        return Error{"--device cuda was asked for, but no CUDA device is available (LibTorch " +
                     std::string(cuda ? "with" : "without") +
                     " CUDA support or no GPU); use --device auto or cpu"};
    }
    if (preference == DevicePreference::Cpu || !cuda) return torch::Device(torch::kCPU);
    return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(processCudaDevice.load()));
}

namespace {

bool computesBFloat16Natively(const torch::Device& device) {
    if (device.is_cuda()) {
        const int index = device.has_index() ? device.index() : 0;
        for (const auto& gpu : queryTorchRuntime().cudaDevices) {
            if (gpu.index == index) return gpu.computeMajor >= 8;
        }
        return false;
    }
    // Without oneDNN, LibTorch computes bf16 convolutions with slow reference kernels.
    static const bool cpu =
        cpuComputesBFloat16Natively() && at::hasMKLDNN() && !cpuBFloat16ConvolutionsCrash();
    return cpu;
}

}  // namespace

bool cpuBFloat16ConvolutionsCrash() {
#if TORCH_VERSION_MAJOR >= 2
    static const bool crash = cpuVendorIsAmd() && cpuComputesBFloat16Natively();
    return crash;
#else
    return false;
#endif
}

Precision resolvePrecision(Precision requested, const torch::Device& device) {
    if (requested != Precision::Auto) return requested;
    return computesBFloat16Natively(device) ? Precision::BFloat16 : Precision::Float32;
}

AutocastGuard::AutocastGuard(const torch::Device& device, Precision requested) {
    const Precision precision = resolvePrecision(requested, device);
    if (precision == Precision::Float32) return;
    m_active = true;
    m_deviceType = device.type();
    const c10::ScalarType type =
        precision == Precision::BFloat16 ? c10::ScalarType::BFloat16 : c10::ScalarType::Half;
    m_previousEnabled = compat::autocastEnabled(m_deviceType);
    m_previousType = compat::autocastType(m_deviceType);
    compat::setAutocastType(m_deviceType, type);
    compat::setAutocastEnabled(m_deviceType, true);
    at::autocast::increment_nesting();
}

AutocastGuard::~AutocastGuard() {
    if (!m_active) return;
    // Leaving the outermost autocast region frees its cache of casted weights.
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    compat::setAutocastEnabled(m_deviceType, m_previousEnabled);
    compat::setAutocastType(m_deviceType, m_previousType);
}

Result<void> checkPrecisionFor(const torch::Device& device, Precision precision) {
    if (precision == Precision::Float16 && !device.is_cuda()) {
        return Error{"fp16 autocast needs a CUDA device; on the CPU use bf16 (or fp32)"};
    }

    return {};
}

void clearGradients(torch::optim::Optimizer& optimizer) {
    for (auto& group : optimizer.param_groups()) {
        for (auto& parameter : group.params()) parameter.mutable_grad().reset();
    }
}

bool backwardAndStep(const torch::Tensor& loss, NetworkImpl& network,
                     torch::optim::Optimizer& optimizer, double clipNorm, LossScaler* scaler,
                     const std::function<void()>& afterBackward) {
    const auto clip = [&] {
        if (clipNorm > 0) torch::nn::utils::clip_grad_norm_(network.parameters(), clipNorm);
    };
    if (!scaler) {
        loss.backward();
        if (afterBackward) afterBackward();
        clip();
        optimizer.step();
        return true;
    }
    scaler->scale(loss).backward();
    if (afterBackward) afterBackward();  // an overflow on any rank reaches every rank's sums
    const bool finite = scaler->unscale(network.parameters());
    if (finite) {
        clip();
        optimizer.step();
    }
    scaler->update(finite);
    return finite;
}

bool useChannelsLast(const TrainingConfig& config, const NetworkImpl& network) {
    if (config.channelsLast) return *config.channelsLast;
    return hasConvolutions(network);
}

torch::Tensor prepareInput(const torch::Tensor& images, const torch::Device& device,
                           bool channelsLast) {
    // A loader may deliver either layout (LoaderOptions::channelsLast): the network gets its own.
    const torch::Tensor moved = images.to(device, /*non_blocking=*/images.is_pinned());
    return moved.contiguous(channelsLast ? torch::MemoryFormat::ChannelsLast
                                         : torch::MemoryFormat::Contiguous);
}

torch::Tensor prepareTargets(const torch::Tensor& targets, std::int64_t classCount,
                             const torch::Device& device) {
    if (targets.numel() > 0) {
        const torch::Tensor outside = targets.lt(0).logical_or(targets.ge(classCount));
        if (outside.any().item<bool>()) {
            const std::int64_t index = outside.nonzero()[0][0].item<std::int64_t>();
            throw std::runtime_error(
                "class index " + std::to_string(targets[index].item<std::int64_t>()) +
                " in a batch is outside the network's " + std::to_string(classCount) + " classes");
        }
    }
    return targets.to(device, /*non_blocking=*/targets.is_pinned());
}

bool isOutOfMemory(const c10::Error& error) {
    if (dynamic_cast<const c10::OutOfMemoryError*>(&error)) return true;
    const std::string message = error.what_without_backtrace();
    for (const char* sign : {"out of memory", "ALLOC_FAILED", "can't allocate memory"}) {
        if (message.find(sign) != std::string::npos) return true;
    }
    return false;
}

std::string outOfMemoryMessage(const torch::Device& device, std::int64_t batchSize) {
    std::string where = "the CPU";
    std::string figures;
    if (device.is_cuda()) {
        const int index = device.has_index() ? device.index() : 0;
        where = "cuda:" + std::to_string(index);
        for (const auto& gpu : queryTorchRuntime().cudaDevices) {
            if (gpu.index == index) where = describeGpu(gpu);
        }
        releaseCachedGpuMemory();
        if (const auto memory = gpuMemory(index)) {
            char text[96];
            std::snprintf(text, sizeof text, " (%.1f of %.1f GiB free after releasing the cache)",
                          static_cast<double>(memory->freeBytes) / (1 << 30),
                          static_cast<double>(memory->totalBytes) / (1 << 30));
            figures = text;
        }
    }
    return "out of memory at batch size " + std::to_string(batchSize) + " on " + where + figures +
           ": use a smaller --batch-size, or --batch-size auto to find the largest " + "that fits";
}

void toChannelsLast(NetworkImpl& network) {
    torch::NoGradGuard noGrad;
    for (auto& parameter : network.parameters()) {
        if (parameter.dim() == 4) {
            parameter.set_data(parameter.contiguous(torch::MemoryFormat::ChannelsLast));
        }
    }
}

void toDefaultLayout(NetworkImpl& network) {
    torch::NoGradGuard noGrad;
    for (auto& parameter : network.parameters()) {
        if (parameter.dim() == 4) parameter.set_data(parameter.contiguous());
    }
}

bool hasConvolutions(const NetworkImpl& network) {
    for (const auto& parameter : network.parameters()) {
        if (parameter.dim() == 4) return true;
    }
    return false;
}

bool hasChannelsLastWeights(const NetworkImpl& network) {
    for (const auto& parameter : network.parameters()) {
        // A 1x1 kernel with one input channel is contiguous in both layouts: look further.
        if (parameter.dim() == 4 && !parameter.is_contiguous()) {
            return parameter.is_contiguous(torch::MemoryFormat::ChannelsLast);
        }
    }
    return false;
}

torch::Tensor classWeightsFor(const TrainingConfig& config, const std::vector<std::int64_t>& counts,
                              std::int64_t numClasses, const torch::Device& device) {
    if (!config.classWeightedLoss || static_cast<std::int64_t>(counts.size()) != numClasses) {
        return {};
    }
    double total = 0;
    for (auto c : counts) total += static_cast<double>(c);
    std::vector<float> weights;
    for (auto c : counts) {
        weights.push_back(c > 0 ? static_cast<float>(total / (numClasses * double(c))) : 0.0f);
    }
    return torch::tensor(weights).to(device);
}

torch::Tensor trainingLoss(const torch::Tensor& logits, const torch::Tensor& targets,
                           const TrainingConfig& config, const torch::Tensor& classWeights) {
    namespace F = torch::nn::functional;
    auto options = F::CrossEntropyFuncOptions().label_smoothing(config.labelSmoothing);
    if (classWeights.defined()) options.weight(classWeights);
    return F::cross_entropy(logits.to(torch::kFloat32), targets, options);
}

}  // namespace fovea::core
