#pragma once

// What the learning-rate finder is asked and what it finds, free of LibTorch (the workbench's
// Train page shows it).

#include <cstdint>
#include <string>
#include <vector>

namespace fovea::core {

// The learning-rate range test (Smith 2017, "Cyclical Learning Rates for Training Neural
// Networks", section 3.3; fastai's lr_find): train for a few steps while the rate grows
// exponentially and watch where the loss falls fastest and where it blows up.
struct LrFinderOptions {
    double minLearningRate = 1e-7;  // the first step's base rate
    double maxLearningRate = 10;    // the last step's, if the loss has not diverged before
    std::int64_t steps = 100;       // optimizer steps, cycling through epochs as needed
    // Exponential moving average of the loss, bias-corrected (Kingma & Ba 2015, section 3):
    // single batch losses are too noisy to read a slope from.
    double smoothing = 0.98;
    // Stop once the smoothed loss exceeds this times the best smoothed loss so far.
    double divergeFactor = 4;
    // Training images per class, for config.classWeightedLoss (as TrainingData::classCounts);
    // empty: an unweighted loss.
    std::vector<std::int64_t> classCounts;
};

struct LrFinderResult {
    // One entry per optimizer step taken, in step order. Rates are of the base (multiplier 1)
    // parameter groups; blocks with a multiplier in the config ran at rate x multiplier.
    std::vector<double> learningRates;
    std::vector<double> losses;     // smoothed (what to plot and what the suggestion reads)
    std::vector<double> rawLosses;  // each step's batch loss
    // 0 with suggestionRule "none" when too few steps ran to suggest anything.
    double suggestedLearningRate = 0;
    std::string suggestionRule;  // "steepest", "minimum/10" or "none"
    bool stoppedEarly = false;
    std::string stopReason;  // why it stopped early (diverged, NaN, stop request); else empty
};

struct LrSuggestion {
    double learningRate = 0;
    std::string rule;  // as LrFinderResult::suggestionRule
};

// fastai's "steepest" rule: the rate where the smoothed loss falls fastest against log(rate),
// ignoring the first and last few points (warm-up noise and the blow-up). Without any descent,
// the rate at the lowest loss divided by 10 (fastai's "minimum"), no lower than the first rate.
LrSuggestion suggestLearningRate(const std::vector<double>& learningRates,
                                 const std::vector<double>& smoothedLosses);

}  // namespace fovea::core
