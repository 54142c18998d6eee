#pragma once

#include <functional>
#include <optional>
#include <string>

#include "fovea/core/result.h"

namespace fovea::core {

// Where this process stands in a distributed run, as the launchers people already use say it
// (torchrun, Kubeflow's PyTorchJob, Slurm scripts): RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
// MASTER_PORT.
struct LaunchEnvironment {
    int rank = 0;
    int worldSize = 1;
    int localRank = 0;  // which of this machine's GPUs the process uses (LOCAL_RANK; else RANK)
    std::string masterAddress;
    int masterPort = 0;
    // torchrun's static rendezvous already serves its store on MASTER_PORT
    // (TORCHELASTIC_USE_AGENT_STORE=True): every rank connects to it, under storePrefix.
    bool agentHostsStore = false;
    std::string storePrefix;
};

// Reads a variable of the environment; nullopt when unset or empty.
using EnvironmentReader = std::function<std::optional<std::string>(const std::string& name)>;
std::optional<std::string> processEnvironment(const std::string& name);

// The process's place in a distributed run: nullopt when neither RANK nor WORLD_SIZE is set
// (or WORLD_SIZE is 1), a single-process run. A half-set or malformed environment (RANK without
// WORLD_SIZE, no MASTER_ADDR, a rank outside the world) is a Usage error naming the variable.
Result<std::optional<LaunchEnvironment>> readLaunchEnvironment(
    const EnvironmentReader& read = processEnvironment);

}  // namespace fovea::core
