#pragma once

#include "fovea/core/libtorch_side.h"  // first: the workbench must not reach LibTorch

#include <torch/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/training/training_reports.h"

namespace fovea::core {

// One batch for the trainer. Everything it needs to know about the images, and nothing about
// how they were decoded (the tensor side of core never sees OpenCV types).
struct Batch {
    torch::Tensor images;   // [N, 3, H, W] float32, normalised as the network expects, in
                            // either memory layout; pinned host memory when CUDA is available,
                            // so the copy can overlap
    torch::Tensor targets;  // [N] int64 class indices
    std::vector<std::int64_t> sampleIds;  // the project's image ids, in batch order
    // Which augmentation variant each image is (0 = none, the evaluation crop). With the image
    // id it names the exact pixels, e.g. as the key of the frozen-prefix feature cache.
    std::vector<std::int64_t> variants;
};

// Where training and evaluation batches come from. One epoch is a fixed, seeded sequence of
// batches, so a run can be repeated exactly and resumed mid-epoch.
class BatchSource {
  public:
    virtual ~BatchSource() = default;

    virtual std::int64_t samplesPerEpoch() const = 0;
    virtual std::int64_t batchesPerEpoch() const = 0;
    // Begins epoch `epoch` (its order and augmentations follow from the seed and the epoch)
    // at batch `firstBatch`, e.g. to resume from a checkpoint written mid-epoch.
    virtual void startEpoch(std::int64_t epoch, std::int64_t firstBatch = 0) = 0;
    // The next batch of the epoch, or nullopt when the epoch is over. Blocks while the batch is
    // still being prepared.
    virtual std::optional<Batch> nextBatch() = 0;
    // Images that failed since the last call.
    virtual std::vector<SampleFailure> takeFailures() = 0;
};

}  // namespace fovea::core
