#include "widgets/background_job.h"

#include <QDateTime>
#include <exception>

#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace fovea::ui {

namespace {

constexpr qint64 kProgressIntervalMs = 50;

// Background work yields to the window: on a machine with few cores, work that keeps every
// core busy (embedding thousands of images) otherwise kept the GUI thread waiting for the CPU
// for over 100 ms at a time. On Linux a thread's nice value is its own and is inherited by the
// threads it starts (the work's decoders and, with OpenMP, its team of LibTorch threads).
void yieldToTheWindow() {
#ifdef __linux__
    setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 5);
#else
    QThread::currentThread()->setPriority(QThread::LowPriority);
#endif
}

}  // namespace

void BackgroundJob::ThreadStopper::operator()(QThread* thread) const {
    thread->wait();
    delete thread;
}

BackgroundJob::BackgroundJob(QObject* parent) : QObject(parent) {}

BackgroundJob::~BackgroundJob() {
    m_cancel = true;
    m_thread.reset();  // waits for the work to notice the cancel and return
}

bool BackgroundJob::start(Work work) {
    if (isRunning()) return false;
    m_thread.reset();  // the previous work has returned (its thread may still be winding down)
    m_cancel = false;
    m_running = true;
    m_lastReportMs = 0;
    m_thread.reset(QThread::create([this, work = std::move(work)] {
        yieldToTheWindow();
        Outcome outcome;
        // The worker is the boundary between core and the window: nothing may escape it.
        try {
            outcome = work(*this);
        } catch (const std::exception& e) {
            outcome = {false, QString::fromUtf8(e.what())};
        }
        if (m_cancel && !outcome.ok && outcome.message.isEmpty()) outcome.message = "Cancelled.";
        // Cleared before the signal so a handler may start the next work at once.
        m_running = false;
        Q_EMIT finished(outcome.ok, outcome.message);
    }));
    m_thread->setObjectName("fovea-job");
    m_thread->start();
    return true;
}

void BackgroundJob::cancel() { m_cancel = true; }

bool BackgroundJob::isRunning() const { return m_running.load(); }

void BackgroundJob::reportProgress(qint64 done, qint64 total, const QString& text) {
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    // The last figures, and a stage of unknown length (the strip turns busy), always show.
    const bool always = total <= 0 || done >= total;
    if (!always && now - m_lastReportMs.load() < kProgressIntervalMs) return;
    m_lastReportMs = now;
    Q_EMIT progress(done, total, text);
}

}  // namespace fovea::ui
