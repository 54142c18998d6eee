#pragma once

#include <QString>

namespace fovea::ui {

// "42 s", "3 min 5 s", "2 h 10 min": a duration as people read it.
inline QString durationText(double seconds) {
    const qint64 s = static_cast<qint64>(seconds + 0.5);
    if (s >= 3600) return QString("%1 h %2 min").arg(s / 3600).arg((s % 3600) / 60);
    if (s >= 60) return QString("%1 min %2 s").arg(s / 60).arg(s % 60);
    return QString("%1 s").arg(s);
}

}  // namespace fovea::ui
