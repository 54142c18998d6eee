#pragma once

// Suspected label errors by confident learning (Northcutt, Jiang and Chuang, "Confident
// Learning: Estimating Uncertainty in Dataset Labels", JAIR 2021): out-of-fold probabilities
// from linear heads trained on frozen embeddings (k folds, each image predicted by a head that
// never saw it), per-class confidence thresholds, and the images whose confident class is not
// their given one. Free of LibTorch.

#include <cstdint>
#include <string>
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
// stratified by class and seeded (a class with a single image is never learned for it). The
// probabilities are calibrated by one temperature, the one that best predicts the given labels
// (most labels are right): a head fitted to few images is overconfident, and without it a
// look-alike would be flagged as surely wrong as a true mistake.
// Errors: fewer than two classes, labels outside them, embeddings of different lengths.
Result<std::vector<std::vector<double>>> outOfFoldProbabilities(
    const std::vector<std::vector<float>>& embeddings, const std::vector<std::int64_t>& labels,
    std::int64_t classes, const LabelIssueOptions& options = {});

// The confident-learning suspects among images with `labels`, given their out-of-fold
// `probabilities`: an image is suspect when some other class reaches that class's threshold
// (the mean probability of it over the images labeled with it) and is the most probable of
// those that do, and more probable than the given class. Most suspect first.
std::vector<SuspectedLabel> confidentLearningSuspects(
    const std::vector<std::vector<double>>& probabilities, const std::vector<std::int64_t>& labels,
    std::int64_t classes);

// The share of images whose most probable class is their given one: how far the check's model
// can tell the classes apart, and so how much its suspects are worth.
double labelAgreement(const std::vector<std::vector<double>>& probabilities,
                      const std::vector<std::int64_t>& labels);

// One sentence for people on what the agreement means for the suspects, e.g. "The check's
// model predicts 73% of the 500 labels it held out as given: ...". Empty when none were checked.
std::string labelAgreementNote(std::int64_t checked, double agreement);

}  // namespace fovea::core
