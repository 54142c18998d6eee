#pragma once

#include <optional>
#include <string>
#include <vector>

namespace fovea::core {

struct CudaDevice {
    int index = 0;
    std::string name;  // "NVIDIA H200", or "cuda:N" when the LibTorch build has no CUDA headers
    long long totalMemoryBytes = 0;  // 0 when unknown
    int computeMajor = 0;            // compute capability, e.g. 9.0 for Hopper; 0 when unknown
    int computeMinor = 0;
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

// Whether this CPU computes bfloat16 natively (x86-64 with AVX512-BF16 or AMX-BF16, enabled by
// the operating system), so that bf16 mixed precision runs faster than float32 on it. Other
// CPUs emulate bf16, slower than float32.
bool cpuComputesBFloat16Natively();
// The CPU is AMD's (cpuid vendor "AuthenticAMD").
bool cpuVendorIsAmd();

// "CUDA (NVIDIA H200)" when a GPU is usable, otherwise "CPU": the device Fovea trains on by
// default.
std::string defaultDeviceLabel(const TorchRuntimeInfo& info);

// "cuda:0 NVIDIA H200, 139.8 GiB, compute capability 9.0" (what is known of it).
std::string describeGpu(const CudaDevice& device);

struct GpuMemory {
    long long freeBytes = 0;
    long long totalBytes = 0;
};
// Free and total memory of a GPU as the driver reports them (other processes' use included);
// nothing without CUDA or when the LibTorch build has no CUDA headers.
std::optional<GpuMemory> gpuMemory(int index);
// Hands the caching allocator's unused blocks back to the driver (after an out-of-memory trial,
// so the memory figures and the next allocations start clean). Nothing without CUDA.
void releaseCachedGpuMemory();

}  // namespace fovea::core
