#include "fovea/core/torch_runtime.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <cstdio>

#ifdef FOVEA_TORCH_HAS_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <cuda_runtime_api.h>
#endif

namespace fovea::core {

TorchRuntimeInfo queryTorchRuntime() {
    TorchRuntimeInfo info;
    info.libtorchVersion = std::to_string(TORCH_VERSION_MAJOR) + "." +
                           std::to_string(TORCH_VERSION_MINOR) + "." +
                           std::to_string(TORCH_VERSION_PATCH);
    info.cudaAvailable = torch::cuda::is_available();
    if (info.cudaAvailable) {
        const auto count = static_cast<int>(torch::cuda::device_count());
        for (int index = 0; index < count; ++index) {
            CudaDevice device;
            device.index = index;
#ifdef FOVEA_TORCH_HAS_CUDA
            const auto* properties = at::cuda::getDeviceProperties(index);
            device.name = properties->name;
            device.totalMemoryBytes = static_cast<long long>(properties->totalGlobalMem);
            device.computeMajor = properties->major;
            device.computeMinor = properties->minor;
#else
            device.name = "cuda:" + std::to_string(index);
#endif
            info.cudaDevices.push_back(device);
        }
    }
    info.intraOpThreads = at::get_num_threads();
    info.interOpThreads = at::get_num_interop_threads();
    return info;
}

std::string defaultDeviceLabel(const TorchRuntimeInfo& info) {
    if (info.cudaAvailable && !info.cudaDevices.empty()) {
        return "CUDA (" + info.cudaDevices.front().name + ")";
    }
    return "CPU";
}

std::string describeGpu(const CudaDevice& device) {
    std::string text = "cuda:" + std::to_string(device.index) + " " + device.name;
    if (device.totalMemoryBytes > 0) {
        char memory[32];
        std::snprintf(memory, sizeof memory, ", %.1f GiB",
                      static_cast<double>(device.totalMemoryBytes) / (1 << 30));
        text += memory;
    }
    if (device.computeMajor > 0) {
        text += ", compute capability " + std::to_string(device.computeMajor) + "." +
                std::to_string(device.computeMinor);
    }
    return text;
}

std::optional<GpuMemory> gpuMemory(int index) {
#ifdef FOVEA_TORCH_HAS_CUDA
    if (!torch::cuda::is_available() || index >= static_cast<int>(torch::cuda::device_count())) {
        return std::nullopt;
    }
    c10::cuda::CUDAGuard guard(static_cast<c10::DeviceIndex>(index));
    std::size_t freeBytes = 0;
    std::size_t totalBytes = 0;
    if (cudaMemGetInfo(&freeBytes, &totalBytes) != cudaSuccess) return std::nullopt;
    return GpuMemory{static_cast<long long>(freeBytes), static_cast<long long>(totalBytes)};
#else
    (void)index;
    return std::nullopt;
#endif
}

void releaseCachedGpuMemory() {
#ifdef FOVEA_TORCH_HAS_CUDA
    if (torch::cuda::is_available()) c10::cuda::CUDACachingAllocator::emptyCache();
#endif
}

}  // namespace fovea::core
