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
