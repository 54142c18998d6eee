#pragma once

// Active learning: the order in which a person should label the unlabeled images so that each
// label teaches the model most. Uncertainty (where the current model hesitates) combined with
// diversity (no batch of near-identical images: a greedy k-center choice on the embeddings
// among the uncertain ones). Free of LibTorch.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fovea::core {

enum class UncertaintyMeasure {
    Margin,   // 1 - (p1 - p2): the two most probable classes are close
    Entropy,  // of the whole distribution, normalised to 0..1
};

// 0 (certain) .. 1 (no idea) for one image's class probabilities.
double uncertaintyOf(const std::vector<double>& probabilities, UncertaintyMeasure measure);

struct LabelingOrderOptions {
    UncertaintyMeasure measure = UncertaintyMeasure::Margin;
    std::size_t batch = 20;  // labels a person gives between two refreshes
    // Each batch is chosen among this many times `batch` of the most uncertain images left.
    std::size_t candidatesPerPick = 5;
    // Batches chosen for diversity; the images after them follow by uncertainty alone (they
    // are ordered again after the next refresh anyway, and each diverse pick costs a pass over
    // every image).
    std::size_t diverseBatches = 5;
};

// The unlabeled images (`probabilities` and `embeddings`, one entry each; embeddings
// L2-normalised, an empty one counts as far from everything) in the order to label them: batch
// after batch (the first diverseBatches of them), each pick the candidate (among the batch x
// candidatesPerPick most uncertain left) whose distance to everything already labeled or chosen,
// weighted by its uncertainty, is largest; then the rest, most uncertain first.
// `labeledEmbeddings` are the images labeled so far.
std::vector<std::size_t> labelingOrder(const std::vector<std::vector<double>>& probabilities,
                                       const std::vector<std::vector<float>>& embeddings,
                                       const std::vector<std::vector<float>>& labeledEmbeddings,
                                       const LabelingOrderOptions& options = {});

}  // namespace fovea::core
