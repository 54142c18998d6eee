#pragma once

#include <QElapsedTimer>
#include <QWidget>

class QProgressBar;
class QToolButton;

namespace fovea::ui {

class BackgroundJob;
class ElidedLabel;

// A compact "what is running" strip (title, progress, time left, Cancel) for a status bar or a
// page. Shown while the job it tracks runs, hidden after; the last outcome stays readable in
// its tooltip.
class JobProgressBar : public QWidget {
    Q_OBJECT
  public:
    explicit JobProgressBar(QWidget* parent = nullptr);
    // Follows `job` from now on (one job at a time); `title` names the work, e.g. "Importing".
    void track(BackgroundJob* job, const QString& title);

  private:
    void onProgress(qint64 done, qint64 total, const QString& text);
    void onFinished(bool ok, const QString& message);

    BackgroundJob* m_job = nullptr;
    QString m_title;
    QElapsedTimer m_clock;  // since the current phase's first report
    QString m_phase;        // the report's words without their figures
    qint64 m_phaseTotal = -1;
    qint64 m_phaseStartDone = 0;
    qint64 m_lastDone = 0;
    ElidedLabel* m_label;
    QProgressBar* m_bar;
    QToolButton* m_cancel;
};

}  // namespace fovea::ui
