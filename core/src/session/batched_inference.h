#pragma once

// What evaluation and prediction share: images through the network's recorded evaluation
// transform, in batches, on the chosen device, in eval mode without gradients. Internal to
// fovea_session.
#include <torch/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fovea/core/loader/image_batch_loader.h"
#include "fovea/core/models/network.h"
#include "fovea/core/result.h"
#include "fovea/core/training/training_config.h"

namespace fovea::core::detail {

struct InferenceOptions {
    int batchSize = 32;
    int workers = 0;  // decoding threads; 0: one per core (at most 4)
    DevicePreference device = DevicePreference::Auto;
};

// One batch of results: `indices` are positions in the caller's file list, `logits` the
// network's float32 output [indices.size(), numClasses] on the inference device.
using InferenceBatchCallback =
    std::function<void(const std::vector<std::int64_t>& indices, const torch::Tensor& logits)>;

// An image that could not be used, by its position in the caller's list.
struct InferenceFailure {
    std::int64_t index = 0;
    std::string message;  // names the file and the problem
};

struct InferenceRun {
    std::string device;  // e.g. "cpu", "cuda:0"
    std::vector<InferenceFailure> failures;
};

// Runs every file of `files` through `network` (the target of each LabeledImage is passed on
// untouched; the ids are ignored). The network's training mode and device are restored
// afterwards. `progress(done, total)` counts images, failed ones included. Errors: the device
// cannot be used, `cancel` was set (checked between batches), or LibTorch failed.
Result<InferenceRun> runInference(NetworkImpl& network, const std::vector<LabeledImage>& files,
                                  const InferenceOptions& options,
                                  const InferenceBatchCallback& onBatch,
                                  const std::function<void(std::int64_t, std::int64_t)>& progress,
                                  const std::atomic<bool>* cancel);

}  // namespace fovea::core::detail
