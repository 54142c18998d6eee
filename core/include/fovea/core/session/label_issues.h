#pragma once

// Suspected label errors by confident learning (Northcutt, Jiang and Chuang, "Confident
// Learning: Estimating Uncertainty in Dataset Labels", JAIR 2021): out-of-fold probabilities
// from linear heads trained on frozen embeddings (k folds, each image predicted by a head that
// never saw it), per-class confidence thresholds, and the images whose confident class is not
// their given one. Free of LibTorch.

#include <cstdint>
#include <vector>

#include "fovea/core/result.h"
#include "fovea/core/session/linear_probe.h"

namespace fovea::core {

struct LabelIssueOptions {
    int folds = 5;
    std::uint64_t seed = 0;  // which images go to which fold
    LinearProbeOptions probe;
};

struct SuspectedLabel {
    std::size_t index = 0;  // into the caller's images
    std::int64_t given = 0;
    std::int64_t suggested = 0;  // the class the out-of-fold probabilities are confident in
    // suggested's probability minus given's: higher is more surely wrong (0..1).
    double score = 0;
    double givenProbability = 0;
    double suggestedProbability = 0;
};

// Out-of-fold class probabilities of every image ([images][classes]), from `folds` linear heads
// on `embeddings` (equal length, one per image) and `labels` (0..classes-1). Folds are
// stratified by class and seeded (a class with a single image is never learned for it).
// Errors: fewer than two classes, labels outside them, embeddings of different lengths.
Result<std::vector<std::vector<double>>> outOfFoldProbabilities(
    const std::vector<std::vector<float>>& embeddings, const std::vector<std::int64_t>& labels,
    std::int64_t classes, const LabelIssueOptions& options = {});

// The confident-learning suspects among images with `labels`, given their out-of-fold
// `probabilities`: an image is suspect when some other class reaches that class's threshold
// (the mean probability of it over the images labeled with it) and is the most probable of
// those that do. Most suspect first.
std::vector<SuspectedLabel> confidentLearningSuspects(
    const std::vector<std::vector<double>>& probabilities, const std::vector<std::int64_t>& labels,
    std::int64_t classes);

}  // namespace fovea::core
