// Large CPU tensors ask the kernel for transparent huge pages (core/src/tensor/tensor_memory.cpp).
// Measured, not read back: the page faults of touching a fresh 64 MiB block from LibTorch's CPU
// allocator, against LibTorch's own allocator, and what a tensor holds.
#include <c10/core/CPUAllocator.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <torch/torch.h>

#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "fovea/core/tensor_memory.h"

namespace fovea::core {
namespace {

// Above glibc's largest mmap threshold: every such block is memory never touched before.
constexpr std::size_t kBlockBytes = std::size_t{64} << 20;
constexpr long kSmallPage = 4096;
constexpr long kHugePage = 2 << 20;

// The kernel's THP mode, the bracketed word of "always [madvise] never".
std::string hugePageMode() {
    std::ifstream file("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string line;
    std::getline(file, line);
    const auto open = line.find('[');
    const auto close = line.find(']');
    if (open == std::string::npos || close == std::string::npos) return "unavailable";
    return line.substr(open + 1, close - open - 1);
}

long minorFaults() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_minflt;
}

long faultsToFill(c10::Allocator* allocator) {
    c10::DataPtr block = allocator->allocate(kBlockBytes);
    const long before = minorFaults();
    std::memset(block.get(), 1, kBlockBytes);
    return minorFaults() - before;
}

TEST(TensorMemory, LargeTensorsAreFaultedInHugePages) {
    const std::string mode = hugePageMode();
    if (mode != "madvise" && mode != "always") {
        GTEST_SKIP() << "transparent huge pages are " << mode << " on this machine";
    }
    if (!adviseHugePagesForLargeTensors()) GTEST_SKIP() << "this environment tunes malloc";
    ASSERT_NE(c10::GetCPUAllocator(), c10::GetDefaultCPUAllocator());

    const long advised = faultsToFill(c10::GetCPUAllocator());
    const long plain = faultsToFill(c10::GetDefaultCPUAllocator());
    std::cout << "faults to touch 64 MiB: " << advised << " advised, " << plain
              << " with LibTorch's allocator (THP mode " << mode << ")\n";
    // Whole huge pages, plus small pages for the up to 2 MiB at either end of the block.
    EXPECT_LE(advised, static_cast<long>(kBlockBytes) / kHugePage + 2 * kHugePage / kSmallPage);
    if (mode == "madvise") {
        EXPECT_GT(plain, 8 * advised);
    }
}

TEST(TensorMemory, TensorsAllocatedSoHoldTheirValues) {
    adviseHugePagesForLargeTensors();
    adviseHugePagesForLargeTensors();  // a second call wraps nothing twice
    const torch::Tensor large = torch::arange(3 << 20, torch::kFloat32);  // 12 MiB
    const torch::Tensor copy = large.clone();
    EXPECT_TRUE(torch::equal(copy, torch::arange(3 << 20, torch::kFloat32)));
    EXPECT_EQ(copy[(3 << 20) - 1].item<float>(), static_cast<float>((3 << 20) - 1));
    const torch::Tensor small = torch::ones({7});
    EXPECT_EQ(small.sum().item<float>(), 7.0f);
}

}  // namespace
}  // namespace fovea::core
