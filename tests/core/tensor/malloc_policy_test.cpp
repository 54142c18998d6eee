// Fovea's executables keep freed memory for the next training step (core/src/process): large
// blocks freed and allocated again are not faulted in afresh; a user's malloc tuning still
// wins. Measured, not read back: the minor page faults of rounds that allocate, touch and free
// the same large blocks, as a training step's activations are.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "measure_in_child.h"

namespace fovea::test {
namespace {

constexpr const char* kMeasureVariable = "FOVEA_MEASURE_MALLOC_FAULTS";

long minorFaults() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_minflt;
}

// Page faults of the third of three rounds, each allocating eight 12 MiB blocks (under glibc's
// largest mmap threshold), writing every page and freeing them all, per round's worth of pages.
double faultsInALaterRoundPerPage() {
    constexpr std::size_t kBlock = 12u << 20;
    constexpr int kBlocks = 8;
    long third = 0;
    for (int round = 0; round < 3; ++round) {
        const long before = minorFaults();
        std::vector<char*> blocks;
        for (int i = 0; i < kBlocks; ++i) {
            auto* block = static_cast<char*>(std::malloc(kBlock));
            if (!block) return -1;
            std::memset(block, round + 1, kBlock);
            blocks.push_back(block);
        }
        for (char* block : blocks) std::free(block);
        third = minorFaults() - before;
    }
    return static_cast<double>(third) / (kBlocks * (kBlock / 4096));
}

// This program again, measuring alone with `environment`.
double measureAlone(const std::vector<std::string>& environment) {
    return measureInChild("MallocPolicy.MeasureWhenAsked", kMeasureVariable, "faults_per_page",
                          environment);
}

TEST(MallocPolicy, MeasureWhenAsked) {
    if (!std::getenv(kMeasureVariable)) GTEST_SKIP() << "the other case runs this one";
    std::cout << "faults_per_page=" << faultsInALaterRoundPerPage() << "\n";
}

TEST(MallocPolicy, FreedBlocksServeTheNextRoundUnlessTheUserTunesMalloc) {
    const double ours = measureAlone({"-GLIBC_TUNABLES", "-MALLOC_TRIM_THRESHOLD_"});
    // The user's (here glibc's default trim threshold): the policy steps aside.
    const double users = measureAlone({"-GLIBC_TUNABLES", "MALLOC_TRIM_THRESHOLD_=131072"});
    std::cout << "page faults per page in a third round: " << ours << " with Fovea's policy, "
              << users << " with MALLOC_TRIM_THRESHOLD_=131072\n";
    EXPECT_LT(ours, 0.05);
    EXPECT_GT(users, 0.5);
}

}  // namespace
}  // namespace fovea::test
