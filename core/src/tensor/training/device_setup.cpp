#include "device_setup.h"

#include <ATen/autocast_mode.h>

namespace fovea::core {

Result<torch::Device> resolveDevice(DevicePreference preference) {
    const bool cuda = torch::cuda::is_available();
    if (preference == DevicePreference::Cuda && !cuda) {
        return Error{"--device cuda was asked for, but no CUDA device is available (LibTorch " +
                     std::string(cuda ? "with" : "without") +
                     " CUDA support or no GPU); use --device auto or cpu"};
    }
    if (preference == DevicePreference::Cpu || !cuda) return torch::Device(torch::kCPU);
    return torch::Device(torch::kCUDA, 0);
}

AutocastGuard::AutocastGuard(const torch::Device& device, Precision precision) {
    if (precision == Precision::Float32) return;
    m_active = true;
    m_cuda = device.is_cuda();
    const c10::ScalarType type =
        precision == Precision::BFloat16 ? c10::ScalarType::BFloat16 : c10::ScalarType::Half;
    if (m_cuda) {
        m_previousEnabled = at::autocast::is_enabled();
        m_previousType = at::autocast::get_autocast_gpu_dtype();
        at::autocast::set_autocast_gpu_dtype(type);
        at::autocast::set_enabled(true);
    } else {
        m_previousEnabled = at::autocast::is_cpu_enabled();
        m_previousType = at::autocast::get_autocast_cpu_dtype();
        at::autocast::set_autocast_cpu_dtype(type);
        at::autocast::set_cpu_enabled(true);
    }
    at::autocast::increment_nesting();
}

AutocastGuard::~AutocastGuard() {
    if (!m_active) return;
    // Leaving the outermost autocast region frees its cache of casted weights.
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    if (m_cuda) {
        at::autocast::set_enabled(m_previousEnabled);
        at::autocast::set_autocast_gpu_dtype(m_previousType);
    } else {
        at::autocast::set_cpu_enabled(m_previousEnabled);
        at::autocast::set_autocast_cpu_dtype(m_previousType);
    }
}

torch::Tensor prepareInput(const torch::Tensor& images, const torch::Device& device,
                           const TrainingConfig& config) {
    torch::Tensor moved = images.to(device, /*non_blocking=*/images.is_pinned());
    if (config.channelsLast) moved = moved.contiguous(torch::MemoryFormat::ChannelsLast);
    return moved;
}

void toChannelsLast(NetworkImpl& network) {
    torch::NoGradGuard noGrad;
    for (auto& parameter : network.parameters()) {
        if (parameter.dim() == 4) {
            parameter.set_data(parameter.contiguous(torch::MemoryFormat::ChannelsLast));
        }
    }
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
