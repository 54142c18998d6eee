// The progress strip of a background job: a stage whose length is unknown, reported right
// after counted figures, turns the strip busy with the stage's name at once (the Health
// check's "Label issues" used to show an empty bar under the last stage's name). Time left is
// the current stage's, at its own rate (it was the whole job's, so a slow first stage made the
// next look slow).
#include <QApplication>
#include <QProgressBar>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <atomic>
#include <functional>

#include "widgets/background_job.h"
#include "widgets/elided_label.h"
#include "widgets/job_progress_bar.h"

using fovea::ui::BackgroundJob;
using fovea::ui::JobProgressBar;

// A strip in a shown window following a job that makes the reports it is given, then holds
// until released (by the test, or when this goes out of scope whatever the checks did).
class HeldJob {
  public:
    explicit HeldJob(std::function<void(BackgroundJob&)> reports) {
        m_strip = new JobProgressBar(&m_window);
        m_strip->track(&m_job, "Checking");
        m_started = m_job.start([this, reports](BackgroundJob& self) -> BackgroundJob::Outcome {
            reports(self);
            while (!m_release.load()) QThread::msleep(5);
            return {true, {}};
        });
        m_window.show();
    }
    ~HeldJob() { m_release = true; }
    bool started() const { return m_started; }
    fovea::ui::ElidedLabel* label() const {
        return m_strip->findChild<fovea::ui::ElidedLabel*>("jobProgressLabel");
    }
    QProgressBar* bar() const { return m_strip->findChild<QProgressBar*>(); }
    // Releases the job; whether it finished within five seconds.
    bool finish() {
        QSignalSpy finished(&m_job, &BackgroundJob::finished);
        m_release = true;
        return finished.wait(5000);
    }

  private:
    // In this order: the job (whose thread reads m_release) goes first, the flag last.
    std::atomic<bool> m_release{false};
    bool m_started = false;
    QWidget m_window;
    JobProgressBar* m_strip = nullptr;
    BackgroundJob m_job;
};

class JobProgressTest : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void aStageOfUnknownLengthShowsAtOnceAndBusy() {
        HeldJob job([](BackgroundJob& self) {
            self.reportProgress(5, 10, "Embedding");
            self.reportProgress(0, 0, "Label issues");  // within the strip's 50 ms interval
        });
        QVERIFY(job.started());
        QVERIFY(job.label() && job.bar());
        QTRY_VERIFY2(job.label()->text().contains("Label issues"), qPrintable(job.label()->text()));
        QCOMPARE(job.bar()->maximum(), 0);  // busy, not an empty bar
        QVERIFY(job.finish());
    }

    void timeLeftIsTheCurrentStagesOwn() {
        HeldJob job([](BackgroundJob& self) {
            QThread::msleep(4000);  // a slow first stage
            self.reportProgress(100, 100, "Embedding");
            QThread::msleep(100);  // reports closer than the job's interval are dropped
            self.reportProgress(0, 100, "Fingerprinting");
            QThread::msleep(1200);
            self.reportProgress(50, 100, "Fingerprinting");
        });
        QVERIFY(job.started());
        QVERIFY(job.label());
        QTRY_VERIFY_WITH_TIMEOUT(job.label()->text().contains("s left"), 15000);
        // Half of the second stage took 1.2 s: about 1 s is left (the whole job's rate said 5).
        const QString text = job.label()->text();
        const auto match = QRegularExpression(", (\\d+) s left").match(text);
        QVERIFY2(match.hasMatch(), qPrintable(text));
        QVERIFY2(match.captured(1).toInt() <= 3, qPrintable(text));
        QVERIFY(job.finish());
    }
};

QTEST_MAIN(JobProgressTest)
#include "job_progress_test.moc"
