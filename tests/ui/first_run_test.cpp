// The choice of a new project's first run (train/first_run.h) from measured estimates.
#include <QTest>

#include "duration_text.h"
#include "train/estimate_text.h"
#include "train/first_run.h"

using fovea::core::RunTimeEstimate;
using fovea::ui::chooseFirstRun;
using fovea::ui::estimateSentence;

namespace {

RunTimeEstimate estimateOf(double first, double later, std::int64_t uncached, int size,
                           const char* device = "cpu") {
    RunTimeEstimate estimate;
    estimate.fullEpochSeconds = first;
    estimate.cachedEpochSeconds = later;
    estimate.uncachedEpochs = uncached;
    estimate.imageSize = size;
    estimate.device = device;
    return estimate;
}

}  // namespace

class FirstRunTest : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    // The estimate's sentence names two costs per epoch only where they read differently.
    void theEstimateSaysEachCostOnce() {
        auto cached = estimateOf(120, 30, 4, 224);
        cached.trainingImagesPerSecond = 10.1;
        QCOMPARE(estimateSentence(cached, 10),
                 QString("About %1 on cpu: first 4 epochs 2 min 0 s each, then 30 s each once the "
                         "frozen blocks' features are cached (10.1 images/s measured at 224 px).")
                     .arg(fovea::ui::durationText(fovea::core::estimatedSecondsFor(cached, 10))));
        // "first 4 epochs 1 s each, then 1 s each" said nothing.
        const auto alike = estimateOf(1.2, 0.9, 4, 96);
        const QString sentence = estimateSentence(alike, 10);
        QVERIFY2(sentence.contains(": 1 s per epoch"), qPrintable(sentence));
        QVERIFY2(!sentence.contains("then"), qPrintable(sentence));
        // The parts add up to the total: a start that shows is named, and no epoch takes "0 s".
        auto slowStart = estimateOf(1.2, 0.2, 4, 96);
        slowStart.warmUpSeconds = 6;
        const QString started = estimateSentence(slowStart, 10);
        QVERIFY2(started.startsWith("About 12 s on cpu: 6 s to start, then first 4 epochs 1 s "
                                    "each, then under 1 s each"),
                 qPrintable(started));
    }

    void aRunThatFitsIsLeftAsItIs() {
        const auto choice = chooseFirstRun(estimateOf(10, 5, 1, 224), 10, 400);
        QVERIFY(!choice.changed);
        QCOMPARE(choice.epochs, 10);
        QCOMPARE(choice.imageSize, 224);
        QVERIFY(choice.note.isEmpty());
    }

    void epochsComeDownFirst() {
        // 120 s, then 60 s each: 10 epochs take 11 min, 4 take 5.
        const auto choice = chooseFirstRun(estimateOf(120, 60, 1, 224), 10, 400);
        QVERIFY(choice.changed);
        QCOMPARE(choice.epochs, 4);
        QCOMPARE(choice.imageSize, 224);
        QVERIFY2(choice.note.contains("4 epochs at 224 px"), qPrintable(choice.note));
    }

    void thenTheInputSizeDownTo96() {
        // Three epochs take 30 min at 224 px: 160 px halves that, 96 px is as small as it goes.
        const auto slow = chooseFirstRun(estimateOf(600, 600, 1, 224), 10, 400);
        QCOMPARE(slow.epochs, 3);
        QCOMPARE(slow.imageSize, 96);
        const auto moderate = chooseFirstRun(estimateOf(150, 150, 1, 224), 10, 400);
        QCOMPARE(moderate.epochs, 3);
        // 450 s at 224 px; 192 px takes 331 s, 160 px 230 s: the largest size that fits.
        QCOMPARE(moderate.imageSize, 160);
    }

    void smallImagesTrainAt96() {
        const auto choice = chooseFirstRun(estimateOf(10, 5, 1, 224), 10, 28);
        QVERIFY(choice.changed);
        QCOMPARE(choice.imageSize, 96);
        QCOMPARE(choice.epochs, 10);
    }

    void aGpuRunIsLeftAsItIs() {
        const auto choice = chooseFirstRun(estimateOf(600, 600, 1, 224, "cuda:0"), 10, 28);
        QVERIFY(!choice.changed);
    }
};

QTEST_MAIN(FirstRunTest)
#include "first_run_test.moc"
