#include "fovea/core/session/training_data.h"

#include <algorithm>
#include <map>

namespace fovea::core {

Result<TrainingDataSet> collectTrainingData(ProjectStore& store, double validationFraction,
                                            std::uint64_t seed, const std::string& dataName) {
    const std::string where = dataName.empty() ? store.directory().string() : dataName;
    const double fraction = std::clamp(validationFraction, 0.0, 0.9);
    if (auto splits = assignSplits(store, SplitFractions{1.0 - fraction, fraction, 0.0}, seed);
        !splits) {
        return splits.error();
    }
    auto classes = store.classes();
    if (!classes) return classes.error();
    ImageFilter labeled;
    labeled.labeled = Require::Yes;
    auto images = store.images(labeled);
    if (!images) return images.error();
    const std::vector<ImageRecord> records = std::move(images).value();

    // Classes in display order, keeping those with at least one usable training image.
    std::map<ClassId, std::int64_t> trainPerClass;
    for (const auto& image : records) {
        const bool usable = !image.excluded && !image.missing && !image.error;
        if (usable && image.split == Split::Train) ++trainPerClass[*image.classId];
    }
    TrainingDataSet data;
    std::map<ClassId, std::int64_t> indexOf;
    for (const auto& info : classes.value()) {
        if (trainPerClass[info.id] == 0) continue;
        indexOf[info.id] = static_cast<std::int64_t>(data.classNames.size());
        data.classNames.push_back(info.name);
        data.classIds.push_back(info.id);
        data.trainCounts.push_back(trainPerClass[info.id]);
    }
    for (const auto& image : records) {
        if (image.excluded) continue;
        if (image.missing || image.error) {
            ++data.unusable;
            continue;
        }
        const auto index = indexOf.find(*image.classId);
        if (index == indexOf.end()) continue;
        LabeledImage sample{image.id, image.path, index->second};
        if (image.split == Split::Train) data.train.push_back(sample);
        if (image.split == Split::Val) data.validation.push_back(sample);
    }
    if (data.classNames.empty()) {
        return Error{"no usable labeled images in " + where +
                     " (put images in one folder per class, e.g. DIR/cat/*.jpg)"};
    }
    if (data.classNames.size() < 2) {
        return Error{"only one class (" + data.classNames.front() + ") has usable images in " +
                     where + "; training needs at least two"};
    }
    return data;
}

}  // namespace fovea::core
