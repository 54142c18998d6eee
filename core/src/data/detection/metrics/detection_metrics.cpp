#include "fovea/core/detection/detection_metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>

namespace fovea::core::detection {
namespace {

// numpy.linspace(start, stop, num): i * step + start, the last value exactly `stop`.
template <std::size_t N>
std::array<double, N> linspace(double start, double stop) {
    std::array<double, N> values{};
    const double step = (stop - start) / static_cast<double>(N - 1);
    for (std::size_t i = 0; i < N; ++i) values[i] = static_cast<double>(i) * step + start;
    values[N - 1] = stop;
    return values;
}

bool ignoredTruth(const TruthBox& box) { return box.crowd || box.difficult; }

// One image and class, as COCOeval.evaluateImg leaves it for accumulate().
struct ImageClassMatches {
    std::vector<double> scores;  // the kept detections, by decreasing score
    // [threshold][detection]: matched (to any ground truth), and matched to an ignored one.
    std::vector<std::vector<char>> matched;
    std::vector<std::vector<char>> ignored;
    std::int64_t truthBoxes = 0;  // not ignored
};

// Indices of `image`'s detections of class `c`, by decreasing score (stable), cut to maxDets.
std::vector<std::size_t> sortedDetections(const ImageDetectionsAndTruth& image, int c,
                                          int maxDetections) {
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < image.detections.size(); ++i) {
        if (image.detections[i].classIndex == c) order.push_back(i);
    }
    // np.argsort(-score, kind="mergesort"): a stable sort on the negated score.
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return -image.detections[a].score < -image.detections[b].score;
    });
    if (order.size() > static_cast<std::size_t>(std::max(maxDetections, 0))) {
        order.resize(static_cast<std::size_t>(std::max(maxDetections, 0)));
    }
    return order;
}

// Indices of `image`'s ground truth of class `c`, non-ignored first (stable).
std::vector<std::size_t> sortedTruth(const ImageDetectionsAndTruth& image, int c) {
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < image.truth.size(); ++i) {
        if (image.truth[i].classIndex == c) order.push_back(i);
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return !ignoredTruth(image.truth[a]) && ignoredTruth(image.truth[b]);
    });
    return order;
}

// COCOeval.evaluateImg's greedy matching at one threshold: for each detection (in `dets`
// order), the index into `truth` of the ground truth it takes, or -1. `ious[d][g]`.
std::vector<long> greedyMatch(const std::vector<std::vector<double>>& ious,
                              const std::vector<char>& truthIgnored,
                              const std::vector<char>& truthCrowd, double threshold) {
    const std::size_t detectionCount = ious.size();
    const std::size_t truthCount = truthIgnored.size();
    std::vector<char> truthTaken(truthCount, 0);
    std::vector<long> match(detectionCount, -1);
    for (std::size_t d = 0; d < detectionCount; ++d) {
        double iou = std::min(threshold, 1 - 1e-10);
        long m = -1;
        for (std::size_t g = 0; g < truthCount; ++g) {
            // A taken box is out, unless it is a crowd region (it absorbs any number).
            if (truthTaken[g] && !truthCrowd[g]) continue;
            // Ground truth is ordered non-ignored first: once a non-ignored match is in hand,
            // the ignored ones cannot replace it.
            if (m > -1 && !truthIgnored[static_cast<std::size_t>(m)] && truthIgnored[g]) break;
            if (ious[d][g] < iou) continue;
            iou = ious[d][g];
            m = static_cast<long>(g);
        }
        if (m == -1) continue;
        match[d] = m;
        truthTaken[static_cast<std::size_t>(m)] = 1;
    }
    return match;
}

struct PreparedImageClass {
    std::vector<std::size_t> detections;  // indices into the image's detections
    std::vector<std::size_t> truth;       // indices into the image's truth
    std::vector<std::vector<double>> ious;
    std::vector<char> truthIgnored;
    std::vector<char> truthCrowd;
};

PreparedImageClass prepare(const ImageDetectionsAndTruth& image, int c, int maxDetections) {
    PreparedImageClass p;
    p.detections = sortedDetections(image, c, maxDetections);
    p.truth = sortedTruth(image, c);
    for (const std::size_t g : p.truth) {
        p.truthIgnored.push_back(ignoredTruth(image.truth[g]) ? 1 : 0);
        p.truthCrowd.push_back(image.truth[g].crowd ? 1 : 0);
    }
    p.ious.assign(p.detections.size(), std::vector<double>(p.truth.size(), 0.0));
    for (std::size_t d = 0; d < p.detections.size(); ++d) {
        for (std::size_t g = 0; g < p.truth.size(); ++g) {
            p.ious[d][g] = cocoIou(image.detections[p.detections[d]], image.truth[p.truth[g]]);
        }
    }
    return p;
}

}  // namespace

std::array<double, 10> cocoIouThresholds() { return linspace<10>(0.5, 0.95); }
std::array<double, 101> cocoRecallPoints() { return linspace<101>(0.0, 1.0); }

double cocoIou(const ScoredBox& d, const TruthBox& g) {
    // pycocotools/common/maskApi.c bbIou, term for term.
    const double w = std::fmin(d.x + d.w, g.x + g.w) - std::fmax(d.x, g.x);
    if (w <= 0) return 0;
    const double h = std::fmin(d.y + d.h, g.y + g.h) - std::fmax(d.y, g.y);
    if (h <= 0) return 0;
    const double intersection = w * h;
    const double detectionArea = d.w * d.h;
    const double truthArea = g.w * g.h;
    const double unionArea = g.crowd ? detectionArea : detectionArea + truthArea - intersection;
    return intersection / unionArea;
}

CocoMetrics evaluateCoco(const std::vector<ImageDetectionsAndTruth>& images, int classCount,
                         const CocoEvaluationOptions& options) {
    const auto thresholds = cocoIouThresholds();
    const auto recallPoints = cocoRecallPoints();
    constexpr std::size_t kT = thresholds.size();
    CocoMetrics metrics;
    metrics.images = images.size();
    double apSum = 0, ap50Sum = 0, ap75Sum = 0, arSum = 0;
    int classesWithTruth = 0;
    for (int c = 0; c < classCount; ++c) {
        ClassAveragePrecision classAp;
        classAp.classIndex = c;
        // evaluateImg per image, then accumulate's concatenation in image order.
        std::vector<double> scores;
        std::array<std::vector<char>, kT> matched, ignored;
        std::int64_t truthBoxes = 0;
        for (const ImageDetectionsAndTruth& image : images) {
            const PreparedImageClass p = prepare(image, c, options.maxDetections);
            for (const char ignoredBox : p.truthIgnored) {
                ignoredBox ? ++classAp.ignoredBoxes : ++truthBoxes;
            }
            for (const std::size_t d : p.detections) scores.push_back(image.detections[d].score);
            for (std::size_t t = 0; t < kT; ++t) {
                const auto match = greedyMatch(p.ious, p.truthIgnored, p.truthCrowd, thresholds[t]);
                for (const long m : match) {
                    matched[t].push_back(m >= 0 ? 1 : 0);
                    ignored[t].push_back(m >= 0 && p.truthIgnored[static_cast<std::size_t>(m)]);
                }
            }
        }
        classAp.truthBoxes = truthBoxes;
        classAp.detections = static_cast<std::int64_t>(scores.size());
        if (truthBoxes == 0) {
            metrics.perClass.push_back(classAp);
            continue;
        }
        std::vector<std::size_t> order(scores.size());
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t a, std::size_t b) { return -scores[a] < -scores[b]; });
        std::array<double, kT> ap{};
        double recallSum = 0;
        for (std::size_t t = 0; t < kT; ++t) {
            std::vector<double> precision, recall;
            double tp = 0, fp = 0;
            for (const std::size_t i : order) {
                if (ignored[t][i]) {
                    // Neither: cumsum adds nothing, but the point is still on the curve.
                } else if (matched[t][i]) {
                    tp += 1;
                } else {
                    fp += 1;
                }
                recall.push_back(tp / static_cast<double>(truthBoxes));
                precision.push_back(tp / (fp + tp + std::numeric_limits<double>::epsilon()));
            }
            recallSum += recall.empty() ? 0.0 : recall.back();
            for (std::size_t i = precision.size(); i-- > 1;) {
                if (precision[i] > precision[i - 1]) precision[i - 1] = precision[i];
            }
            double sum = 0;
            for (const double point : recallPoints) {
                // np.searchsorted(rc, point, side="left"): the first recall >= the point.
                const auto at = std::lower_bound(recall.begin(), recall.end(), point);
                if (at == recall.end()) break;  // the rest stay 0
                sum += precision[static_cast<std::size_t>(at - recall.begin())];
            }
            ap[t] = sum / static_cast<double>(recallPoints.size());
        }
        classAp.ap = std::accumulate(ap.begin(), ap.end(), 0.0) / static_cast<double>(kT);
        classAp.ap50 = ap[0];
        classAp.ap75 = ap[5];
        classAp.recall = recallSum / static_cast<double>(kT);
        apSum += *classAp.ap;
        ap50Sum += ap[0];
        ap75Sum += ap[5];
        arSum += *classAp.recall;
        ++classesWithTruth;
        metrics.perClass.push_back(classAp);
    }
    if (classesWithTruth > 0) {
        const double n = classesWithTruth;
        metrics.map = apSum / n;
        metrics.ap50 = ap50Sum / n;
        metrics.ap75 = ap75Sum / n;
        metrics.ar = arSum / n;
    }
    return metrics;
}

const char* detectionOutcomeName(DetectionOutcome outcome) {
    switch (outcome) {
        case DetectionOutcome::TruePositive:
            return "true_positive";
        case DetectionOutcome::Ignored:
            return "ignored";
        case DetectionOutcome::Duplicate:
            return "duplicate";
        case DetectionOutcome::WrongClass:
            return "wrong_class";
        case DetectionOutcome::PoorLocalisation:
            return "poor_localisation";
        case DetectionOutcome::Background:
            return "background";
    }
    return "background";
}

ErrorBreakdown classifyDetectionErrors(const std::vector<ImageDetectionsAndTruth>& images,
                                       const ErrorBreakdownOptions& options) {
    ErrorBreakdown breakdown;
    for (std::size_t imageIndex = 0; imageIndex < images.size(); ++imageIndex) {
        // Detections below minScore are as if never made.
        ImageDetectionsAndTruth image;
        image.truth = images[imageIndex].truth;
        std::vector<std::size_t> originalIndex;
        for (std::size_t i = 0; i < images[imageIndex].detections.size(); ++i) {
            if (images[imageIndex].detections[i].score >= options.minScore) {
                image.detections.push_back(images[imageIndex].detections[i]);
                originalIndex.push_back(i);
            }
        }
        int maxClass = -1;
        for (const auto& box : image.truth) maxClass = std::max(maxClass, box.classIndex);
        for (const auto& box : image.detections) maxClass = std::max(maxClass, box.classIndex);

        std::vector<char> truthMatched(image.truth.size(), 0);
        std::vector<DetectionVerdict> verdicts;
        std::vector<std::size_t> unmatched;  // indices into image.detections
        for (int c = 0; c <= maxClass; ++c) {
            const PreparedImageClass p = prepare(image, c, options.maxDetections);
            const auto match =
                greedyMatch(p.ious, p.truthIgnored, p.truthCrowd, options.iouThreshold);
            for (std::size_t d = 0; d < p.detections.size(); ++d) {
                if (match[d] < 0) {
                    unmatched.push_back(p.detections[d]);
                    continue;
                }
                const std::size_t g = p.truth[static_cast<std::size_t>(match[d])];
                DetectionVerdict verdict;
                verdict.image = imageIndex;
                verdict.detection = p.detections[d];
                verdict.outcome = p.truthIgnored[static_cast<std::size_t>(match[d])]
                                      ? DetectionOutcome::Ignored
                                      : DetectionOutcome::TruePositive;
                verdict.truth = g;
                verdict.iou = p.ious[d][static_cast<std::size_t>(match[d])];
                truthMatched[g] = 1;
                verdicts.push_back(verdict);
            }
        }
        for (const std::size_t d : unmatched) {
            const ScoredBox& box = image.detections[d];
            DetectionVerdict verdict;
            verdict.image = imageIndex;
            verdict.detection = d;
            double sameBest = 0, otherBest = 0, anyBest = 0;
            std::optional<std::size_t> sameBox, otherBox;
            for (std::size_t g = 0; g < image.truth.size(); ++g) {
                const double iou = cocoIou(box, image.truth[g]);
                anyBest = std::max(anyBest, iou);
                if (image.truth[g].classIndex == box.classIndex) {
                    if (!sameBox || iou > sameBest) sameBest = iou, sameBox = g;
                } else if (!otherBox || iou > otherBest) {
                    otherBest = iou, otherBox = g;
                }
            }
            if (sameBox && sameBest >= options.iouThreshold) {
                verdict.outcome = DetectionOutcome::Duplicate;
                verdict.truth = sameBox;
                verdict.iou = sameBest;
            } else if (otherBox && otherBest >= options.iouThreshold) {
                verdict.outcome = DetectionOutcome::WrongClass;
                verdict.truth = otherBox;
                verdict.iou = otherBest;
            } else if (sameBox && sameBest >= options.backgroundIou) {
                verdict.outcome = DetectionOutcome::PoorLocalisation;
                verdict.truth = sameBox;
                verdict.iou = sameBest;
            } else {
                verdict.outcome = DetectionOutcome::Background;
                verdict.iou = anyBest;
            }
            verdicts.push_back(verdict);
        }
        std::stable_sort(verdicts.begin(), verdicts.end(),
                         [&](const DetectionVerdict& a, const DetectionVerdict& b) {
                             return image.detections[a.detection].score >
                                    image.detections[b.detection].score;
                         });
        for (DetectionVerdict& verdict : verdicts) {
            ++breakdown.counts[static_cast<std::size_t>(verdict.outcome)];
            verdict.detection = originalIndex[verdict.detection];
            breakdown.detections.push_back(verdict);
        }
        for (std::size_t g = 0; g < image.truth.size(); ++g) {
            if (truthMatched[g] || ignoredTruth(image.truth[g])) continue;
            MissedObject missed;
            missed.image = imageIndex;
            missed.truth = g;
            for (std::size_t d = 0; d < image.detections.size(); ++d) {
                const double iou = cocoIou(image.detections[d], image.truth[g]);
                if (iou > missed.nearestIou) {
                    missed.nearestIou = iou;
                    missed.nearestDetection = originalIndex[d];
                }
            }
            breakdown.missed.push_back(missed);
        }
    }
    return breakdown;
}

}  // namespace fovea::core::detection
