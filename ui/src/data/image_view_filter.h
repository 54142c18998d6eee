#pragma once

#include <QString>
#include <optional>

#include "fovea/core/project/project_types.h"

namespace fovea::ui {

// What the image browser shows: one of the filters the Data page offers, plus a path search.
struct ImageViewFilter {
    enum class Kind {
        All,
        Unlabeled,
        Class,
        Split,
        NoSplit,
        Unreadable,
        Suggested,  // unlabeled images whose suggestion is at least minConfidencePercent sure
        LabelNext,  // unlabeled images, the most useful to label first (ImageOrder::LabelNext)
        Excluded,   // left out of training and export
    };
    Kind kind = Kind::All;
    core::ClassId classId = 0;               // Kind::Class
    core::Split split = core::Split::Train;  // Kind::Split
    int minConfidencePercent = 0;            // Kind::Suggested: 0..100
    QString pathContains;

    bool operator==(const ImageViewFilter& other) const;
    // The same filter as a database query.
    core::ImageFilter toImageFilter() const;
    // Whether `record` belongs in the view (after a label change, without a new query).
    bool matches(const core::ImageRecord& record) const;
    // The threshold of Kind::Suggested as the database compares it, 0..1.
    double minConfidence() const { return minConfidencePercent / 100.0; }
    // A file that cannot be used: unreadable or gone from disk.
    static bool isUnusable(const core::ImageRecord& record);
};

}  // namespace fovea::ui
