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
#include <memory>

#include "widgets/background_job.h"
#include "widgets/elided_label.h"
#include "widgets/job_progress_bar.h"

using fovea::ui::BackgroundJob;
using fovea::ui::JobProgressBar;

class JobProgressTest : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void aStageOfUnknownLengthShowsAtOnceAndBusy() {
        QWidget window;
        auto* strip = new JobProgressBar(&window);
        BackgroundJob job;
        std::atomic<bool> release{false};
        strip->track(&job, "Checking");
        QVERIFY(job.start([&release](BackgroundJob& self) -> BackgroundJob::Outcome {
            self.reportProgress(5, 10, "Embedding");
            self.reportProgress(0, 0, "Label issues");  // within the strip's 50 ms interval
            while (!release.load()) QThread::msleep(5);
            return {true, {}};
        }));
        window.show();
        auto* label = strip->findChild<fovea::ui::ElidedLabel*>("jobProgressLabel");
        auto* bar = strip->findChild<QProgressBar*>();
        QVERIFY(label && bar);
        QTRY_VERIFY2(label->text().contains("Label issues"), qPrintable(label->text()));
        QCOMPARE(bar->maximum(), 0);  // busy, not an empty bar
        QSignalSpy finished(&job, &BackgroundJob::finished);
        release = true;
        QVERIFY(finished.wait(5000));
    }

    void timeLeftIsTheCurrentStagesOwn() {
        QWidget window;
        auto* strip = new JobProgressBar(&window);
        BackgroundJob job;
        std::atomic<bool> release{false};
        strip->track(&job, "Checking");
        QVERIFY(job.start([&release](BackgroundJob& self) -> BackgroundJob::Outcome {
            QThread::msleep(4000);  // a slow first stage
            self.reportProgress(100, 100, "Embedding");
            QThread::msleep(100);  // reports closer than the job's interval are dropped
            self.reportProgress(0, 100, "Fingerprinting");
            QThread::msleep(1200);
            self.reportProgress(50, 100, "Fingerprinting");
            while (!release.load()) QThread::msleep(5);
            return {true, {}};
        }));
        window.show();
        // Lets the job end however the checks below go.
        const std::shared_ptr<void> releaseAtEnd(nullptr, [&](void*) { release = true; });
        auto* label = strip->findChild<fovea::ui::ElidedLabel*>("jobProgressLabel");
        QVERIFY(label);
        QTRY_VERIFY_WITH_TIMEOUT(label->text().contains("s left"), 15000);
        // Half of the second stage took 1.2 s: about 1 s is left (the whole job's rate said 5).
        const auto match = QRegularExpression(", (\\d+) s left").match(label->text());
        QVERIFY2(match.hasMatch(), qPrintable(label->text()));
        QVERIFY2(match.captured(1).toInt() <= 3, qPrintable(label->text()));
        QSignalSpy finished(&job, &BackgroundJob::finished);
        release = true;
        QVERIFY(finished.wait(5000));
    }
};

QTEST_MAIN(JobProgressTest)
#include "job_progress_test.moc"
