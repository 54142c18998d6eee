#include "fovea/core/threads.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include <ATen/Parallel.h>

namespace fovea::core {
namespace {

TEST(ChooseIntraOpThreads, UsesAllCoresWithoutOmpNumThreads) {
    EXPECT_EQ(chooseIntraOpThreads(std::nullopt, 6), 6);
    EXPECT_EQ(chooseIntraOpThreads(std::string(), 6), 6);
}

TEST(ChooseIntraOpThreads, RespectsOmpNumThreads) {
    EXPECT_EQ(chooseIntraOpThreads(std::string("3"), 8), 3);
    EXPECT_EQ(chooseIntraOpThreads(std::string("12"), 2), 12);
    // Nested-level lists: the outermost level is the one LibTorch uses.
    EXPECT_EQ(chooseIntraOpThreads(std::string("4,2"), 8), 4);
}

TEST(ChooseIntraOpThreads, IgnoresMalformedOmpNumThreads) {
    EXPECT_EQ(chooseIntraOpThreads(std::string("0"), 2), 2);
    EXPECT_EQ(chooseIntraOpThreads(std::string("-3"), 2), 2);
    EXPECT_EQ(chooseIntraOpThreads(std::string("four"), 2), 2);
    EXPECT_EQ(chooseIntraOpThreads(std::string("4x"), 2), 2);
    EXPECT_EQ(chooseIntraOpThreads(std::nullopt, 0), 1);
}

TEST(AvailableCores, IsPositiveAndAtMostTheMachine) {
    const int cores = availableCores();
    EXPECT_GE(cores, 1);
    EXPECT_LE(cores, static_cast<int>(std::thread::hardware_concurrency()));
}

// Each configure call re-reads OMP_NUM_THREADS, so both branches can be driven in one process.
TEST(ConfigureIntraOpThreads, AppliesTheChoiceToLibTorch) {
    const char* saved = std::getenv("OMP_NUM_THREADS");
    const std::string savedValue = saved ? saved : "";

    unsetenv("OMP_NUM_THREADS");
    EXPECT_EQ(configureIntraOpThreads(), availableCores());
    EXPECT_EQ(at::get_num_threads(), availableCores());
    EXPECT_EQ(intraOpThreads(), availableCores());

    setenv("OMP_NUM_THREADS", "1", 1);
    EXPECT_EQ(configureIntraOpThreads(), 1);
    EXPECT_EQ(at::get_num_threads(), 1);

    if (saved) {
        setenv("OMP_NUM_THREADS", savedValue.c_str(), 1);
    } else {
        unsetenv("OMP_NUM_THREADS");
    }
}

}  // namespace
}  // namespace fovea::core
