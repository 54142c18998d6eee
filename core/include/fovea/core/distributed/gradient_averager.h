#pragma once

#include <torch/types.h>

#include <cstddef>
#include <vector>

namespace fovea::core {

class ProcessGroup;

// Averages the gradients of the trainable parameters across the ranks of a group after each
// backward pass, as PyTorch's DistributedDataParallel does: in buckets of about bucketBytes
// (one all-reduce per bucket rather than per tensor), frozen parameters (no gradient) never
// sent. Every rank must call average() after the same backward pass.
class GradientAverager {
  public:
    static constexpr std::size_t kDefaultBucketBytes = 25u << 20;  // DDP's default

    GradientAverager(ProcessGroup& group, std::size_t bucketBytes = kDefaultBucketBytes);

    // Replaces each parameter's gradient by its mean over the ranks. Parameters without a
    // gradient are left out; every rank must have gradients for the same parameters.
    void average(const std::vector<torch::Tensor>& parameters);

  private:
    void reduceBucket(std::vector<torch::Tensor>& gradients);

    ProcessGroup& m_group;
    std::size_t m_bucketBytes;
};

}  // namespace fovea::core
