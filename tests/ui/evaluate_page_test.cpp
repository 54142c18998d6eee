// The Evaluate page after a real training run in the window: the run is evaluated on its own
// validation images, the confusion heatmap matches core's figures, clicking a cell shows its
// images, and a key press on an image fixes its label in the project and moves it in the
// matrix.
#include <QElapsedTimer>
#include <QLabel>
#include <QListWidget>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include "data/data_page.h"
#include "evaluate/confusion_matrix_view.h"
#include "evaluate/evaluate_page.h"
#include "evaluate/run_evaluation.h"
#include "fovea/ui/main_window.h"
#include "model/model_page.h"
#include "project/project_session.h"
#include "train/train_page.h"
#include "ui_test_project.h"
#include "ui_test_window.h"
#include "widgets/background_job.h"

using fovea::ui::MainWindow;
using fovea::ui::RunEvaluation;

class EvaluatePageTest : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() { fovea::test::useTestSettings("FoveaEvaluatePageTest"); }

    void aTrainedRunIsEvaluatedAndRelabeledFromTheMatrix() {
        QTemporaryDir temp;
        const QString images = temp.path() + "/images";
        QVERIFY(fovea::test::writeUiTestImages(images, 3, 10, 0).labeled > 0);
        MainWindow window;
        window.show();
        QVERIFY(fovea::test::importNewProject(window, temp.path() + "/project", images));
        QVERIFY(fovea::test::chooseSmallNetwork(window));

        auto* page = window.evaluatePage();
        QSignalSpy evaluated(page, &fovea::ui::EvaluatePage::evaluated);
        auto* train = window.trainPage();
        fovea::test::setShortRun(*train, 2);
        QVERIFY(train->startTraining());
        // Training finishes, then the run is evaluated in the background.
        QVERIFY(evaluated.wait(240000));
        const RunEvaluation* e = page->evaluation();
        QVERIFY(e);
        QCOMPARE(e->classCount(), 3);
        QCOMPARE(e->total(), 6);  // 20% of 3 x 10 images held out for validation

        // The heatmap shows core's counts; the per-class table core's figures.
        auto* matrix = page->confusionView();
        QCOMPARE(matrix->rowCount(), 3);
        qint64 shown = 0;
        for (int t = 0; t < 3; ++t) {
            for (int p = 0; p < 3; ++p) {
                const QString text = matrix->item(t, p)->text();
                QCOMPARE(text.isEmpty() ? 0 : text.toLongLong(), e->count(t, p));
                shown += e->count(t, p);
            }
        }
        QCOMPARE(shown, e->total());
        QCOMPARE(page->perClassTable()->rowCount(), 3);
        QCOMPARE(page->perClassTable()->item(0, 3)->text(),
                 QString::number(e->classFigures(0).support));

        // Clicking a non-empty cell lists exactly its images.
        int truth = -1;
        int predicted = -1;
        for (int t = 0; t < 3 && truth < 0; ++t) {
            for (int p = 0; p < 3 && truth < 0; ++p) {
                if (e->count(t, p) > 0) {
                    truth = t;
                    predicted = p;
                }
            }
        }
        QVERIFY(truth >= 0);
        const QRect cell = matrix->visualItemRect(matrix->item(truth, predicted));
        QTest::mouseClick(matrix->viewport(), Qt::LeftButton, {}, cell.center());
        QCOMPARE(page->cellImages()->count(), int(e->count(truth, predicted)));
        // The selected image is shown; with Grad-CAM on, the overlay is really computed.
        page->cellImages()->setCurrentRow(0);
        QVERIFY(!page->imageView()->pixmap().isNull());
        const QImage plain = page->imageView()->image();
        page->setGradCamShown(true);
        QTRY_COMPARE_WITH_TIMEOUT(page->gradCamsShown(), 1, 30000);
        QVERIFY(!page->imageView()->pixmap().isNull());
        QVERIFY(page->imageView()->image() != plain);  // the overlay, not the file again
        page->setGradCamShown(false);

        // A key press on the first image gives it another class in the project; the matrix
        // moves it to that row at once.
        const int newClass = (truth + 1) % 3;
        const qint64 before = e->count(newClass, predicted);
        page->cellImages()->setCurrentRow(0);
        const qint64 imageId = page->cellImages()->item(0)->data(Qt::UserRole + 1).toLongLong();
        page->cellImages()->setFocus();
        QTest::keyClick(page->cellImages(), Qt::Key(Qt::Key_1 + newClass));
        QCOMPARE(e->count(newClass, predicted), before + 1);
        const auto stored = window.session()->store().image(imageId).value();
        const auto classes = window.session()->store().classes().value();
        QCOMPARE(*stored.classId, classes[static_cast<size_t>(newClass)].id);
        const QString matrixCell = matrix->item(newClass, predicted)->text();
        QCOMPARE(matrixCell.toLongLong(), before + 1);
        // The label change is on the project's undo stack like any other, and undoing it puts
        // the image back in its evaluated cell, in the figures and on screen.
        window.session()->undoStack()->undo();
        QCOMPARE(*window.session()->store().image(imageId).value().classId,
                 classes[static_cast<size_t>(truth)].id);
        QCOMPARE(e->count(newClass, predicted), before);
        const QString undone = matrix->item(newClass, predicted)->text();
        QCOMPARE(undone.isEmpty() ? 0 : undone.toLongLong(), before);
        // A relabel on the Data page reaches the evaluation too.
        window.dataPage()->labelImages({imageId}, classes[static_cast<size_t>(newClass)].id);
        QCOMPARE(e->count(newClass, predicted), before + 1);
    }
};

QTEST_MAIN(EvaluatePageTest)
#include "evaluate_page_test.moc"
