#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fovea/core/loader/image_batch_loader.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/project/splits.h"
#include "fovea/core/result.h"

namespace fovea::core {

// A project's labeled, usable images split for training: what the trainer's loaders read.
struct TrainingDataSet {
    std::vector<std::string> classNames;  // index = the network's output index
    std::vector<ClassId> classIds;        // the project's id of each class, same order
    std::vector<LabeledImage> train;
    std::vector<LabeledImage> validation;
    std::vector<std::int64_t> trainCounts;  // training images per class
    std::int64_t unusable = 0;              // labeled images left out (errors, missing)
};

// Gives unassigned images a split (stratified, seeded, stable: assignSplits with validation
// fraction `validationFraction` and no test split) and collects the usable labeled images.
// Classes without usable images are left out. Errors when fewer than two classes have
// training images, naming what is missing (no images, one class only) and `dataName` (the
// folder the user gave; the project folder when empty).
Result<TrainingDataSet> collectTrainingData(ProjectStore& store, double validationFraction,
                                            std::uint64_t seed, const std::string& dataName = {});

}  // namespace fovea::core
