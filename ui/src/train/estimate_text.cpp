#include "train/estimate_text.h"

#include <algorithm>

#include "duration_text.h"

namespace fovea::ui {

QString estimateSummary(const core::RunTimeEstimate& estimate, qint64 epochs) {
    return QString("About %1 on %2")
        .arg(durationText(core::estimatedSecondsFor(estimate, epochs)),
             QString::fromStdString(estimate.device));
}

QString estimateSentence(const core::RunTimeEstimate& estimate, qint64 epochs) {
    QString text = estimateSummary(estimate, epochs);
    const qint64 full = std::min<qint64>(epochs, estimate.uncachedEpochs);
    const QString fullEpoch = durationText(estimate.fullEpochSeconds);
    const QString cachedEpoch = durationText(estimate.cachedEpochSeconds);
    // Two costs only where they read differently: "first 4 epochs 1 s each, then 1 s each"
    // said nothing.
    if (full < epochs && fullEpoch != cachedEpoch) {
        text += full == 1 ? QString(": first epoch %1").arg(fullEpoch)
                          : QString(": first %1 epochs %2 each").arg(full).arg(fullEpoch);
        text +=
            QString(", then %1 each once the frozen blocks' features are cached").arg(cachedEpoch);
    } else {
        text += QString(": %1 per epoch").arg(fullEpoch);
    }
    text += QString(" (%1 images/s measured at %2 px).")
                .arg(estimate.trainingImagesPerSecond, 0, 'f', 1)
                .arg(estimate.imageSize);
    return text;
}

}  // namespace fovea::ui
