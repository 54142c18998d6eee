#pragma once

#include <QObject>
#include <QString>
#include <QThread>
#include <atomic>
#include <functional>
#include <memory>

namespace fovea::ui {

// One piece of long work (an import, a download) on its own QThread, so the window never
// waits for it. The work polls cancelFlag() (core's functions take it as their cancel token)
// and reports progress through reportProgress(); both are safe from the worker thread. The
// signals arrive queued on the thread that owns the job (the GUI thread).
class BackgroundJob : public QObject {
    Q_OBJECT
  public:
    struct Outcome {
        bool ok = false;
        QString message;  // the error, or a one-line summary of what was done
    };
    // Runs on the worker thread; must not touch widgets.
    using Work = std::function<Outcome(BackgroundJob& job)>;

    explicit BackgroundJob(QObject* parent = nullptr);
    // Cancels the work and waits for it, so nothing outlives the job.
    ~BackgroundJob() override;

    // Refused (returns false) while a previous work is still running.
    bool start(Work work);
    void cancel();
    bool isRunning() const;
    bool wasCancelled() const { return m_cancel.load(); }
    const std::atomic<bool>* cancelFlag() const { return &m_cancel; }

    // From the worker: emits progress() at most every 50 ms, plus always the final step
    // (done == total), so a fast loop cannot flood the GUI thread's event queue.
    void reportProgress(qint64 done, qint64 total, const QString& text);

  Q_SIGNALS:
    // total <= 0 while unknown.
    void progress(qint64 done, qint64 total, const QString& text);
    void finished(bool ok, const QString& message);

  private:
    struct ThreadStopper {
        void operator()(QThread* thread) const;
    };
    std::unique_ptr<QThread, ThreadStopper> m_thread;
    std::atomic<bool> m_cancel{false};
    std::atomic<bool> m_running{false};
    std::atomic<qint64> m_lastReportMs{0};
};

}  // namespace fovea::ui
