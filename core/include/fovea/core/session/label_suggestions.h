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
#include "fovea/core/session/prediction.h"

namespace fovea::core {

// The suggestion one prediction makes, given the project's classes by name. Only the model's
// classes the project has can be suggested: the most probable of them, with the model's own
// probability (not renormalised) as confidence; margin is its lead over the next such class;
// entropy is of the model's whole distribution (`prediction.top` must hold every class for
// it). None when the image failed or no class of the model is in the project.
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

// Predicts every unlabeled, usable image of the project in `projectFolder` with the model of
// `modelSource` (run folder, bundle or model file) and replaces the project's suggestions with
// the result, in one transaction; the "Label next" order puts the least certain first
// (smallest margin). An image that cannot be decoded gets its error recorded in the project.
// Errors: the project or model cannot be opened, none of the model's classes is a class of the
// project (Usage), cancel ("cancelled"), LibTorch.
Result<SuggestionReport> suggestLabels(const std::filesystem::path& projectFolder,
                                       const std::filesystem::path& modelSource,
                                       const InferenceSettings& settings = {},
                                       const PredictionProgress& progress = {},
                                       const std::atomic<bool>* cancel = nullptr);

}  // namespace fovea::core
