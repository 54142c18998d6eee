#include "fovea/core/torch_runtime.h"

#include <gtest/gtest.h>

#include <torch/torch.h>
#include <torch/version.h>

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

// Runs only where LibTorch sees a GPU; skipped (and reported as skipped) elsewhere.
TEST(TorchRuntime, ComputesOnCudaWhenAvailable) {
    if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
    const auto product =
        torch::ones({256, 256}, torch::kCUDA).matmul(torch::ones({256, 256}, torch::kCUDA));
    EXPECT_FLOAT_EQ(product[0][0].item<float>(), 256.0f);
}

}  // namespace
}  // namespace fovea::core
