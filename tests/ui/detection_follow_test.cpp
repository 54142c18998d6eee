// The Train page on detection runs it did not start (issue 24, point 4): a real detection run
// written by core::runDetectionTraining on another thread, as fovea-cli would write it, followed
// as its files grow (charts of each loss and the mAP, log, progress), and then, stopped, resumed
// with the Runs page's Resume: its earlier epoch is on the charts before new ones arrive.

#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <atomic>
#include <thread>

#include "fovea/ui/main_window.h"
#include "qcustomplot_wrapper.h"
#include "runs/detection_run_info.h"
#include "runs/runs_page.h"
#include "train/detection_training_worker.h"
#include "train/train_page.h"
#include "train/training_charts.h"
#include "ui_detection_scenes.h"
#include "ui_test_window.h"
#include "widgets/elided_label.h"

using namespace fovea::ui;
namespace core = fovea::core;

namespace {

// The graphs of TrainingCharts in detection mode (training_charts.cpp's order).
constexpr int kEpochSum = 2;
constexpr int kFirstDetectionLoss = 4;  // loss_classifier, then box_reg, objectness, rpn_box_reg
constexpr int kMap = 1;
constexpr int kAp50 = 2;

bool waitFor(const std::function<bool()>& done, int ms) {
    QElapsedTimer waited;
    waited.start();
    while (!done() && waited.elapsed() < ms) QTest::qWait(50);
    return done();
}

double lastValue(QCPGraph* graph) { return (graph->data()->constEnd() - 1)->value; }

}  // namespace

class DetectionFollowTest : public QObject {
    Q_OBJECT

    QTemporaryDir m_temp;
    QString m_project;
    QString m_run;

  private Q_SLOTS:
    void initTestCase() {
        fovea::test::useTestSettings("FoveaDetectionFollowTest");
        QVERIFY(m_temp.isValid());
        const QString error = fovea::test::makeDetectionScenes(m_temp.path());
        QVERIFY2(error.isEmpty(), qPrintable(error));
        m_project = m_temp.path() + "/project";
        m_run = m_project + "/runs/elsewhere";
    }

    // A run another thread trains: paused after its first epoch, the page shows that epoch's
    // losses and mAP, the log's lines and half the progress; stopped, it says so.
    void followsARunTrainedElsewhere() {
        MainWindow window;
        QString error;
        QVERIFY2(window.openProject(m_project, &error), qPrintable(error));
        window.showPage("Train");
        TrainPage* page = window.trainPage();

        core::TrainingControl control;
        std::atomic<bool> started{false};
        std::atomic<int> epochs{0};
        core::DetectionTrainingHooks hooks;
        hooks.started = [&](const core::DetectionTrainingStart&) { started = true; };
        hooks.onEpoch = [&](const core::DetectionEpochReport&) {
            // Held after the first epoch, so the test sees the run mid-way.
            if (++epochs == 1) control.pause();
        };
        core::Result<core::DetectionTrainingResult> result = core::Error{"not run"};
        std::thread trainer([&] {
            result = core::runDetectionTraining(fovea::test::tinyDetectionSettings(m_project, 2),
                                                m_run.toStdString(), false, control, hooks);
        });
        const auto join = qScopeGuard([&] {  // a failed check must not leave the thread
            control.requestStop();
            control.resume();
            if (trainer.joinable()) trainer.join();
        });
        QVERIFY(waitFor([&] { return started.load(); }, 120000));
        QVERIFY2(page->followRun(m_run, &error), qPrintable(error));
        QVERIFY(page->isFollowing());

        QVERIFY(waitFor([&] { return epochs.load() == 1; }, 300000));
        TrainingCharts* charts = page->charts();
        QVERIFY(waitFor([&] { return charts->epochPoints() == 1; }, 10000));
        // The points are metrics.csv's figures.
        const auto info = readDetectionRunInfo(m_run.toStdString());
        QVERIFY(info && info->epochs.size() == 1);
        const core::DetectionEpochReport& first = info->epochs.front();
        QCOMPARE(lastValue(charts->lossPlot()->graph(kEpochSum)), first.loss);
        QCOMPARE(lastValue(charts->lossPlot()->graph(kFirstDetectionLoss)),
                 first.losses.at("loss_classifier"));
        QCOMPARE(charts->lossPlot()->graph(kFirstDetectionLoss + 3)->dataCount(), 1);
        QVERIFY(first.hasValidation);
        QCOMPARE(lastValue(charts->accuracyPlot()->graph(kMap)), first.validation.map.value_or(0));
        QCOMPARE(lastValue(charts->accuracyPlot()->graph(kAp50)),
                 first.validation.ap50.value_or(0));
        // The epoch sits where it ended on the step axis: 4 training images, 2 per batch.
        QCOMPARE((charts->lossPlot()->graph(kEpochSum)->data()->constEnd() - 1)->key, 2.0);
        // Its learning rate there too (metrics.csv's, six digits).
        QCOMPARE(charts->learningRatePlot()->graph(0)->dataCount(), 1);
        QCOMPARE((charts->learningRatePlot()->graph(0)->data()->constEnd() - 1)->key, 2.0);
        QVERIFY(qAbs(lastValue(charts->learningRatePlot()->graph(0)) - first.learningRate) <= 1e-9);
        QVERIFY(waitFor(
            [&] {
                return page->findChild<QPlainTextEdit*>("trainingLog")
                    ->toPlainText()
                    .contains("epoch 1/2: loss");
            },
            5000));
        QCOMPARE(page->findChild<QProgressBar*>("trainingProgress")->value(), 500);
        const QString following = page->findChild<ElidedLabel*>("trainingProgressLabel")->text();
        QVERIFY2(following.contains("1 of 2 epochs done"), qPrintable(following));

        // Stopped where it runs: the page says how it ended, and stops reading.
        control.requestStop();
        control.resume();
        trainer.join();
        QVERIFY2(result, result ? "" : result.error().message.c_str());
        QVERIFY(waitFor([&] { return !page->isFollowing(); }, 10000));
        const QString ended = page->findChild<ElidedLabel*>("trainingProgressLabel")->text();
        QVERIFY2(ended.contains("stopped after 1 of 2 epochs (followed)"), qPrintable(ended));
        QCOMPARE(charts->epochPoints(), 1);
    }

    // Resume on the Runs page draws the stopped run's epoch on the Train page at once, then
    // the new one as it arrives.
    void resumedRunShowsItsEarlierEpochs() {
        const auto before = readDetectionRunInfo(m_run.toStdString());
        QVERIFY(before && before->status == core::RunStatus::Stopped);
        QCOMPARE(before->epochsDone, qint64(1));

        MainWindow window;
        QString error;
        QVERIFY2(window.openProject(m_project, &error), qPrintable(error));
        window.showPage("Train");
        TrainPage* page = window.trainPage();
        QSignalSpy finished(page->detectionWorker(), &DetectionTrainingWorker::finished);
        // Resume on the Runs page, as a user continues it.
        window.showPage("Runs");
        RunsPage* runs = window.runsPage();
        runs->refresh();
        runs->selectRuns({m_run});
        auto* resume = runs->findChild<QPushButton*>("resumeRunButton");
        QVERIFY(resume->isEnabled());
        QVERIFY(runs->findChild<QLabel*>("runDetails")->text().contains("from epoch 2 of 2"));
        resume->click();
        QVERIFY(page->isTraining());
        TrainingCharts* charts = page->charts();
        QCOMPARE(charts->epochPoints(), 1);
        QCOMPARE(lastValue(charts->lossPlot()->graph(kEpochSum)), before->epochs.front().loss);
        QCOMPARE(charts->accuracyPlot()->graph(kMap)->dataCount(), 1);
        QCOMPARE(page->findChild<QProgressBar*>("trainingProgress")->value(), 500);

        QVERIFY(fovea::test::received(finished, 300000));
        const auto outcome = finished.first().at(0).value<TrainingOutcomeInfo>();
        QVERIFY2(outcome.ok, qPrintable(outcome.message));
        QCOMPARE(outcome.outcome, QString("completed"));
        QCOMPARE(charts->epochPoints(), 2);
        QCOMPARE(charts->accuracyPlot()->graph(kMap)->dataCount(), 2);
        // The earlier epoch is still the recorded one, the new one after it.
        const auto after = readDetectionRunInfo(m_run.toStdString());
        QVERIFY(after && after->epochs.size() == 2);
        const auto& points = *charts->lossPlot()->graph(kEpochSum)->data();
        QCOMPARE(points.at(0)->value, after->epochs[0].loss);
        // The new point is the live report's; metrics.csv keeps six significant digits of it.
        QVERIFY(qAbs(points.at(1)->value - after->epochs[1].loss) <= 1e-5 * after->epochs[1].loss);
        QCOMPARE(points.at(1)->key, 4.0);
    }

    // A run stopped in its first epoch has trained for a while: the Runs page's time counts the
    // unfinished epoch (summary.json's unfinished_epoch_seconds), not 0 s.
    void aRunStoppedInItsFirstEpochCountsItsTime() {
        const QString run = m_project + "/runs/stopped-early";
        core::TrainingControl control;
        core::DetectionTrainingHooks hooks;
        hooks.onBatch = [&](const core::DetectionBatchProgress&) { control.requestStop(); };
        const auto result =
            core::runDetectionTraining(fovea::test::tinyDetectionSettings(m_project, 2),
                                       run.toStdString(), false, control, hooks);
        QVERIFY2(result, result ? "" : result.error().message.c_str());
        QCOMPARE(result.value().outcome, core::TrainingOutcome::Stopped);
        const auto info = readDetectionRunInfo(run.toStdString());
        QVERIFY(info && info->status == core::RunStatus::Stopped);
        QCOMPARE(info->epochsDone, qint64(0));
        QVERIFY2(info->trainingSeconds > 0, qPrintable(QString::number(info->trainingSeconds)));
    }
};

QTEST_MAIN(DetectionFollowTest)
#include "detection_follow_test.moc"
