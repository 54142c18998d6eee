#pragma once

// Debian's qcustomplot.h uses the `signals`, `slots` and `foreach` keywords, which Fovea turns
// off (QT_NO_KEYWORDS) because they clash with LibTorch headers. Include QCustomPlot only
// through this header, which maps the three for its duration.
#define signals Q_SIGNALS
#define slots Q_SLOTS
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef foreach

// Ticks on whole numbers only (steps, epochs): ones that are multiples of 1, 2, 5, 10… as the
// axis zooms, never 2.5 or 7.5.
inline void useWholeNumberTicks(QCPAxis* axis) {
    QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
    ticker->setTickStep(1);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    axis->setTicker(ticker);
}
