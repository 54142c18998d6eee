#pragma once

#include <cstddef>
#include <cstdint>

#include "fovea/core/project/project_store.h"
#include "fovea/core/result.h"

namespace fovea::core {

// Target shares of the splits; normalised by their sum, so {8, 1, 1} works as well.
struct SplitFractions {
    double train = 0.8;
    double val = 0.1;
    double test = 0.1;
};

struct SplitReport {
    std::size_t assigned = 0;  // images given a split now
    std::size_t kept = 0;      // usable images that already had one (never changed)
    std::size_t train = 0;     // of `assigned`
    std::size_t val = 0;
    std::size_t test = 0;
};

// Gives a split to every usable image (not excluded, missing or failed) that has none.
// Stratified: within each class (unlabeled images form their own group), images are taken in
// the order of a seeded hash of their path and each goes to the split furthest below its
// target count for that class, counting the images the class already has in each split. So
// per-class proportions land within one image of the targets, the same seed gives the same
// result, and adding images later never moves an image to another split. One transaction.
Result<SplitReport> assignSplits(ProjectStore& store, const SplitFractions& fractions,
                                 std::uint64_t seed);

}  // namespace fovea::core
