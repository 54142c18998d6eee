#pragma once

#include <torch/types.h>

#include <cstddef>
#include <functional>
#include <mutex>
#include <vector>

namespace fovea::core {

class ProcessGroup;

// Averages the gradients of the trainable parameters across the ranks of a group, as PyTorch's
// DistributedDataParallel does: in buckets of about bucketBytes (one all-reduce per bucket, not
// per tensor), filled in the order backward computes them (the last layers first), each bucket
// sent as soon as its gradients are all there, so that communication overlaps the rest of the
// backward pass. Frozen parameters (no gradient) are never sent. Every rank must run the same
// backward passes.
class GradientAverager {
  public:
    static constexpr std::size_t kDefaultBucketBytes = 25u << 20;  // DDP's default

    explicit GradientAverager(ProcessGroup& group, std::size_t bucketBytes = kDefaultBucketBytes);
    ~GradientAverager();
    GradientAverager(const GradientAverager&) = delete;
    GradientAverager& operator=(const GradientAverager&) = delete;

    // Follows the gradients of `parameters` that require one; again when that set changes.
    void attach(const std::vector<torch::Tensor>& parameters);
    // After a backward pass: waits for the buckets and puts each gradient's mean over the ranks
    // in its .grad. Gradients the hooks could not account for (a parameter used twice, one
    // without a gradient this step) are averaged after the pass instead, still exactly.
    void finish();

    // Without hooks: replaces each parameter's gradient by its mean over the ranks, after the
    // backward pass. Parameters without a gradient are left out.
    void average(const std::vector<torch::Tensor>& parameters);

  private:
    struct Bucket {
        std::vector<std::size_t> members;  // indices into m_parameters
        std::vector<std::int64_t> offsets;
        torch::Tensor flat;  // the members' gradients end to end (ProcessGroup::collectsOn)
        std::size_t pending = 0;
        std::function<void()> wait;  // set once sent
    };

    void onGradient(std::size_t parameter, const torch::Tensor& gradient);
    void send(Bucket& bucket);
    void detach();
    void reset();
    void reduceBucket(std::vector<torch::Tensor>& gradients);

    ProcessGroup& m_group;
    std::size_t m_bucketBytes;
    std::vector<torch::Tensor> m_parameters;
    std::vector<unsigned> m_hooks;        // per parameter, to remove them
    std::vector<std::size_t> m_bucketOf;  // per parameter
    std::vector<bool> m_arrived;          // this pass
    std::vector<Bucket> m_buckets;
    std::vector<std::size_t> m_sendOrder;  // buckets in the order they were sent this pass
    bool m_reused = false;                 // a gradient came twice: average after the pass
    std::mutex m_mutex;                    // autograd may call hooks from its own threads
};

}  // namespace fovea::core
