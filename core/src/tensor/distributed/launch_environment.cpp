#include "fovea/core/distributed/launch_environment.h"

#include <charconv>
#include <cstdlib>

namespace fovea::core {

namespace {

// The whole text as a decimal integer, or nullopt.
std::optional<int> parseInt(const std::string& text) {
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

Error usage(const std::string& message) {
    return Error{"distributed launch: " + message +
                     " (a launcher such as torchrun sets RANK, WORLD_SIZE, LOCAL_RANK, "
                     "MASTER_ADDR and MASTER_PORT together)",
                 ErrorKind::Usage};
}

// A variable that must hold an integer in [least, most].
Result<int> integerVariable(const EnvironmentReader& read, const std::string& name, int least,
                            int most) {
    const auto text = read(name);
    if (!text) return usage(name + " is not set");
    const auto value = parseInt(*text);
    if (!value || *value < least || *value > most) {
        return usage(name + "=" + *text + " is not a whole number from " + std::to_string(least) +
                     " to " + std::to_string(most));
    }
    return *value;
}

}  // namespace

std::optional<std::string> processEnvironment(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    if (!value || !*value) return std::nullopt;
    return std::string(value);
}

Result<std::optional<LaunchEnvironment>> readLaunchEnvironment(const EnvironmentReader& read) {
    if (!read("RANK") && !read("WORLD_SIZE")) return std::optional<LaunchEnvironment>();
    LaunchEnvironment launch;
    auto world = integerVariable(read, "WORLD_SIZE", 1, 1 << 20);
    if (!world) return world.error();
    launch.worldSize = world.value();
    auto rank = integerVariable(read, "RANK", 0, launch.worldSize - 1);
    if (!rank) return rank.error();
    launch.rank = rank.value();
    if (launch.worldSize == 1) return std::optional<LaunchEnvironment>();
    if (read("LOCAL_RANK")) {
        auto local = integerVariable(read, "LOCAL_RANK", 0, launch.worldSize - 1);
        if (!local) return local.error();
        launch.localRank = local.value();
    } else {
        launch.localRank = launch.rank;
    }
    const auto address = read("MASTER_ADDR");
    if (!address) return usage("MASTER_ADDR is not set");
    launch.masterAddress = *address;
    auto port = integerVariable(read, "MASTER_PORT", 1, 65535);
    if (!port) return port.error();
    launch.masterPort = port.value();
    // torchrun's agent store is shared by its restarts: its workers name their keys by attempt,
    // as torch.distributed does.
    launch.agentHostsStore = read("TORCHELASTIC_USE_AGENT_STORE").value_or("") == "True";
    if (launch.agentHostsStore) {
        launch.storePrefix = "/worker/attempt_" + read("TORCHELASTIC_RESTART_COUNT").value_or("0");
    }
    return std::optional<LaunchEnvironment>(launch);
}

}  // namespace fovea::core
