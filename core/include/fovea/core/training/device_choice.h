#pragma once

#include "fovea/core/libtorch_side.h"  // first: the workbench must not reach LibTorch

#include <torch/types.h>

#include "fovea/core/result.h"
#include "fovea/core/training/training_config.h"

namespace fovea::core {

// CPU, or CUDA when asked for (or Auto and available): the GPU useCudaDevice() chose, the first
// by default. Asking for CUDA without one is an error that says so, not a silent fallback.
Result<torch::Device> resolveDevice(DevicePreference preference);

// Which of the machine's GPUs this process trains on: a distributed run's LOCAL_RANK (modulo the
// GPUs there are), so that the ranks on one machine share its GPUs one each.
void useCudaDevice(int localRank);

// What a run asking for `requested` computes in on `device`: Auto becomes bf16 where the device
// computes it natively (a CPU with AVX512-BF16 or AMX and LibTorch's oneDNN; a CUDA device of
// compute capability 8.0 or newer) and float32 elsewhere; the others stay as asked.
Precision resolvePrecision(Precision requested, const torch::Device& device);

// fp16 autocast exists only on CUDA (CPUs compute bf16 natively, not fp16): an error elsewhere.
Result<void> checkPrecisionFor(const torch::Device& device, Precision precision);

}  // namespace fovea::core
