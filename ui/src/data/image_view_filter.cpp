#include "data/image_view_filter.h"

namespace fovea::ui {

bool ImageViewFilter::operator==(const ImageViewFilter& other) const {
    return kind == other.kind && classId == other.classId && split == other.split &&
           minConfidencePercent == other.minConfidencePercent && pathContains == other.pathContains;
}

bool ImageViewFilter::isUnusable(const core::ImageRecord& record) {
    return record.error.has_value() || record.missing;
}

core::ImageFilter ImageViewFilter::toImageFilter() const {
    core::ImageFilter filter;
    filter.pathContains = pathContains.toStdString();
    switch (kind) {
        case Kind::All:
            break;
        case Kind::Unlabeled:
            filter.labeled = core::Require::No;
            break;
        case Kind::Class:
            filter.classId = classId;
            break;
        case Kind::Split:
            filter.split = split;
            break;
        case Kind::NoSplit:
            filter.hasSplit = core::Require::No;
            break;
        case Kind::Unreadable:
            break;  // error OR missing: one query cannot say it; matches() picks them
        case Kind::Suggested:
            filter.suggested = core::Require::Yes;
            filter.minSuggestionConfidence = minConfidence();
            break;
        case Kind::LabelNext:
            filter.labeled = core::Require::No;
            filter.order = core::ImageOrder::LabelNext;
            break;
        case Kind::Excluded:
            filter.excluded = core::Require::Yes;
            break;
    }
    return filter;
}

bool ImageViewFilter::matches(const core::ImageRecord& record) const {
    if (!pathContains.isEmpty() &&
        !QString::fromStdString(record.path.string()).contains(pathContains)) {
        return false;
    }
    switch (kind) {
        case Kind::All:
            return true;
        case Kind::Unlabeled:
            return !record.classId;
        case Kind::Class:
            return record.classId == classId;
        case Kind::Split:
            return record.split == split;
        case Kind::NoSplit:
            return !record.split;
        case Kind::Unreadable:
            return isUnusable(record);
        case Kind::Suggested:
            // As the query: the store gives a suggestion to unlabeled images only, and the same
            // double is compared on both sides.
            return !record.classId && record.suggestion &&
                   record.suggestion->confidence >= minConfidence();
        case Kind::LabelNext:
            return !record.classId;
        case Kind::Excluded:
            return record.excluded;
    }
    return true;
}

}  // namespace fovea::ui
