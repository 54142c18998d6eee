// .pth files built to make a reader allocate far more than the file holds (make_pth_bombs.py).
// Each must be refused, or read within the file's size, with an error naming the file; the
// process's peak memory must not grow by what the bomb asks for. (Pickles that would run code
// are in pth_reader_test.cpp: ReadPthRefuses.)

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <filesystem>
#include <string>

#include "fovea/core/weights/pth_reader.h"
#include "run_process.h"
#include "weights_test_support.h"

namespace fovea::core {
namespace {

namespace fs = std::filesystem;

const fs::path& bombDir() {
    static const fs::path dir = [] {
        const fs::path made = test::scratchDir("bombs");
        const auto result = test::runProcess(
            test::kPython, {test::testSourceFile("make_pth_bombs.py").string(), made.string()}, {},
            true);
        EXPECT_EQ(result.exitCode, 0) << "make_pth_bombs.py failed:\n" << result.output;
        return made;
    }();
    return dir;
}

// Peak resident memory of this process so far, in MiB.
long peakMiB() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024;
}

// The bombs ask for 50 MiB or more; a reader that stays within the file needs well under this.
constexpr long kAllowedGrowthMiB = 24;

void expectRefusedWithinMemory(const std::string& name, const std::string& problem) {
    const fs::path file = bombDir() / name;
    ASSERT_TRUE(fs::exists(file)) << file;
    const long before = peakMiB();
    const auto result = readPth(file);
    const long grown = peakMiB() - before;
    ASSERT_FALSE(result.ok()) << file << " was read (" << result.value().size()
                              << " tensors); expected an error containing: " << problem;
    const std::string& message = result.error().message;
    EXPECT_EQ(message.rfind(file.string() + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(problem), std::string::npos)
        << "message: " << message << "\nexpected to contain: " << problem;
    EXPECT_LT(grown, kAllowedGrowthMiB) << "peak memory grew by " << grown << " MiB";
}

TEST(PthAbuse, DeflateBombIsRefusedBeforeInflating) {
    expectRefusedWithinMemory("deflate_bomb_zip.pth", "bytes, more than the file holds");
}

TEST(PthAbuse, DeflatedRecordLargerThanDeclaredIsReadOnlyToItsDeclaredSize) {
    // miniz inflates into a buffer of the declared 64 bytes and stops there: the file reads as
    // what it declares (16 zeros), and the 64 MiB behind it are never inflated.
    const fs::path file = bombDir() / "lying_deflate_zip.pth";
    const long before = peakMiB();
    const auto result = readPth(file);
    const long grown = peakMiB() - before;
    EXPECT_LT(grown, kAllowedGrowthMiB) << "peak memory grew by " << grown << " MiB";
    if (!result.ok()) {  // refusing it would be as good
        EXPECT_EQ(result.error().message.rfind(file.string() + ": ", 0), 0u)
            << result.error().message;
        return;
    }
    ASSERT_EQ(result.value().size(), 1u);
    EXPECT_TRUE(torch::equal(result.value()["w"], torch::zeros(16)));
}

TEST(PthAbuse, OverlappingZipEntriesAreRefused) {
    expectRefusedWithinMemory("overlapping_entries_zip.pth", "more than the file's");
}

TEST(PthAbuse, ManyNamesForOneTensorAreRefusedBeforeCopying) {
    expectRefusedWithinMemory("shared_view_bomb_zip.pth", "times the file's size");
    expectRefusedWithinMemory("shared_view_bomb_legacy.pth", "times the file's size");
}

TEST(PthAbuse, TiedWeightsStillLoadAsIndependentCopies) {
    // The control for the bombs above: two names for one tensor, as tied embeddings are saved.
    const auto result = readPth(bombDir() / "tied_weights_zip.pth");
    ASSERT_TRUE(result.ok()) << result.error().message;
    const StateDict& state = result.value();
    ASSERT_EQ(state.size(), 2u);
    EXPECT_TRUE(torch::equal(state["embed.weight"], torch::arange(6.0)));
    EXPECT_TRUE(torch::equal(state["head.weight"], torch::arange(6.0)));
    EXPECT_NE(state["embed.weight"].data_ptr(), state["head.weight"].data_ptr());
}

}  // namespace
}  // namespace fovea::core
