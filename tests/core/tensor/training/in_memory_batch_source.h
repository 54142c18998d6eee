#pragma once

#include <torch/torch.h>

#include <optional>
#include <vector>

#include "fovea/core/training/batch_source.h"

namespace fovea::test {

// Fixed batches from memory: the same tensors every epoch, in order (ids 0..N-1 in order).
// Lets trainer tests control exactly what the network sees.
class InMemoryBatchSource final : public core::BatchSource {
  public:
    InMemoryBatchSource(torch::Tensor images, torch::Tensor targets, std::int64_t batchSize)
        : m_images(std::move(images)), m_targets(std::move(targets)), m_batchSize(batchSize) {}

    std::int64_t samplesPerEpoch() const override { return m_images.size(0); }
    std::int64_t batchesPerEpoch() const override {
        return (samplesPerEpoch() + m_batchSize - 1) / m_batchSize;
    }
    void startEpoch(std::int64_t epoch, std::int64_t firstBatch) override {
        m_next = firstBatch;
        ++m_epochsStarted;
    }
    std::optional<core::Batch> nextBatch() override {
        if (m_next >= batchesPerEpoch()) return std::nullopt;
        const std::int64_t begin = m_next++ * m_batchSize;
        const std::int64_t size = std::min(m_batchSize, samplesPerEpoch() - begin);
        core::Batch batch;
        batch.images = m_images.narrow(0, begin, size);
        batch.targets = m_targets.narrow(0, begin, size);
        for (std::int64_t i = begin; i < begin + size; ++i) {
            batch.sampleIds.push_back(i);
            batch.variants.push_back(0);
        }
        return batch;
    }
    std::vector<core::SampleFailure> takeFailures() override { return {}; }

    int epochsStarted() const { return m_epochsStarted; }

  private:
    torch::Tensor m_images;
    torch::Tensor m_targets;
    std::int64_t m_batchSize;
    std::int64_t m_next = 0;
    int m_epochsStarted = 0;
};

}  // namespace fovea::test
