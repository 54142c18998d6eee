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
#include "fovea/core/session/inference_settings.h"

namespace fovea::core::detail {

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
    InferenceFacts facts;
    std::vector<InferenceFailure> failures;
};

// What runInference hands to its callback per image.
enum class InferenceOutput {
    Logits,    // the whole network
    Features,  // the blocks before the head, averaged over space: the backbone's embedding
};

// Runs every file of `files` through `network` (the target of each LabeledImage is passed on
// untouched; the ids are ignored). The network's training mode, device and memory layout are
// restored afterwards. `progress(done, total)` counts images, failed ones included. Errors: the
// device cannot be used, `cancel` was set (checked between batches), or LibTorch failed. With
// InferenceOutput::Features the callback's tensor is [n, features] and no agreement is checked;
// the features are those of the first `featureBlocks` blocks (0: every block before the head).
// With Logits, `onFeatures`, when set, also receives each batch's features before the head
// ([n, features], float32), taken on the way to the logits at no extra cost.
Result<InferenceRun> runInference(NetworkImpl& network, const std::vector<LabeledImage>& files,
                                  const InferenceSettings& options,
                                  const InferenceBatchCallback& onBatch,
                                  const std::function<void(std::int64_t, std::int64_t)>& progress,
                                  const std::atomic<bool>* cancel,
                                  InferenceOutput output = InferenceOutput::Logits,
                                  std::size_t featureBlocks = 0,
                                  const InferenceBatchCallback& onFeatures = {});

// Each row of `features` [n, d] scaled to length 1, on the host: embeddings to compare.
std::vector<std::vector<float>> unitRows(const torch::Tensor& features);

}  // namespace fovea::core::detail
