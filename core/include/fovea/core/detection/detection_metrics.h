#pragma once

// COCO-style evaluation of object detections (issue 24, point 4), free of LibTorch and OpenCV:
// the training run's validation, `fovea-cli eval` and the error browser compute their figures
// here, from plain boxes.
//
// evaluateCoco follows pycocotools' COCOeval (bbox, areaRng "all", useCats 1) step by step, so
// its figures are COCO's for the same detections:
//  - per image and class, detections are sorted by score (stable: equal scores keep their input
//    order) and cut to maxDetections; ground truth is ordered with the ignored boxes last;
//  - IoU as pycocotools' bbIou, in double: intersection over union, but over the detection's own
//    area for a crowd box (so a detection inside a crowd region matches it fully);
//  - at each IoU threshold .50:.05:.95 (numpy.linspace's values), each detection in turn takes
//    the best still-free ground truth with IoU >= the threshold, preferring non-ignored ground
//    truth; a crowd box stays free for further matches. A detection matched to an ignored box
//    (crowd or difficult) counts neither as a true nor as a false positive;
//  - per class, detections of every image are pooled by score, precision is made monotone and
//    read at the 101 recall points 0:.01:1 (the first point whose recall reaches them, else 0);
//    AP is the mean over those points;
//  - classes without non-ignored ground truth have no AP and are left out of every mean; with
//    no such class at all the figures are absent (pycocotools prints -1).
// COCO has no "difficult" flag; Fovea treats a difficult box as COCO treats any ignored
// non-crowd box (e.g. one outside the area range): matched with plain IoU, at most once,
// neither counted as missed nor its match as a false positive (VOC's rule for difficult).
//
// Coordinates: pixels, x and y the top-left corner, w and h the size (as detection::Box).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fovea::core::detection {

struct TruthBox {
    int classIndex = 0;  // 0-based among the evaluated classes (no background class)
    double x = 0, y = 0, w = 0, h = 0;
    bool crowd = false;      // COCO iscrowd
    bool difficult = false;  // VOC difficult
};

struct ScoredBox {
    int classIndex = 0;
    double x = 0, y = 0, w = 0, h = 0;
    double score = 0;
};

// One image's ground truth and detections; an image with neither still counts (it has no
// effect on AP, as in COCO), and detections on an image without ground truth are false
// positives.
struct ImageDetectionsAndTruth {
    std::vector<TruthBox> truth;
    std::vector<ScoredBox> detections;
};

struct CocoEvaluationOptions {
    int maxDetections = 100;  // per image and class, as COCOeval's maxDets[-1]
};

// COCO's IoU thresholds .50:.05:.95 and recall points 0:.01:1, with numpy.linspace's values
// (i * step + start, the last one exactly the end) so comparisons agree with pycocotools.
std::array<double, 10> cocoIouThresholds();
std::array<double, 101> cocoRecallPoints();

// pycocotools' bbIou: intersection over union, or over the detection's area when `crowd`.
double cocoIou(const ScoredBox& detection, const TruthBox& truth);

struct ClassAveragePrecision {
    int classIndex = 0;
    std::int64_t truthBoxes = 0;    // not ignored (neither crowd nor difficult)
    std::int64_t ignoredBoxes = 0;  // crowd or difficult
    std::int64_t detections = 0;    // after the per-image cut to maxDetections
    // Absent for a class without non-ignored ground truth (COCO's -1).
    std::optional<double> ap;      // mean over the 10 IoU thresholds
    std::optional<double> ap50;    // at IoU .50
    std::optional<double> ap75;    // at IoU .75
    std::optional<double> recall;  // COCO's AR for this class: recall at the end, mean over IoUs
};

struct CocoMetrics {
    // Means over the classes that have ground truth; absent when none has.
    std::optional<double> map;                    // mAP@[.5:.95], COCO's AP
    std::optional<double> ap50;                   // AP at IoU .50
    std::optional<double> ap75;                   // AP at IoU .75
    std::optional<double> ar;                     // AR@maxDetections
    std::vector<ClassAveragePrecision> perClass;  // one per class, in class order
    std::size_t images = 0;
};

// `classCount`: the classes evaluated (indices 0..classCount-1; boxes of other indices are
// ignored, as categories outside COCOeval's catIds).
CocoMetrics evaluateCoco(const std::vector<ImageDetectionsAndTruth>& images, int classCount,
                         const CocoEvaluationOptions& options = {});

// ---- What went wrong, detection by detection, for the error browser ----

enum class DetectionOutcome {
    TruePositive,      // matched to a free ground-truth box of its class at IoU >= iouThreshold
    Ignored,           // matched to a crowd or difficult box: not counted
    Duplicate,         // its class's box was there (IoU >= iouThreshold) but already taken
    WrongClass,        // overlaps (IoU >= iouThreshold) a box of another class only
    PoorLocalisation,  // best IoU with a box of its class in [backgroundIou, iouThreshold)
    Background,        // overlaps no box of its class by backgroundIou nor another by iouThreshold
};
const char* detectionOutcomeName(DetectionOutcome outcome);  // "true_positive", "duplicate", ...

struct DetectionVerdict {
    std::size_t image = 0;      // index in the input
    std::size_t detection = 0;  // index in that image's detections
    DetectionOutcome outcome = DetectionOutcome::Background;
    // The ground-truth box the verdict refers to (matched, duplicated, confused with, or poorly
    // localised), as an index in the image's truth; absent for Background.
    std::optional<std::size_t> truth;
    double iou = 0;  // with that box (Background: the best IoU with any box, possibly 0)
};

struct MissedObject {
    std::size_t image = 0;
    std::size_t truth = 0;  // index in the image's truth
    // The detection that overlaps it most (any class, any verdict), and by how much: tells a
    // box never proposed (none, or a low IoU) from one found with the wrong class or place.
    std::optional<std::size_t> nearestDetection;
    double nearestIou = 0;
};

struct ErrorBreakdownOptions {
    double iouThreshold = 0.5;
    double backgroundIou = 0.1;  // below this a detection touches nothing (TIDE's background)
    double minScore = 0;         // detections below are left out, as if not made
    int maxDetections = 100;     // per image and class, as evaluateCoco
};

struct ErrorBreakdown {
    std::vector<DetectionVerdict> detections;  // by image, then by decreasing score
    std::vector<MissedObject> missed;          // non-ignored ground truth no detection matched
    // Counts per DetectionOutcome, in its declaration order.
    std::array<std::int64_t, 6> counts{};
};

// The matching is COCO's at one IoU threshold (per image and class, greedy by score); the
// unmatched detections are then told apart by what they overlap, in the order of the enum.
ErrorBreakdown classifyDetectionErrors(const std::vector<ImageDetectionsAndTruth>& images,
                                       const ErrorBreakdownOptions& options = {});

}  // namespace fovea::core::detection
