#include "fovea/core/torch_runtime.h"

#include <gtest/gtest.h>

#include <torch/torch.h>
#include <torch/version.h>

#include "cuda_test.h"

namespace fovea::core {
namespace {

TEST(TorchRuntime, ReportsTheLinkedLibTorch) {
    const TorchRuntimeInfo info = queryTorchRuntime();
    // TORCH_VERSION may carry a suffix ("1.13.0a0"); ours is the plain major.minor.patch.
    EXPECT_EQ(std::string(TORCH_VERSION).rfind(info.libtorchVersion, 0), 0u)
        << TORCH_VERSION << " vs " << info.libtorchVersion;
    EXPECT_EQ(info.intraOpThreads, at::get_num_threads());
    EXPECT_GE(info.interOpThreads, 1);
}

TEST(TorchRuntime, CudaReportAgreesWithLibTorch) {
    const TorchRuntimeInfo info = queryTorchRuntime();
    EXPECT_EQ(info.cudaAvailable, torch::cuda::is_available());
    EXPECT_EQ(info.cudaDevices.size(), info.cudaAvailable ? torch::cuda::device_count() : 0u);
    EXPECT_EQ(defaultDeviceLabel(info).rfind(info.cudaAvailable ? "CUDA (" : "CPU", 0), 0u);
}

TEST(TorchRuntime, DeviceLabelNamesTheFirstGpu) {
    TorchRuntimeInfo info;
    EXPECT_EQ(defaultDeviceLabel(info), "CPU");
    info.cudaAvailable = true;
    info.cudaDevices.push_back({0, "NVIDIA H200", 0});
    EXPECT_EQ(defaultDeviceLabel(info), "CUDA (NVIDIA H200)");
}

TEST(TorchRuntime, GpuDescriptionNamesMemoryAndComputeCapability) {
    EXPECT_EQ(describeGpu({1, "NVIDIA H200", 150'000'000'000LL, 9, 0}),
              "cuda:1 NVIDIA H200, 139.7 GiB, compute capability 9.0");
    EXPECT_EQ(describeGpu({0, "cuda:0", 0, 0, 0}), "cuda:0 cuda:0");
}

// Where LibTorch sees a GPU, each one is listed with its memory and compute capability, and
// the driver's memory figures are readable.
TEST(TorchRuntime, ListsEveryGpuWithMemoryAndComputeCapability) {
    FOVEA_SKIP_WITHOUT_CUDA();
    const TorchRuntimeInfo info = queryTorchRuntime();
    ASSERT_FALSE(info.cudaDevices.empty());
    for (const auto& device : info.cudaDevices) {
        EXPECT_GT(device.totalMemoryBytes, 0) << describeGpu(device);
        EXPECT_GE(device.computeMajor, 3) << describeGpu(device);
        const auto memory = gpuMemory(device.index);
        ASSERT_TRUE(memory.has_value());
        EXPECT_GT(memory->freeBytes, 0);
        EXPECT_EQ(memory->totalBytes, device.totalMemoryBytes);
    }
}

// Runs only where LibTorch sees a GPU; skipped (and reported as skipped) elsewhere.
TEST(TorchRuntime, ComputesOnCudaWhenAvailable) {
    FOVEA_SKIP_WITHOUT_CUDA();
    const auto product =
        torch::ones({256, 256}, torch::kCUDA).matmul(torch::ones({256, 256}, torch::kCUDA));
    EXPECT_FLOAT_EQ(product[0][0].item<float>(), 256.0f);
}

}  // namespace
}  // namespace fovea::core
