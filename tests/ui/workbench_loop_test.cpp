// The whole loop through the workbench window, as a user goes through it on a small generated
// project: label images by key, choose a network, train a few epochs and see plot points
// arrive, click a confusion cell and see its images, relabel one from there, predict a dropped
// file, export ONNX through the parity gate; then a second run stopped and resumed from the
// Runs page, the two compared, and the project reopened on its last finished run.
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QListView>
#include <QListWidget>
#include <QMimeData>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include "data/data_page.h"
#include "data/image_list_model.h"
#include "evaluate/confusion_matrix_view.h"
#include "evaluate/evaluate_page.h"
#include "evaluate/run_evaluation.h"
#include "export/export_page.h"
#include "fovea/ui/main_window.h"
#include "model/model_page.h"
#include "predict/predict_page.h"
#include "project/project_session.h"
#include "qcustomplot_wrapper.h"
#include "runs/run_comparison.h"
#include "runs/runs_page.h"
#include "train/train_page.h"
#include "train/training_charts.h"
#include "train/training_worker.h"
#include "ui_test_project.h"
#include "ui_test_window.h"
#include "widgets/background_job.h"

using fovea::ui::MainWindow;
namespace core = fovea::core;

class WorkbenchLoopTest : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() { fovea::test::useTestSettings("FoveaWorkbenchLoopTest"); }

    void labelTrainEvaluateRelabelPredictExport() {
        QTemporaryDir temp;
        const QString images = temp.path() + "/images";
        const auto written = fovea::test::writeUiTestImages(images, 3, 8, 4);
        QVERIFY(written.labeled > 0);
        MainWindow window;
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        // 1. New project; label the unlabeled images by key presses.
        QVERIFY(fovea::test::importNewProject(window, temp.path() + "/project", images));
        auto* data = window.dataPage();
        fovea::ui::ImageViewFilter unlabeled;
        unlabeled.kind = fovea::ui::ImageViewFilter::Kind::Unlabeled;
        data->setFilter(unlabeled);
        data->grid()->setFocus();
        data->selectImages({data->model()->record(0).id});
        for (Qt::Key key : {Qt::Key_1, Qt::Key_2, Qt::Key_3, Qt::Key_1}) {
            QTest::keyClick(data->grid(), key);
        }
        QCOMPARE(data->model()->rowCount(), written.unlabeled + written.broken - 4);

        // 2. A small network, trained for two epochs: plot points arrive.
        window.showPage("Model");
        QVERIFY(fovea::test::chooseSmallNetwork(window));
        window.showPage("Train");
        auto* train = window.trainPage();
        fovea::test::setShortRun(*train, 2);
        QSignalSpy evaluated(window.evaluatePage(), &fovea::ui::EvaluatePage::evaluated);
        QVERIFY(train->startTraining());
        QTRY_VERIFY_WITH_TIMEOUT(train->charts()->batchPoints() > 0, 60000);
        QVERIFY(evaluated.wait(240000));  // finished, then evaluated in the background
        QCOMPARE(train->charts()->epochPoints(), 2);

        // 3. Evaluate: click a cell, see its images, relabel one by key.
        window.showPage("Evaluate");
        auto* evaluate = window.evaluatePage();
        const auto* e = evaluate->evaluation();
        QVERIFY(e && e->total() > 0);
        int truth = -1;
        int predicted = -1;
        for (int t = 0; t < e->classCount() && truth < 0; ++t) {
            for (int p = 0; p < e->classCount() && truth < 0; ++p) {
                if (e->count(t, p) > 0) {
                    truth = t;
                    predicted = p;
                }
            }
        }
        auto* matrix = evaluate->confusionView();
        QTest::mouseClick(matrix->viewport(), Qt::LeftButton, {},
                          matrix->visualItemRect(matrix->item(truth, predicted)).center());
        QCOMPARE(evaluate->cellImages()->count(), int(e->count(truth, predicted)));
        evaluate->cellImages()->setCurrentRow(0);
        const qint64 imageId = evaluate->cellImages()->item(0)->data(Qt::UserRole + 1).toLongLong();
        const int newClass = (truth + 1) % e->classCount();
        evaluate->cellImages()->setFocus();
        QTest::keyClick(evaluate->cellImages(), Qt::Key(Qt::Key_1 + newClass));
        const auto classes = window.session()->store().classes().value();
        QCOMPARE(*window.session()->store().image(imageId).value().classId,
                 classes[static_cast<size_t>(newClass)].id);

        // 4. Predict: drop an image file on the page.
        window.showPage("Predict");
        auto* predict = window.predictPage();
        QTRY_VERIFY_WITH_TIMEOUT(predict->predictor() != nullptr, 30000);
        QSignalSpy predictedSpy(predict, &fovea::ui::PredictPage::predicted);
        const QString file =
            QString::fromStdString(window.session()->store().image(imageId).value().path.string());
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(file)});
        // As a real drag does: enter (which makes the page the drop target), then drop.
        QDragEnterEvent enter(QPoint(20, 20), Qt::CopyAction, &mime, Qt::LeftButton, {});
        QApplication::sendEvent(predict, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPoint(20, 20), Qt::CopyAction, &mime, Qt::LeftButton, {});
        QApplication::sendEvent(predict, &drop);
        QSignalSpy predictFailed(predict, &fovea::ui::PredictPage::failed);
        QVERIFY(drop.isAccepted());
        QVERIFY2(predictedSpy.wait(60000),
                 qPrintable(predictFailed.isEmpty() ? QString("no answer")
                                                    : predictFailed.first().first().toString()));
        QCOMPARE(predict->resultsTable()->rowCount(), 1);
        QCOMPARE(predict->predictions().front().top.size(), 3);

        // 5. Export ONNX: the parity gate's figures are shown and the bundle is written.
        window.showPage("Export");
        auto* exportPage = window.exportPage();
        QCOMPARE(exportPage->source(), train->currentRunFolder());
        exportPage->setFormats({"onnx"});
        QSignalSpy exported(exportPage, &fovea::ui::ExportPage::exported);
        QString error;
        QVERIFY2(exportPage->startExport(&error), qPrintable(error));
        QVERIFY(exported.wait(120000));
        QVERIFY2(exported.first().at(0).toBool(), qPrintable(exported.first().at(1).toString()));
        const auto& outcome = exportPage->lastOutcome();
        // The bundle always holds model.safetensors; the ONNX file is the one asked for.
        int onnxRow = -1;
        for (int i = 0; i < outcome.files.size(); ++i) {
            const auto& f = outcome.files[i];
            QVERIFY2(f.passed, qPrintable(f.file));
            QCOMPARE(f.agreement, 1.0);
            QVERIFY(f.maxProbabilityDifference <= 1e-3);
            QVERIFY(QFileInfo::exists(f.file));
            if (f.format == "onnx") onnxRow = i;
        }
        QVERIFY(onnxRow >= 0);
        QVERIFY(outcome.files[onnxRow].runtime.contains("OpenCV"));
        QVERIFY(QFileInfo::exists(outcome.folder + "/README.md"));
        QCOMPARE(exportPage->resultsTable()->rowCount(), outcome.files.size());
        QCOMPARE(exportPage->resultsTable()->item(onnxRow, 4)->text(), QString("100.0%"));

        // 6. The same file dropped again is not listed twice.
        QVERIFY(predict->addInputs({file}));
        QTRY_VERIFY_WITH_TIMEOUT(!predict->job()->isRunning(), 30000);
        QCOMPARE(predict->resultsTable()->rowCount(), 1);

        // 7. A second run at another learning rate, stopped after its first epoch; resumed from
        // the Runs page, it redraws its earlier batches and finishes with all its epochs.
        const QString firstRun = train->currentRunFolder();
        window.showPage("Train");
        core::RunSettings settings = train->request().settings;
        settings.training.learningRate = 3e-3;
        train->setSettings(settings);
        QSignalSpy epochs(train->worker(), &fovea::ui::TrainingWorker::epochReported);
        QSignalSpy finished(train, &fovea::ui::TrainPage::trainingFinished);
        QVERIFY(train->startTraining());
        QVERIFY(epochs.wait(120000));
        train->stopTraining();
        QVERIFY(finished.wait(120000));
        const int batchesBeforeStop = train->charts()->batchPoints();
        QVERIFY(batchesBeforeStop > 0);
        const QString secondRun = train->currentRunFolder();
        window.showPage("Runs");
        auto* runs = window.runsPage();
        runs->refresh();
        QCOMPARE(runs->table()->rowCount(), 2);
        QCOMPARE(runs->table()->item(0, fovea::ui::RunsPage::StatusColumn)->text(),
                 QString("Stopped"));
        runs->selectRuns({secondRun});
        QTest::mouseClick(runs->findChild<QPushButton*>("resumeRunButton"), Qt::LeftButton);
        QCOMPARE(window.currentPageName(), QString("Train"));
        // Its earlier batches are drawn again, read back from the run's event files.
        QVERIFY(train->charts()->batchPoints() >= batchesBeforeStop);
        QVERIFY(finished.wait(120000));
        QCOMPARE(finished.last().first().value<fovea::ui::TrainingOutcomeInfo>().outcome,
                 QString("completed"));
        runs->refresh();
        QCOMPARE(runs->table()->item(0, fovea::ui::RunsPage::StatusColumn)->text(),
                 QString("Finished"));

        // 8. The two runs compared: their curves and the setting that differs.
        auto* comparison = runs->compareRuns({firstRun, secondRun});
        QVERIFY(comparison);
        QCOMPARE(comparison->validationAccuracyPlot()->graphCount(), 2);
        QVERIFY(comparison->differingSettings().contains("training.learning_rate"));
        comparison->close();

        // 9. Reopened, the project shows its last finished run again.
        const QString project = window.projectFolder();
        MainWindow reopened;
        reopened.show();
        QVERIFY(reopened.openMostRecentProject());
        QCOMPARE(reopened.projectFolder(), project);
        QCOMPARE(reopened.exportPage()->source(), secondRun);
    }
};

QTEST_MAIN(WorkbenchLoopTest)
#include "workbench_loop_test.moc"
