// Fovea's executables make OpenMP's idle threads spin only briefly before they sleep
// (core/src/process), so that on a busy machine they do not take the cores from the thread with
// work; the user's OMP_WAIT_POLICY still wins. Measured, not read back: a thread that spins
// while its partner works doubles the process's CPU time per second of wall time, one that
// soon sleeps does not.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <omp.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "measure_in_child.h"

namespace fovea::test {
namespace {

constexpr const char* kMeasureVariable = "FOVEA_MEASURE_OPENMP_WAITING";

double processCpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec * 1e-6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Many short parallel regions in which one of two threads works 2 ms and the other waits for it
// at the region's end: longer than 10,000 spins, shorter than libgomp's default 300,000.
double cpuSecondsPerWallSecond() {
    const auto wallStart = std::chrono::steady_clock::now();
    const double cpuStart = processCpuSeconds();
    for (int region = 0; region < 300; ++region) {
#pragma omp parallel num_threads(2)
        if (omp_get_thread_num() == 0) {
            const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(2);
            while (std::chrono::steady_clock::now() < until) {
            }
        }
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    return (processCpuSeconds() - cpuStart) / wall;
}

// This program again, measuring alone with `environment`.
double measureAlone(const std::vector<std::string>& environment) {
    return measureInChild("OpenMpWaitPolicy.MeasureWhenAsked", kMeasureVariable, "cpu_per_wall",
                          environment);
}

TEST(OpenMpWaitPolicy, MeasureWhenAsked) {
    if (!std::getenv(kMeasureVariable)) GTEST_SKIP() << "the other cases run this one";
    std::cout << "cpu_per_wall=" << cpuSecondsPerWallSecond() << "\n";
}

TEST(OpenMpWaitPolicy, IdleThreadsSoonSleepUnlessTheUserAsksThemToSpin) {
    if (omp_get_num_procs() < 2) GTEST_SKIP() << "needs two cores";
    const double byDefault = measureAlone({"-OMP_WAIT_POLICY", "-GOMP_SPINCOUNT"});
    const double spinning = measureAlone({"OMP_WAIT_POLICY=active", "-GOMP_SPINCOUNT"});
    std::cout << "CPU seconds per wall second: " << byDefault << " by default, " << spinning
              << " with OMP_WAIT_POLICY=active\n";
    // Spinning makes it near 2 on an idle machine; a busy one leaves the spinner less time.
    if (spinning < 1.3) GTEST_SKIP() << "the machine is too busy to tell spinning from sleeping";
    EXPECT_LT(byDefault, 1.3);
    EXPECT_GT(spinning, byDefault + 0.2);
}

}  // namespace
}  // namespace fovea::test
