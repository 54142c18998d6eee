#pragma once

#include <QImage>
#include <QString>
#include <QVector>
#include <array>
#include <cstddef>
#include <optional>
#include <vector>

#include "fovea/core/session/detection_model.h"

namespace fovea::ui {

// The kinds of mistake the Evaluate page's error browser sorts a detection run's evaluation
// into (issue 24, point 4; after TIDE, Bolya et al. 2020): core's verdicts on detections that
// were wrong, and the truth boxes no detection found.
enum class DetectionErrorKind { Background, Duplicate, WrongClass, PoorLocalisation, Missed };
constexpr int kDetectionErrorKinds = 5;

QString errorKindTitle(DetectionErrorKind kind);    // "False positive", "Missed object", ...
QString errorKindToolTip(DetectionErrorKind kind);  // what it means, in a sentence
// Short verdict words for a detection's caption ("found", "wrong class", ...).
QString outcomeWords(core::detection::DetectionOutcome outcome);
// The error kind of a verdict; none for a true positive or an ignored detection.
std::optional<DetectionErrorKind> errorKindOf(core::detection::DetectionOutcome outcome);

// One mistake: a detection with its verdict, or a missed truth box.
struct DetectionErrorEntry {
    DetectionErrorKind kind = DetectionErrorKind::Background;
    std::size_t image = 0;                 // index in the evaluation's images
    std::optional<std::size_t> detection;  // in that image's detections; none for Missed
    std::optional<std::size_t> truth;      // the truth box it concerns; none for Background
    double score = 0;                      // the detection's (Missed: its nearest detection's)
    double iou = 0;  // with the truth box (Background: its best with any; Missed: the nearest)
    QImage tile;     // drawn in the background; null when beyond the tiles kept
};

// An evaluation's mistakes in the error browser's order: per kind, the most confident first
// (the mistakes that cost most), missed objects by image; and every detection's verdict.
class DetectionErrors {
  public:
    DetectionErrors() = default;
    explicit DetectionErrors(const core::DetectionEvaluation& evaluation);

    const std::vector<DetectionErrorEntry>& entries() const { return m_entries; }
    std::vector<DetectionErrorEntry>& entries() { return m_entries; }
    std::int64_t count(DetectionErrorKind kind) const {
        return m_counts[static_cast<std::size_t>(kind)];
    }
    // The verdict on detection `detection` of image `image` (none beyond the 100 per class
    // COCO keeps).
    std::optional<core::detection::DetectionOutcome> verdict(std::size_t image,
                                                             std::size_t detection) const;

  private:
    std::vector<DetectionErrorEntry> m_entries;
    std::array<std::int64_t, kDetectionErrorKinds> m_counts{};
    std::vector<std::vector<std::optional<core::detection::DetectionOutcome>>> m_verdicts;
};

// The tile of `entry`: the region around its boxes, the truth box in kTruthColour, the
// detection in kErrorColour, fitted into side x side. `picture` is the image decoded at any
// scale, EXIF orientation applied.
QImage drawErrorTile(const QImage& picture, const core::DetectionEvaluation& evaluation,
                     const DetectionErrorEntry& entry, int side);
// The whole image `image` with all its truth boxes (class named) and the detections scoring at
// least `minScore` (class, score and verdict), plus `chosen` whatever its score, thicker.
QImage drawEvaluatedImage(const QImage& picture, const core::DetectionEvaluation& evaluation,
                          const DetectionErrors& errors, std::size_t image,
                          std::optional<std::size_t> chosen, double minScore, int maxSide);

}  // namespace fovea::ui
