#include "widgets/job_progress_bar.h"

#include <QHBoxLayout>
#include <QProgressBar>
#include <QRegularExpression>
#include <QToolButton>

#include "widgets/background_job.h"
#include "widgets/elided_label.h"

namespace fovea::ui {

namespace {

// `done` of `total` now, `doneSince` of it in the last `elapsedMs`: the rest at that rate.
QString timeLeftText(qint64 elapsedMs, qint64 doneSince, qint64 done, qint64 total) {
    if (doneSince <= 0 || total <= 0 || elapsedMs < 1000) return {};
    const qint64 leftSeconds = elapsedMs * (total - done) / doneSince / 1000;
    if (leftSeconds >= 120) return QString(", about %1 min left").arg((leftSeconds + 30) / 60);
    return QString(", %1 s left").arg(leftSeconds);
}

}  // namespace

JobProgressBar::JobProgressBar(QWidget* parent) : QWidget(parent) {
    setObjectName("jobProgressBar");
    // Elided, not wrapped or widening: "Suggesting labels: 1200 of 5000 images, 40 s left" in
    // a page's narrow strip once pushed the Data page, and the window with it, past the screen.
    m_label = new ElidedLabel({}, this, Qt::ElideRight);
    m_label->setObjectName("jobProgressLabel");
    m_label->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    m_bar = new QProgressBar(this);
    m_bar->setObjectName("jobProgress");
    // QProgressBar's least width is its preferred one; it can be narrower.
    m_bar->setMinimumWidth(48);
    m_bar->setMaximumWidth(180);
    m_bar->setTextVisible(false);
    m_cancel = new QToolButton(this);
    m_cancel->setObjectName("jobCancelButton");
    m_cancel->setText("Cancel");
    m_cancel->setToolTip("Stop this work; nothing half-done is kept.");
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    // The label takes the room the strip is given, so the bar stays put as the words change.
    layout->addWidget(m_label, 1);
    layout->addWidget(m_bar);
    layout->addWidget(m_cancel);
    connect(m_cancel, &QToolButton::clicked, this, [this] {
        if (m_job) m_job->cancel();
        m_label->setText(m_title + ": cancelling…");
    });
    hide();
}

void JobProgressBar::track(BackgroundJob* job, const QString& title) {
    if (m_job) disconnect(m_job, nullptr, this, nullptr);
    m_job = job;
    m_title = title;
    m_phase.clear();
    m_phaseTotal = -1;
    m_lastDone = 0;
    m_bar->setRange(0, 0);  // busy until the first figures arrive
    m_label->setText(title + "…");
    connect(job, &BackgroundJob::progress, this, &JobProgressBar::onProgress);
    connect(job, &BackgroundJob::finished, this, &JobProgressBar::onFinished);
    connect(job, &QObject::destroyed, this, [this] {
        m_job = nullptr;
        hide();
    });
    show();
}

void JobProgressBar::onProgress(qint64 done, qint64 total, const QString& text) {
    // A job of several phases (embedding, then fingerprinting; t-SNE's set-up, then its
    // iterations) says another stage, counts from 0 again or to another total: time left is
    // each phase's own, at its own rate, counted from its first report (work found in a cache
    // is not a rate).
    QString phase = text;
    phase.remove(QRegularExpression("[0-9]"));
    if (phase != m_phase || total != m_phaseTotal || done < m_lastDone) {
        m_phase = phase;
        m_phaseTotal = total;
        m_phaseStartDone = done;
        m_clock.start();
    }
    m_lastDone = done;
    if (total > 0) {
        // QProgressBar takes int: scale large totals (bytes) to per-mille.
        m_bar->setRange(0, 1000);
        m_bar->setValue(static_cast<int>(1000 * done / total));
    } else {
        m_bar->setRange(0, 0);
    }
    m_label->setText(
        QString("%1: %2%3")
            .arg(m_title, text,
                 timeLeftText(m_clock.elapsed(), done - m_phaseStartDone, done, total)));
}

void JobProgressBar::onFinished(bool ok, const QString& message) {
    setToolTip(QString("%1: %2").arg(m_title, message));
    hide();
}

}  // namespace fovea::ui
