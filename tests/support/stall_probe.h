#pragma once

// How long the GUI thread was unavailable: the longest gap between the ticks of a 5 ms timer on
// it, counted from construction (or restart()). A stall of the window shows as a long gap.

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <algorithm>

namespace fovea::test {

class StallProbe : public QObject {
  public:
    StallProbe() {
        m_timer.setInterval(5);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            if (m_last >= 0) m_longest = std::max(m_longest, now - m_last);
            m_last = now;
        });
        restart();
    }
    // Forgets what was measured and measures again from now.
    void restart() {
        m_longest = 0;
        m_last = -1;
        m_clock.start();
        m_timer.start();
    }
    double longestMs() const { return static_cast<double>(m_longest) / 1e6; }

  private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = -1;
    qint64 m_longest = 0;
};

}  // namespace fovea::test
