// The progress strip of a background job: a stage whose length is unknown, reported right
// after counted figures, turns the strip busy with the stage's name at once (the Health
// check's "Label issues" used to show an empty bar under the last stage's name).
#include <QApplication>
#include <QProgressBar>
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <atomic>

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
};

QTEST_MAIN(JobProgressTest)
#include "job_progress_test.moc"
