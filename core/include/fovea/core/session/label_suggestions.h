#pragma once

// Model-assisted labeling: a trained model predicts a project's unlabeled images and each gets a
// suggested class, stored in the project (ProjectStore::replaceSuggestions) for a person to
// accept or correct. Free of LibTorch.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fovea/core/project/project_types.h"
#include "fovea/core/result.h"
#include "fovea/core/session/labeling_order.h"
#include "fovea/core/session/prediction.h"

namespace fovea::core {

// The suggestion from one image's class probabilities (`probabilities[c]` for output c, the
// whole distribution), where `classIds[c]` is the project's class of output c, or none where the
// project lacks it. Only the project's classes can be suggested: the most probable of them, with
// its own probability (not renormalised) as confidence; margin is its lead over the next such
// class (its whole probability when it has none); entropy is of the whole distribution. None
// when no output is a class of the project.
std::optional<LabelSuggestion> suggestionFromProbabilities(
    ImageId image, const std::vector<double>& probabilities,
    const std::vector<std::optional<ClassId>>& classIds);

// The suggestion one prediction makes, given the project's classes by name
// (suggestionFromProbabilities; `prediction.top` must hold every class for the entropy). None
// when the image failed or no class of the model is in the project.
std::optional<LabelSuggestion> suggestionFor(const ImagePrediction& prediction, ImageId image,
                                             const std::map<std::string, ClassId>& classes);

struct SuggestionReport {
    std::filesystem::path model;  // the model file that predicted
    std::int64_t considered = 0;  // unlabeled, usable images predicted
    std::int64_t suggested = 0;
    std::vector<PredictionFailure> failures;    // unreadable images (recorded in the project)
    std::vector<std::string> unmatchedClasses;  // the model's classes the project does not have
    InferenceFacts facts;
};

struct SuggestionSettings : InferenceSettings {
    // How "Label next" measures where the model hesitates.
    UncertaintyMeasure measure = UncertaintyMeasure::Margin;
};

// Predicts every unlabeled, usable image of the project in `projectFolder` with the model of
// `modelSource` (run folder, bundle or model file) and replaces the project's suggestions with
// the result, in one transaction. The "Label next" order is labelingOrder's: the least certain
// first, no two near-identical together, measured on the model's own features before its head
// (the labeled images are run too, so that what is labeled already counts as covered). An image
// that cannot be decoded gets its error recorded in the project. Errors: the project or model
// cannot be opened, none of the model's classes is a class of the project (Usage), cancel
// ("cancelled"), LibTorch.
Result<SuggestionReport> suggestLabels(const std::filesystem::path& projectFolder,
                                       const std::filesystem::path& modelSource,
                                       const SuggestionSettings& settings = {},
                                       const PredictionProgress& progress = {},
                                       const std::atomic<bool>* cancel = nullptr);

}  // namespace fovea::core
