#pragma once

#include <string>
#include <vector>

namespace fovea::core {

struct CudaDevice {
    int index = 0;
    std::string name;  // "NVIDIA H200", or "cuda:N" when the LibTorch build has no CUDA headers
    long long totalMemoryBytes = 0;  // 0 when unknown
};

// What the tensor side runs on. Plain values: callers need no LibTorch headers.
struct TorchRuntimeInfo {
    std::string libtorchVersion;  // e.g. "1.13.0"
    bool cudaAvailable = false;
    std::vector<CudaDevice> cudaDevices;
    int intraOpThreads = 0;
    int interOpThreads = 0;
};

TorchRuntimeInfo queryTorchRuntime();

// "CUDA (NVIDIA H200)" when a GPU is usable, otherwise "CPU": the device Fovea trains on by
// default.
std::string defaultDeviceLabel(const TorchRuntimeInfo& info);

}  // namespace fovea::core
