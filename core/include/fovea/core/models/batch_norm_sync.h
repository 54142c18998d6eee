#pragma once

// Synchronised BatchNorm for distributed training (PyTorch's nn.SyncBatchNorm): each BatchNorm
// layer that trains normalises with the mean and variance of the whole global batch, summed
// across processes, rather than of this process's part; its running statistics follow them.
// Every process must take the same steps (the sums are collectives). With a small batch per
// process, per-process statistics are noisy; synchronised ones are a single process's at the
// global batch.

#include <torch/types.h>

#include <cstddef>
#include <functional>

#include "fovea/core/models/network_fwd.h"

namespace fovea::core {

// Sums a tensor across the processes in place (every process gets the total).
using TensorSum = std::function<void(torch::Tensor&)>;

// Has every BatchNorm layer of `network` compute its training statistics with `sum` (empty:
// each process's own again). Returns how many layers it set.
std::size_t synchroniseBatchNorm(NetworkImpl& network, const TensorSum& sum);

}  // namespace fovea::core
