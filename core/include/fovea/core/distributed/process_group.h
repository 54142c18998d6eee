#pragma once

#include <torch/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fovea/core/distributed/launch_environment.h"
#include "fovea/core/result.h"

namespace fovea::core {

// Whether this build can join a process group (LibTorch's c10d with Gloo, found at build time).
bool distributedTrainingAvailable();

// Waits at most this long for the other ranks: to join, and in any collective. A dead rank
// ends the others' waits at once (the connection resets); a stalled one after the timeout.
constexpr std::chrono::seconds kDefaultDistributedTimeout{120};

// This process's membership of a group of ranks, over PyTorch's c10d: the TCPStore rendezvous
// at MASTER_ADDR:MASTER_PORT (served by rank 0, or by torchrun's agent), ProcessGroupGloo, and
// ProcessGroupNCCL for CUDA tensors where the LibTorch has it and a GPU is there (chosen per
// tensor at run time, as PyTorch's "cpu:gloo,cuda:nccl").
// Collectives block until every rank has made the same call; a failure (a rank died, the
// timeout passed) throws std::runtime_error naming the rank and what it waited for.
class ProcessGroup {
  public:
    static Result<std::unique_ptr<ProcessGroup>> join(
        const LaunchEnvironment& launch,
        std::chrono::milliseconds timeout = kDefaultDistributedTimeout);
    ~ProcessGroup();
    ProcessGroup(const ProcessGroup&) = delete;
    ProcessGroup& operator=(const ProcessGroup&) = delete;

    int rank() const;
    int worldSize() const;

    // Whether tensors on `device` are summed where they are (CUDA over NCCL); else collectives
    // take host tensors (Gloo), and CUDA ones go through host copies.
    bool collectsOn(const torch::Device& device) const;
    // "NCCL" or "Gloo": what carries the collectives of tensors on `device`.
    std::string backendFor(const torch::Device& device) const;

    // Sums each tensor across ranks, in place (CPU or CUDA). One collective per tensor: pass
    // few, large tensors (GradientAverager flattens its buckets).
    void allreduceSum(std::vector<torch::Tensor>& tensors);
    // Starts summing a tensor across ranks in place (on the host, or on a device collectsOn
    // names); the returned function waits for it (throwing as the blocking collectives do; for
    // CUDA, the current stream waits). Lets the gradients of the last layers travel while
    // backward still computes the first ones'.
    std::function<void()> allreduceSumAsync(torch::Tensor tensor);
    // Every rank gets `root`'s values, in place.
    void broadcast(std::vector<torch::Tensor>& tensors, int root = 0);
    void barrier();
    // Every rank gets `root`'s text (e.g. the run folder rank 0 chose).
    std::string shareText(const std::string& key, const std::string& text, int root = 0);
    // Whether every rank passed the same value (e.g. a hash of its settings).
    bool allEqual(std::uint64_t value);

  private:
    class Impl;
    explicit ProcessGroup(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace fovea::core
