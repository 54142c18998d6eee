#include "fovea/core/session/lr_find_run.h"

namespace fovea::core {

Result<LrFinderResult> runLearningRateFinder(
    RunSettings settings, const std::filesystem::path& projectFolder, LrFinderOptions options,
    TrainingControl* control, const std::function<void(std::int64_t, double, double)>& progress,
    const DownloadProgressCallback& download, RunFailure& failure) {
    // Every image trains; augmentation would only add noise to the curve, and the feature
    // cache would make the steps unlike those of a run whose frozen set may change.
    settings.augment = "none";
    settings.validationFraction = 0.0;
    settings.training.featureCache = false;
    auto prepared = prepareTrainingInputs(settings, projectFolder, download, failure);
    if (!prepared) return prepared.error();
    TrainingInputs& inputs = prepared.value();
    options.classCounts = inputs.set.trainCounts;
    failure = RunFailure::Failure;
    return findLearningRate(*inputs.network.network, *inputs.trainLoader, settings.training,
                            options, control, progress);
}

}  // namespace fovea::core
