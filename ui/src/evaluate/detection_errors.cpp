#include "evaluate/detection_errors.h"

#include <algorithm>

#include "evaluate/detection_overlay.h"

namespace fovea::ui {

namespace {

using core::detection::DetectionOutcome;

QRectF rectOf(const core::DetectedBox& box) { return QRectF(box.x, box.y, box.w, box.h); }
QRectF rectOf(const core::detection::TruthBox& box) { return QRectF(box.x, box.y, box.w, box.h); }

QString className(const core::DetectionEvaluation& e, int index) {
    return index >= 0 && index < static_cast<int>(e.classNames.size())
               ? QString::fromStdString(e.classNames[static_cast<std::size_t>(index)])
               : QString::number(index);
}

}  // namespace

QString errorKindTitle(DetectionErrorKind kind) {
    switch (kind) {
        case DetectionErrorKind::Background:
            return "False positive";
        case DetectionErrorKind::Duplicate:
            return "Duplicate";
        case DetectionErrorKind::WrongClass:
            return "Wrong class";
        case DetectionErrorKind::PoorLocalisation:
            return "Poor localisation";
        case DetectionErrorKind::Missed:
            return "Missed object";
    }
    return {};
}

QString errorKindToolTip(DetectionErrorKind kind) {
    switch (kind) {
        case DetectionErrorKind::Background:
            return "Detections on background: they overlap no object of their class (IoU under "
                   "0.1) nor another object well (IoU 0.5)";
        case DetectionErrorKind::Duplicate:
            return "Second detections of an object another detection already found";
        case DetectionErrorKind::WrongClass:
            return "Detections on an object (IoU at least 0.5) of another class";
        case DetectionErrorKind::PoorLocalisation:
            return "Detections of the right class that overlap their object by IoU 0.1 to 0.5";
        case DetectionErrorKind::Missed:
            return "Objects of the project that no detection found (IoU 0.5, right class)";
    }
    return {};
}

QString outcomeWords(DetectionOutcome outcome) {
    switch (outcome) {
        case DetectionOutcome::TruePositive:
            return "found";
        case DetectionOutcome::Ignored:
            return "ignored";
        case DetectionOutcome::Duplicate:
            return "duplicate";
        case DetectionOutcome::WrongClass:
            return "wrong class";
        case DetectionOutcome::PoorLocalisation:
            return "poorly placed";
        case DetectionOutcome::Background:
            return "background";
    }
    return {};
}

std::optional<DetectionErrorKind> errorKindOf(DetectionOutcome outcome) {
    switch (outcome) {
        case DetectionOutcome::Duplicate:
            return DetectionErrorKind::Duplicate;
        case DetectionOutcome::WrongClass:
            return DetectionErrorKind::WrongClass;
        case DetectionOutcome::PoorLocalisation:
            return DetectionErrorKind::PoorLocalisation;
        case DetectionOutcome::Background:
            return DetectionErrorKind::Background;
        case DetectionOutcome::TruePositive:
        case DetectionOutcome::Ignored:
            break;
    }
    return std::nullopt;
}

DetectionErrors::DetectionErrors(const core::DetectionEvaluation& e) {
    m_verdicts.resize(e.images.size());
    for (std::size_t i = 0; i < e.images.size(); ++i) {
        m_verdicts[i].assign(e.images[i].detections.boxes.size(), std::nullopt);
    }
    for (const auto& v : e.errors.detections) {
        m_verdicts[v.image][v.detection] = v.outcome;
        const auto kind = errorKindOf(v.outcome);
        if (!kind) continue;
        DetectionErrorEntry entry;
        entry.kind = *kind;
        entry.image = v.image;
        entry.detection = v.detection;
        entry.truth = v.truth;
        entry.score = e.images[v.image].detections.boxes[v.detection].score;
        entry.iou = v.iou;
        m_entries.push_back(entry);
    }
    for (const auto& m : e.errors.missed) {
        DetectionErrorEntry entry;
        entry.kind = DetectionErrorKind::Missed;
        entry.image = m.image;
        entry.truth = m.truth;
        if (m.nearestDetection) {
            entry.score = e.images[m.image].detections.boxes[*m.nearestDetection].score;
        }
        entry.iou = m.nearestIou;
        m_entries.push_back(entry);
    }
    // By kind, then the most confident detection first (a missed object: the image order).
    std::stable_sort(m_entries.begin(), m_entries.end(),
                     [](const DetectionErrorEntry& a, const DetectionErrorEntry& b) {
                         if (a.kind != b.kind) return a.kind < b.kind;
                         if (a.kind == DetectionErrorKind::Missed) return false;
                         return a.score > b.score;
                     });
    for (const auto& entry : m_entries) ++m_counts[static_cast<std::size_t>(entry.kind)];
}

std::optional<DetectionOutcome> DetectionErrors::verdict(std::size_t image,
                                                         std::size_t detection) const {
    if (image >= m_verdicts.size() || detection >= m_verdicts[image].size()) return std::nullopt;
    return m_verdicts[image][detection];
}

QImage drawErrorTile(const QImage& picture, const core::DetectionEvaluation& e,
                     const DetectionErrorEntry& entry, int side) {
    const auto& image = e.images[entry.image];
    const QSizeF size(image.detections.width, image.detections.height);
    QVector<OverlayBox> boxes;
    QRectF focus;
    if (entry.truth) {
        const QRectF truth = rectOf(image.truth[*entry.truth]);
        boxes.push_back({truth, kTruthColour, {}, false});
        focus = truth;
    }
    if (entry.detection) {
        const QRectF detection = rectOf(image.detections.boxes[*entry.detection]);
        boxes.push_back({detection, kErrorColour, {}, true});
        focus = focus.isNull() ? detection : focus.united(detection);
    }
    return drawOverlay(picture, size, tileRegion(focus, size), side, boxes);
}

QImage drawEvaluatedImage(const QImage& picture, const core::DetectionEvaluation& e,
                          const DetectionErrors& errors, std::size_t index,
                          std::optional<std::size_t> chosen, double minScore, int maxSide) {
    const auto& image = e.images[index];
    const QSizeF size(image.detections.width, image.detections.height);
    QVector<OverlayBox> boxes;
    for (const auto& truth : image.truth) {
        boxes.push_back({rectOf(truth), kTruthColour, className(e, truth.classIndex), false});
    }
    for (std::size_t d = 0; d < image.detections.boxes.size(); ++d) {
        const auto& box = image.detections.boxes[d];
        if (box.score < minScore && chosen != d) continue;
        const auto verdict = errors.verdict(index, d);
        QColor colour = kErrorColour;
        if (verdict == DetectionOutcome::TruePositive) colour = kDetectionColour;
        if (verdict == DetectionOutcome::Ignored) colour = kIgnoredColour;
        QString caption =
            QString("%1 %2").arg(className(e, box.classIndex)).arg(box.score, 0, 'f', 2);
        if (verdict) caption += " · " + outcomeWords(*verdict);
        if (chosen == d) caption = "▶ " + caption;
        boxes.push_back({rectOf(box), colour, caption, true});
    }
    return drawOverlay(picture, size, QRectF(QPointF(0, 0), size), maxSide, boxes);
}

}  // namespace fovea::ui
