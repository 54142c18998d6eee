// Drives the built fovea-cli as a user or script would and checks what it prints.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "fovea/core/threads.h"
#include "fovea/core/version.h"
#include "run_process.h"

namespace fovea::test {
namespace {

ProcessResult cli(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
    return runProcess(foveaBinary("fovea-cli"), args, env);
}

TEST(CliInfo, JsonHoldsEveryFact) {
    const auto result = cli({"info", "--json"}, {"-OMP_NUM_THREADS"});
    ASSERT_EQ(result.exitCode, 0) << result.output;
    const auto info = nlohmann::json::parse(result.output);  // exactly one JSON object
    EXPECT_EQ(info.at("fovea_version"), core::kFoveaVersion);
    // 1.13 on Debian 12, 2.x on Debian 13 or with a pytorch.org LibTorch.
    EXPECT_TRUE(std::regex_match(info.at("libtorch_version").get<std::string>(),
                                 std::regex(R"(\d+\.\d+\.\d+)")))
        << info.at("libtorch_version");
    EXPECT_TRUE(info.at("cuda").at("available").is_boolean());
    EXPECT_TRUE(info.at("cuda").at("devices").is_array());
    EXPECT_EQ(info.at("cuda").at("devices").size() > 0,
              info.at("cuda").at("available").get<bool>());
    for (const auto& gpu : info.at("cuda").at("devices")) {
        EXPECT_FALSE(gpu.at("name").get<std::string>().empty());
        EXPECT_GT(gpu.at("total_memory_bytes").get<long long>(), 0);
        EXPECT_TRUE(std::regex_match(gpu.at("compute_capability").get<std::string>(),
                                     std::regex(R"([1-9]\d*\.\d+)")));
    }
    EXPECT_FALSE(info.at("opencv_version").get<std::string>().empty());
    EXPECT_FALSE(info.at("blas").at("name").get<std::string>().empty());
    EXPECT_EQ(info.at("qt_required"), false);
    // Without OMP_NUM_THREADS, fovea-cli uses every core (LibTorch alone would use one here).
    EXPECT_EQ(info.at("threads").at("intra_op"), core::availableCores());
    EXPECT_EQ(info.at("threads").at("available_cores"), core::availableCores());
}

TEST(CliInfo, IdleOpenMpThreadsSpinBrieflyUnlessTheUserChooses) {
    const auto brief = cli({"info", "--json"}, {"-OMP_WAIT_POLICY", "-GOMP_SPINCOUNT"});
    ASSERT_EQ(brief.exitCode, 0) << brief.output;
    EXPECT_EQ(nlohmann::json::parse(brief.output).at("threads").at("openmp_wait_policy"),
              "spin count 10000");
    const auto active = cli({"info", "--json"}, {"OMP_WAIT_POLICY=active"});
    ASSERT_EQ(active.exitCode, 0) << active.output;
    EXPECT_EQ(nlohmann::json::parse(active.output).at("threads").at("openmp_wait_policy"),
              "active");
}

TEST(CliInfo, OmpNumThreadsOverridesTheCoreCount) {
    const auto result = cli({"info", "--json"}, {"OMP_NUM_THREADS=1"});
    ASSERT_EQ(result.exitCode, 0) << result.output;
    EXPECT_EQ(nlohmann::json::parse(result.output).at("threads").at("intra_op"), 1);
}

TEST(CliInfo, TextNamesEachComponent) {
    const auto result = cli({"info"});
    ASSERT_EQ(result.exitCode, 0) << result.output;
    for (const char* field : {"Fovea", "LibTorch", "CUDA", "Threads", "BLAS", "OpenCV", "Qt"}) {
        EXPECT_NE(result.output.find(field), std::string::npos) << field << " in\n"
                                                                << result.output;
    }
}

TEST(CliUsage, UnknownCommandIsAUsageError) {
    EXPECT_EQ(cli({"frobnicate"}).exitCode, 2);
    EXPECT_EQ(cli({}).exitCode, 2);
    EXPECT_EQ(cli({"info", "--no-such-flag"}).exitCode, 2);
}

TEST(CliUsage, VersionAndHelpSucceed) {
    const auto version = cli({"--version"});
    EXPECT_EQ(version.exitCode, 0);
    EXPECT_NE(version.output.find(core::kFoveaVersion), std::string::npos) << version.output;
    EXPECT_EQ(cli({"--help"}).exitCode, 0);
}

// fovea-cli is the headless workbench: it must not link Qt itself. (Debian's LibTorch pulls in
// OpenCV's highgui and through it Qt 5 transitively; that is LibTorch's, not ours.)
TEST(CliLinkage, DoesNotLinkQtItself) {
    const auto needed = runProcess("/usr/bin/readelf", {"-d", foveaBinary("fovea-cli")});
    ASSERT_EQ(needed.exitCode, 0) << needed.output;
    EXPECT_NE(needed.output.find("libtorch"), std::string::npos) << needed.output;
    EXPECT_NE(needed.output.find("libopencv_core"), std::string::npos) << needed.output;
    EXPECT_EQ(needed.output.find("libQt"), std::string::npos) << needed.output;
}

}  // namespace
}  // namespace fovea::test
