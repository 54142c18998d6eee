#include "fovea/core/session/lr_find_run.h"

#include "fovea/core/session/training_inputs.h"
#include "fovea/core/training/lr_finder.h"

namespace fovea::core {

Result<LrFinderResult> runLearningRateFinder(
    RunSettings settings, const std::filesystem::path& projectFolder, LrFinderOptions options,
    TrainingControl* control, const std::function<void(std::int64_t, double, double)>& progress,
    const DownloadProgressCallback& download) {
    // The run's own training images: images without a split get the one the run would give
    // them (the test writes them to the project, so it must never put every image in training
    // for good). Augmentation would only add noise to the curve, and the feature cache would
    // make the steps unlike those of a run whose frozen set may change.
    settings.augment = AugmentationLevel::None;
    settings.training.featureCache = false;
    auto prepared = prepareTrainingInputs(settings, projectFolder, download);
    if (!prepared) return prepared.error();
    TrainingInputs& inputs = prepared.value();
    options.classCounts = inputs.set.trainCounts;
    auto found = findLearningRate(*inputs.network.network, *inputs.trainLoader, settings.training,
                                  options, control, progress);
    if (!found) return withKind(found.error(), ErrorKind::Internal);
    return found;
}

}  // namespace fovea::core
