#include "fovea/core/torch_runtime.h"

#include <torch/torch.h>
#include <torch/version.h>

#ifdef FOVEA_TORCH_HAS_CUDA
#include <ATen/cuda/CUDAContext.h>
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

}  // namespace fovea::core
