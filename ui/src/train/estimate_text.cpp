#include "train/estimate_text.h"

#include <algorithm>

#include "duration_text.h"

namespace fovea::ui {

QString estimateSummary(const core::RunTimeEstimate& estimate, qint64 epochs) {
    return QString("About %1 on %2")
        .arg(durationText(core::estimatedSecondsFor(estimate, epochs)),
             QString::fromStdString(estimate.device));
}

namespace {

// An epoch's time; "0 s" read as nothing at all.
QString epochText(double seconds) {
    return seconds < 0.5 ? QString("under 1 s") : durationText(seconds);
}

}  // namespace

QString estimateSentence(const core::RunTimeEstimate& estimate, qint64 epochs) {
    QString text = estimateSummary(estimate, epochs);
    const qint64 full = std::min<qint64>(epochs, estimate.uncachedEpochs);
    const QString fullEpoch = epochText(estimate.fullEpochSeconds);
    const QString cachedEpoch = epochText(estimate.cachedEpochSeconds);
    // The start (first steps' kernels, images read once into the cache) is said when it shows
    // in the total: "about 12 s: 1 s per epoch" for 4 epochs did not add up.
    const bool sayStart = estimate.warmUpSeconds >= 1.0;
    if (sayStart) text += QString(": %1 to start").arg(durationText(estimate.warmUpSeconds));
    text += sayStart ? ", then " : ": ";
    // Two costs only where they read differently: "first 4 epochs 1 s each, then 1 s each"
    // said nothing.
    if (full < epochs && fullEpoch != cachedEpoch) {
        text += full == 1 ? QString("first epoch %1").arg(fullEpoch)
                          : QString("first %1 epochs %2 each").arg(full).arg(fullEpoch);
        text +=
            QString(", then %1 each once the frozen blocks' features are cached").arg(cachedEpoch);
    } else {
        text += QString("%1 per epoch").arg(fullEpoch);
    }
    text += QString(" (%1 images/s measured at %2 px).")
                .arg(estimate.trainingImagesPerSecond, 0, 'f', 1)
                .arg(estimate.imageSize);
    return text;
}

}  // namespace fovea::ui
