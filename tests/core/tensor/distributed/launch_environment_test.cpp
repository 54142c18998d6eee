// The launchers' environment (torchrun, PyTorchJob, Slurm scripts): read whole, or refused with
// a message naming the variable.
#include <gtest/gtest.h>

#include <map>

#include "fovea/core/distributed/launch_environment.h"

namespace core = fovea::core;

namespace {

core::EnvironmentReader environment(std::map<std::string, std::string> variables) {
    return [variables](const std::string& name) -> std::optional<std::string> {
        const auto found = variables.find(name);
        if (found == variables.end()) return std::nullopt;
        return found->second;
    };
}

std::map<std::string, std::string> torchrunRank1() {
    return {{"RANK", "1"},
            {"WORLD_SIZE", "2"},
            {"LOCAL_RANK", "1"},
            {"MASTER_ADDR", "127.0.0.1"},
            {"MASTER_PORT", "29500"}};
}

}  // namespace

TEST(LaunchEnvironment, NothingSetIsASingleProcessRun) {
    auto launch = core::readLaunchEnvironment(environment({}));
    ASSERT_TRUE(launch) << launch.error().message;
    EXPECT_FALSE(launch.value().has_value());
}

TEST(LaunchEnvironment, AWorldOfOneIsASingleProcessRun) {
    auto launch = core::readLaunchEnvironment(environment({{"RANK", "0"}, {"WORLD_SIZE", "1"}}));
    ASSERT_TRUE(launch) << launch.error().message;
    EXPECT_FALSE(launch.value().has_value());
}

TEST(LaunchEnvironment, TorchrunsVariablesAreRead) {
    auto launch = core::readLaunchEnvironment(environment(torchrunRank1()));
    ASSERT_TRUE(launch) << launch.error().message;
    ASSERT_TRUE(launch.value().has_value());
    const core::LaunchEnvironment& read = *launch.value();
    EXPECT_EQ(read.rank, 1);
    EXPECT_EQ(read.worldSize, 2);
    EXPECT_EQ(read.localRank, 1);
    EXPECT_EQ(read.masterAddress, "127.0.0.1");
    EXPECT_EQ(read.masterPort, 29500);
    EXPECT_FALSE(read.agentHostsStore);
}

TEST(LaunchEnvironment, TorchrunsAgentStoreIsJoinedUnderItsAttempt) {
    auto variables = torchrunRank1();
    variables["TORCHELASTIC_USE_AGENT_STORE"] = "True";
    variables["TORCHELASTIC_RESTART_COUNT"] = "2";
    auto launch = core::readLaunchEnvironment(environment(variables));
    ASSERT_TRUE(launch && launch.value());
    EXPECT_TRUE(launch.value()->agentHostsStore);
    EXPECT_EQ(launch.value()->storePrefix, "/worker/attempt_2");
}

TEST(LaunchEnvironment, WithoutLocalRankTheRankChoosesTheGpu) {
    auto variables = torchrunRank1();
    variables.erase("LOCAL_RANK");
    auto launch = core::readLaunchEnvironment(environment(variables));
    ASSERT_TRUE(launch && launch.value());
    EXPECT_EQ(launch.value()->localRank, 1);
}

TEST(LaunchEnvironment, AHalfSetEnvironmentNamesWhatIsMissing) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"WORLD_SIZE", "WORLD_SIZE is not set"},
        {"RANK", "RANK is not set"},
        {"MASTER_ADDR", "MASTER_ADDR is not set"},
        {"MASTER_PORT", "MASTER_PORT is not set"},
    };
    for (const auto& [removed, message] : cases) {
        auto variables = torchrunRank1();
        variables.erase(removed);
        auto launch = core::readLaunchEnvironment(environment(variables));
        ASSERT_FALSE(launch) << removed;
        EXPECT_EQ(launch.error().kind, core::ErrorKind::Usage);
        EXPECT_NE(launch.error().message.find(message), std::string::npos)
            << launch.error().message;
    }
}

TEST(LaunchEnvironment, MalformedValuesAreRefused) {
    for (const auto& [name, value] :
         std::vector<std::pair<std::string, std::string>>{{"RANK", "2"},
                                                          {"RANK", "-1"},
                                                          {"RANK", "one"},
                                                          {"WORLD_SIZE", "0"},
                                                          {"MASTER_PORT", "70000"},
                                                          {"MASTER_PORT", "29500x"},
                                                          {"LOCAL_RANK", "5"}}) {
        auto variables = torchrunRank1();
        variables[name] = value;
        auto launch = core::readLaunchEnvironment(environment(variables));
        ASSERT_FALSE(launch) << name << "=" << value;
        EXPECT_NE(launch.error().message.find(name + "=" + value), std::string::npos)
            << launch.error().message;
    }
}
