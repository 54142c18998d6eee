// The Train page on a real project: a real (tiny) training run on the worker thread, its
// charts filling, the GUI thread never stalled, pause / frozen-block change / resume / stop,
// and closing the window during training, each leaving a checkpoint in the run folder; the
// learning-rate range test's curve and suggestion; the watch set's predictions per epoch; the
// charts redrawing a resumed run's earlier batches.
#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPlainTextEdit>
#include <QProgressDialog>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "data/data_page.h"
#include "data/image_list_model.h"
#include "fovea/core/project/folder_import.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/session/run_settings.h"
#include "fovea/core/torch_runtime.h"
#include "fovea/core/training/batch_size_search.h"
#include "fovea/core/training/run_folder_layout.h"
#include "fovea/ui/main_window.h"
#include "model/freeze_map.h"
#include "model/model_page.h"
#include "project/project_session.h"
#include "qcustomplot_wrapper.h"
#include "stall_probe.h"
#include "train/cluster_command_dialog.h"
#include "train/lr_finder_panel.h"
#include "train/train_page.h"
#include "train/training_charts.h"
#include "train/training_worker.h"
#include "train/watch_set_view.h"
#include "ui_test_project.h"
#include "ui_test_run.h"
#include "ui_test_window.h"
#include "widgets/background_job.h"
#include "widgets/elided_label.h"

using fovea::ui::MainWindow;
using fovea::ui::TrainingOutcomeInfo;
namespace fs = std::filesystem;

namespace {

int metricsRows(const QString& runFolder) {
    std::ifstream file(fs::path(runFolder.toStdString()) / "metrics.csv");
    int lines = 0;
    for (std::string line; std::getline(file, line);) lines += !line.empty();
    return lines - 1;  // header
}

bool hasCheckpoint(const QString& runFolder) {
    return fs::exists(fs::path(runFolder.toStdString()) / "checkpoints" / "last.pt");
}

}  // namespace

class TrainPageTest : public QObject {
    Q_OBJECT
  private:
    QTemporaryDir m_temp;
    QString m_images;

    // A window on a new project over the test images with a small, fast network chosen.
    bool prepare(MainWindow& window, const QString& name) {
        return fovea::test::importNewProject(window, m_temp.path() + "/" + name, m_images) &&
               fovea::test::chooseSmallNetwork(window);
    }

  private Q_SLOTS:
    void initTestCase() {
        fovea::test::useTestSettings("FoveaTrainPageTest");
        m_images = m_temp.path() + "/images";
        QVERIFY(fovea::test::writeUiTestImages(m_images, 3, 10, 2).labeled > 0);
    }

    // Issue 21: with the offline weights not prepared, Start said nothing until the run failed
    // (leaving no run behind); it is refused at once, in the workbench's words.
    void startIsRefusedWhileTheOfflineWeightsAreMissing() {
        MainWindow window;
        QVERIFY(fovea::test::importNewProject(window, m_temp.path() + "/p-no-weights", m_images));
        window.modelPage()->setArchitecture("mobilenet_v2_keras");
        window.modelPage()->setWeights("default");
        const QByteArray dataHome = qgetenv("XDG_DATA_HOME");
        QTemporaryDir empty;
        qputenv("XDG_DATA_HOME", empty.path().toUtf8());
        QString error;
        const bool started = window.trainPage()->startTraining(&error);
        if (dataHome.isNull()) {
            qunsetenv("XDG_DATA_HOME");
        } else {
            qputenv("XDG_DATA_HOME", dataHome);
        }
        QVERIFY(!started);
        QVERIFY2(error.contains("run fovea-prepare-offline-weights once"), qPrintable(error));
        QVERIFY(!QDir(window.session()->runsFolder()).exists() ||
                QDir(window.session()->runsFolder()).isEmpty());
    }

    void trainsLiveWithoutStallingTheWindow() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(prepare(window, "p-train"));
        window.showPage("Train");
        auto* page = window.trainPage();
        // The empty watch set says what it is for instead of showing a blank panel.
        auto* watch = page->watchSet()->viewport();
        const QImage empty = watch->grab().toImage();
        const QRgb background = empty.pixel(2, 2);
        int written = 0;
        for (int y = 0; y < empty.height(); ++y) {
            for (int x = 0; x < empty.width(); ++x) written += empty.pixel(x, y) != background;
        }
        QVERIFY2(written > 100, qPrintable(QString::number(written)));
        fovea::test::setShortRun(*page, 3);
        QSignalSpy batches(page->worker(), &fovea::ui::TrainingWorker::batchReported);
        QSignalSpy finished(page, &fovea::ui::TrainPage::trainingFinished);
        fovea::test::StallProbe probe;
        QString error;
        QVERIFY2(page->startTraining(&error), qPrintable(error));
        QVERIFY(finished.wait(180000));
        const auto outcome = finished.first().first().value<TrainingOutcomeInfo>();
        QVERIFY2(outcome.ok, qPrintable(outcome.message));
        QCOMPARE(outcome.outcome, QString("completed"));
        QCOMPARE(outcome.epochsCompleted, 3);
        // Every batch reached the chart; three epoch points; a few redraws, not one per point.
        QVERIFY(batches.count() > 0);
        QCOMPARE(page->charts()->batchPoints(), batches.count());
        QCOMPARE(page->charts()->epochPoints(), 3);
        QVERIFY(page->charts()->redraws() < batches.count() + 10);
        // Legends sit below the axes, where no curve can be.
        for (QCustomPlot* plot : {page->charts()->lossPlot(), page->charts()->accuracyPlot()}) {
            QVERIFY(plot->legend->visible());
            QVERIFY(!plot->axisRect()->insetLayout()->elements(false).contains(plot->legend));
            QVERIFY(plot->legend->outerRect().top() >= plot->axisRect()->outerRect().bottom());
        }
        // The run folder is the same as fovea-cli train writes.
        QCOMPARE(metricsRows(outcome.runFolder), 3);
        QVERIFY(QFileInfo::exists(outcome.model));
        QVERIFY(outcome.runFolder.startsWith(window.projectFolder() + "/runs/"));
        qInfo() << "longest GUI stall during training:" << probe.longestMs() << "ms over"
                << batches.count() << "batches";
        QVERIFY2(probe.longestMs() < 100, qPrintable(QString::number(probe.longestMs())));
    }

    // "auto" below 1 in the batch-size box: the run records the size it chose and how; the
    // GPUs (or their absence) are listed beside the device choice.
    void autoBatchSizeIsChosenAndRecordedAndGpusAreListed() {
        MainWindow window;
        window.show();
        QVERIFY(prepare(window, "p-auto-batch"));
        window.showPage("Train");
        auto* page = window.trainPage();
        fovea::test::setShortRun(*page, 1);
        auto* batch = page->findChild<QSpinBox*>("batchSizeSpin");
        batch->setValue(0);
        QCOMPARE(batch->text(), QString("auto"));
        const QString gpus = page->findChild<QLabel*>("gpuList")->text();
        if (fovea::core::queryTorchRuntime().cudaAvailable) {
            QVERIFY2(gpus.contains("compute capability"), qPrintable(gpus));
        } else {
            QCOMPARE(gpus, QString("None: training runs on the CPU"));
        }
        QSignalSpy finished(page, &fovea::ui::TrainPage::trainingFinished);
        QString error;
        QVERIFY2(page->startTraining(&error), qPrintable(error));
        QVERIFY(finished.wait(180000));
        const auto outcome = finished.first().first().value<TrainingOutcomeInfo>();
        QVERIFY2(outcome.ok, qPrintable(outcome.message));
        // The log has a line for each epoch, as the run's log.txt does.
        auto* log = page->findChild<QPlainTextEdit*>("trainingLog");
        QVERIFY(log);
        QVERIFY2(log->toPlainText().contains("epoch 1: train loss"),
                 qPrintable(log->toPlainText()));
        std::ifstream configFile(fs::path(outcome.runFolder.toStdString()) / "config.json");
        const auto config = nlohmann::json::parse(configFile);
        const std::int64_t trainImages = config.at("images").at("train");
        const std::int64_t chosen = config.at("batch_size");
        QVERIFY2(config.contains("batch_size_search"), config.dump().c_str());
        if (!fovea::core::queryTorchRuntime().cudaAvailable) {
            QCOMPARE(chosen, std::min<std::int64_t>(trainImages, fovea::core::kCpuAutoBatchSize));
        } else {
            QVERIFY(chosen >= 1 && chosen <= trainImages);
        }
    }

    void pauseChangeFreezingResumeAndStop() {
        MainWindow window;
        window.show();
        QVERIFY(prepare(window, "p-pause"));
        auto* page = window.trainPage();
        fovea::test::setShortRun(*page, 50);
        QSignalSpy batches(page->worker(), &fovea::ui::TrainingWorker::batchReported);
        QSignalSpy finished(page, &fovea::ui::TrainPage::trainingFinished);
        QVERIFY(page->startTraining());
        QVERIFY(batches.wait(60000));
        // While it runs the freeze map takes no changes (the run would not see them), nor
        // can another run be resumed or trained again from the Runs page.
        auto* model = window.modelPage();
        auto* freezeMap = model->findChild<fovea::ui::FreezeMap*>();
        QVERIFY(freezeMap);
        QVERIFY(!freezeMap->isEnabled());
        QVERIFY(!window.findChild<QPushButton*>("startFromRunButton")->isEnabled());
        // Nor does the Train page's form: the run trains with the settings it started with.
        for (const char* field : {"epochsSpin", "learningRateSpin", "trainImageSizeSpin"}) {
            QVERIFY2(!page->findChild<QWidget*>(field)->isEnabled(), field);
        }
        page->togglePause();
        QVERIFY(page->worker()->isPaused());
        QVERIFY(freezeMap->isEnabled());
        // What cannot change mid-run is locked on the Model page, also programmatically: the
        // run's own blocks are the only ones a change while paused may name.
        QVERIFY(!model->findChild<QTableWidget*>("architectureTable")->isEnabled());
        QVERIFY(!model->findChild<QSpinBox*>("imageSizeSpin")->isEnabled());
        QVERIFY(!model->findChild<QLabel*>("trainingLockedLabel")->isHidden());
        model->setArchitecture("mobilenet_v2_keras");
        QCOMPARE(model->selection().architecture, QString("mobilenet_v3_small"));
        QTest::qWait(1500);  // the batch in flight may still arrive
        const int atPause = batches.count();
        QTest::qWait(1500);
        QCOMPARE(batches.count(), atPause);  // nothing trains while paused
        // The status line says so, also after the batch in flight arrived, and counts nothing.
        auto* status = page->findChild<fovea::ui::ElidedLabel*>("trainingProgressLabel");
        QVERIFY(status);
        QVERIFY2(status->text().startsWith("Paused at epoch 1/"), qPrintable(status->text()));
        QVERIFY2(!status->text().contains("left"), qPrintable(status->text()));
        // Freeze the first blocks on the Model page while paused; they apply on resume, and the
        // run's config.json records them (the run list and a resume read them there).
        auto* log = page->findChild<QPlainTextEdit*>("trainingLog");
        QVERIFY(log);
        freezeMap->freezeUpTo("block1");
        QCOMPARE(model->selection().frozenBlocks, QStringList({"stem", "block1"}));
        QVERIFY2(log->toPlainText().contains("Frozen blocks from the next batch: stem, block1"),
                 qPrintable(log->toPlainText()));
        page->togglePause();
        QVERIFY(!freezeMap->isEnabled());
        QVERIFY(batches.wait(60000));
        // The run's own log says when it waited.
        {
            std::ifstream file(fs::path(page->currentRunFolder().toStdString()) / "log.txt");
            const std::string runLog((std::istreambuf_iterator<char>(file)),
                                     std::istreambuf_iterator<char>());
            QVERIFY2(runLog.find(" paused at epoch 1, batch ") != std::string::npos &&
                         runLog.find(" s paused") != std::string::npos,
                     runLog.c_str());
        }
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                std::ifstream file(fs::path(page->currentRunFolder().toStdString()) /
                                   "config.json");
                const auto config = nlohmann::json::parse(file, nullptr, false);
                return !config.is_discarded() &&
                       config["network"].value("frozen_blocks", nlohmann::json::array()) ==
                           nlohmann::json::array({"stem", "block1"});
            }(),
            20000);
        page->stopTraining();
        QVERIFY(finished.wait(60000));
        const auto outcome = finished.first().first().value<TrainingOutcomeInfo>();
        QCOMPARE(outcome.outcome, QString("stopped"));
        QVERIFY(hasCheckpoint(outcome.runFolder));
        QVERIFY(outcome.model.isEmpty());  // a stopped run continues from its checkpoint
        QVERIFY(model->findChild<QTableWidget*>("architectureTable")->isEnabled());
        QVERIFY(model->findChild<QLabel*>("trainingLockedLabel")->isHidden());
    }

    void learningRateFinderDrawsItsCurveAndSuggestsARate() {
        MainWindow window;
        window.resize(1280, 800);
        window.show();
        QVERIFY(prepare(window, "p-lr"));
        window.showPage("Train");
        auto* page = window.trainPage();
        fovea::test::setShortRun(*page, 1);
        auto* finder = page->learningRateFinder();
        finder->setSteps(40);
        QSignalSpy finished(finder, &fovea::ui::LearningRateFinderPanel::finished);
        auto* find = finder->findChild<QPushButton*>("findLearningRateButton");
        auto* start = page->findChild<QPushButton*>("startButton");
        QVERIFY(find && start);
        QVERIFY(start->isEnabled());
        // Nothing in the settings column moves while the finder runs and after it finished.
        QTest::qWait(20);
        auto* column = page->findChild<QScrollArea*>("trainSettingsScroll");
        QVERIFY(column);
        // At the default window size the whole column shows, nothing to scroll to.
        QCOMPARE(column->verticalScrollBar()->maximum(), 0);
        const QRect columnBefore = column->geometry();
        const auto placeOf = [page](const char* name) {
            auto* widget = page->findChild<QWidget*>(name);
            return widget ? widget->mapTo(page, QPoint()) : QPoint(-1, -1);
        };
        const QPoint epochsBefore = placeOf("epochsSpin");
        const QPoint findBefore = placeOf("findLearningRateButton");
        fovea::test::StallProbe probe;
        QTest::mouseClick(find, Qt::LeftButton);
        QVERIFY(finder->isRunning());
        QTest::qWait(50);
        QCOMPARE(placeOf("epochsSpin"), epochsBefore);
        QCOMPARE(placeOf("findLearningRateButton"), findBefore);
        QVERIFY(!start->isEnabled());  // one piece of training at a time
        QVERIFY(finished.wait(180000));
        QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
        QVERIFY(start->isEnabled());
        QTest::qWait(50);
        QCOMPARE(column->geometry(), columnBefore);
        QCOMPARE(placeOf("epochsSpin"), epochsBefore);
        QCOMPARE(placeOf("findLearningRateButton"), findBefore);
        // The curve: one point per step until it stopped (a diverging loss stops it early).
        QVERIFY2(finder->points() >= 10, qPrintable(QString::number(finder->points())));
        QVERIFY(finder->points() <= 40);
        // The rate axis: each label once, and side by side they fit the axis.
        auto* plot = finder->findChild<QCustomPlot*>("lrFinderPlot");
        QVERIFY(plot);
        plot->replot();
        // The whole sweep, as while the curve grew (no axis a fraction of a decade wide).
        QCOMPARE(plot->xAxis->range().lower, 1e-7);
        QCOMPARE(plot->xAxis->range().upper, 10.0);
        const QVector<QString> labels = plot->xAxis->tickVectorLabels();
        QVERIFY(labels.size() >= 2);
        QCOMPARE(QSet<QString>(labels.begin(), labels.end()).size(), labels.size());
        const QFontMetrics metrics(plot->xAxis->tickLabelFont());
        int labelWidths = 0;
        for (const QString& label : labels) labelWidths += metrics.horizontalAdvance(label);
        QVERIFY2(labelWidths < plot->xAxis->axisRect()->width(),
                 qPrintable(QString("%1 px of labels on a %2 px axis")
                                .arg(labelWidths)
                                .arg(plot->xAxis->axisRect()->width())));
        // The loss axis: its rotated label fits the axis' height, and its tick labels too.
        const QFontMetrics yMetrics(plot->yAxis->labelFont());
        const int axisHeight = plot->yAxis->axisRect()->height();
        QVERIFY2(
            yMetrics.horizontalAdvance(plot->yAxis->label()) < axisHeight,
            qPrintable(
                QString("label %1 on a %2 px axis").arg(plot->yAxis->label()).arg(axisHeight)));
        const QVector<QString> yLabels = plot->yAxis->tickVectorLabels();
        QVERIFY(yLabels.size() * QFontMetrics(plot->yAxis->tickLabelFont()).height() <
                axisHeight + QFontMetrics(plot->yAxis->tickLabelFont()).height());
        const double suggested = finder->suggestedLearningRate();
        QVERIFY2(suggested > 1e-7 && suggested < 10, qPrintable(QString::number(suggested)));
        auto* use = finder->findChild<QPushButton*>("useSuggestedLearningRateButton");
        QVERIFY(use && use->isVisible());
        QTest::mouseClick(use, Qt::LeftButton);
        const double set = page->findChild<QDoubleSpinBox*>("learningRateSpin")->value();
        // The field keeps six decimals.
        QVERIFY2(std::abs(set - suggested) <= 5e-7 + 1e-9,
                 qPrintable(QString("%1 vs %2").arg(set).arg(suggested)));
        QCOMPARE(page->request().settings.training.learningRate, set);
        qInfo() << "LR finder:" << finder->points() << "points, suggested" << suggested
                << "; longest GUI stall" << probe.longestMs() << "ms";
        QVERIFY(probe.longestMs() < 100);

        // The run's estimate, with the first run's advice, is readable whole in its room.
        auto* estimate = page->findChild<QLabel*>("estimateLabel");
        QTRY_VERIFY_WITH_TIMEOUT(
            !estimate->text().isEmpty() && !estimate->text().startsWith("Estimating"), 120000);
        QVERIFY2(estimate->heightForWidth(estimate->width()) <= estimate->height(),
                 qPrintable(estimate->text()));
    }

    void watchSetShowsPredictionsAfterEveryEpoch() {
        MainWindow window;
        window.show();
        QVERIFY(prepare(window, "p-watch"));
        // Pin three images on the Data page with the W key.
        auto* data = window.dataPage();
        window.showPage("Data");
        QList<qint64> pinned;
        for (int row = 0; row < 3; ++row) pinned << data->model()->record(row).id;
        data->selectImages(pinned);
        QTest::keyClick(data->grid(), Qt::Key_W);
        QCOMPARE(window.session()->watchedImages(), pinned);
        // The grid marks them.
        const auto watchedRole = fovea::ui::ImageListModel::WatchedRole;
        QVERIFY(data->model()->data(data->model()->index(0), watchedRole).toBool());
        QVERIFY(!data->model()->data(data->model()->index(3), watchedRole).toBool());
        auto* page = window.trainPage();
        auto* watch = page->watchSet();
        QCOMPARE(watch->rowCount(), 3);
        fovea::test::setShortRun(*page, 2);
        QSignalSpy finished(page, &fovea::ui::TrainPage::trainingFinished);
        QVERIFY(page->startTraining());
        QVERIFY(finished.wait(180000));
        QVERIFY(finished.first().first().value<TrainingOutcomeInfo>().ok);
        // Training gave every image a split through its own database connection and said so:
        // the Data grid shows the splits at once, and the user's selection stays.
        int labeled = 0;
        for (int row = 0; row < data->model()->rowCount(); ++row) {
            const auto& record = data->model()->record(row);
            if (!record.classId) continue;
            ++labeled;
            QVERIFY2(record.split.has_value(), qPrintable(QString::number(row)));
        }
        QVERIFY(labeled > 0);
        QCOMPARE(data->selectedImageIds(), pinned);
        // Before training, then after each of the two epochs; the newest first.
        QCOMPARE(watch->predictionColumns(), 3);
        QCOMPARE(watch->horizontalHeaderItem(0)->text(), QString("epoch 2"));
        QCOMPARE(watch->horizontalHeaderItem(2)->text(), QString("start"));
        for (int row = 0; row < 3; ++row) {
            for (int column = 0; column < 3; ++column) {
                QVERIFY(watch->item(row, column));
                QVERIFY2(watch->item(row, column)->text().endsWith('%'),
                         qPrintable(watch->item(row, column)->text()));
            }
        }
        // W again on the same selection unpins it.
        QTest::keyClick(data->grid(), Qt::Key_W);
        QVERIFY(window.session()->watchedImages().isEmpty());
        QVERIFY(!data->model()->data(data->model()->index(0), watchedRole).toBool());
        QCOMPARE(watch->rowCount(), 0);
    }

    void aNewProjectsFirstRunIsChosenAndItsTimeShownBeforeStart() {
        MainWindow window;
        window.show();
        QVERIFY(fovea::test::importNewProject(window, m_temp.path() + "/p-first", m_images));
        auto* page = window.trainPage();
        auto* size = page->findChild<QSpinBox*>("trainImageSizeSpin");
        QVERIFY(size);
        // Fashion-MNIST's 28 px garments: the default network at 96 px, not its own 224.
        QTRY_COMPARE_WITH_TIMEOUT(window.modelPage()->selection().imageSize, 96, 60000);
        QTRY_VERIFY_WITH_TIMEOUT(page->estimateText().startsWith("About"), 60000);
        QVERIFY2(page->estimateText().contains("at 96 px"), qPrintable(page->estimateText()));
        QVERIFY2(page->estimateText().contains("First run"), qPrintable(page->estimateText()));
        QCOMPARE(size->value(), 96);
        // The Train page's input size is the Model page's, both ways.
        size->setValue(128);
        QCOMPARE(window.modelPage()->selection().imageSize, 128);
        QTRY_VERIFY_WITH_TIMEOUT(page->estimateText().contains("at 128 px"), 60000);
        window.modelPage()->setImageSize(160);
        QCOMPARE(size->value(), 160);
        // The user's own choice is theirs: no first-run note any more.
        QVERIFY(!page->estimateText().contains("First run"));
    }

    // A project whose runs/ already holds a run (fovea-cli's, or the demo's) is past its first
    // run: its settings are the defaults, with no first-run note.
    void aProjectThatHasARunIsPastItsFirstRun() {
        const QString project = m_temp.path() + "/p-has-a-run";
        {
            auto store = fovea::core::ProjectStore::create(project.toStdString());
            QVERIFY(store.ok());
            QVERIFY(fovea::core::importFolder(store.value(), m_images.toStdString()).ok());
        }
        const QString error =
            fovea::test::trainTinyRun(m_images, project + "/runs/from-the-cli", 16, 1);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        MainWindow window;
        window.show();
        QVERIFY(window.openProject(project));
        auto* page = window.trainPage();
        QTRY_VERIFY_WITH_TIMEOUT(page->estimateText().startsWith("About"), 60000);
        QVERIFY2(!page->estimateText().contains("First run"), qPrintable(page->estimateText()));
    }

    // Issue 23: a run that another process trains (fovea-cli, a distributed run's rank 0 on a
    // shared filesystem) is followed from its files: charts, log and progress grow with them,
    // and the page says how it ended.
    void followsARunTrainedElsewhereAsItsFilesGrow() {
        MainWindow window;
        window.show();
        const QString project = m_temp.path() + "/p-follow";
        QVERIFY(fovea::test::importNewProject(window, project, m_images));
        const QString run = project + "/runs/elsewhere";
        QString trained;
        // Held until the page follows it: a tiny run could otherwise end before it is followed.
        fovea::core::TrainingControl control;
        control.pause();
        std::thread elsewhere(
            [&] { trained = fovea::test::trainTinyRun(project, run, 8, 4, &control); });
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo::exists(run + "/config.json"), 60000);
        fovea::ui::TrainPage* page = window.trainPage();
        QString error;
        fovea::test::setShortRun(*page, 7);
        const bool followed = page->followRun(run, &error);
        const bool following = page->isFollowing();
        control.resume();
        QVERIFY2(followed, qPrintable(error));
        QVERIFY(following);
        // The form shows the followed run's own settings, as for a resumed run.
        QCOMPARE(page->request().settings.training.epochs, 4);
        QTRY_VERIFY_WITH_TIMEOUT(!page->isFollowing(), 120000);
        elsewhere.join();
        QVERIFY2(trained.isEmpty(), qPrintable(trained));
        QCOMPARE(page->charts()->epochPoints(), 4);
        QVERIFY(page->charts()->batchPoints() > 0);
        const QString label = page->findChild<fovea::ui::ElidedLabel*>("trainingProgressLabel")
                                  ->property("text")
                                  .toString();
        QVERIFY2(label.startsWith("elsewhere finished after 4 of 4 epochs"), qPrintable(label));
        const QString log = page->findChild<QPlainTextEdit*>("trainingLog")->toPlainText();
        QVERIFY2(log.contains("epoch 4: train loss"), qPrintable(log));
        // Each line once stamped: log.txt's own time, shown as local time, not beside it.
        QVERIFY2(!log.contains(QRegularExpression(R"(\d\d:\d\d:\d\d  \d{4}-\d\d-\d\dT)")),
                 qPrintable(log));
    }

    // Issue 23: Cluster Command… writes the page's settings into the project and shows the
    // torchrun command that trains them on every process; the file holds every setting (the
    // Model page's head included) as fovea-cli train --settings reads it.
    void clusterCommandStartsTheseSettingsWithTorchrun() {
        MainWindow window;
        window.show();
        QVERIFY(fovea::test::importNewProject(window, m_temp.path() + "/p-cluster", m_images));
        window.showPage("Train");
        fovea::ui::TrainPage* page = window.trainPage();
        QString command;
        QString commandForTwo;
        QString copied;
        bool writtenBeforeCopy = true;
        QTimer::singleShot(200, this, [&] {
            auto* dialog =
                qobject_cast<fovea::ui::ClusterCommandDialog*>(QApplication::activeModalWidget());
            if (!dialog) return;
            command = dialog->command();
            dialog->findChild<QSpinBox*>("clusterMachinesSpin")->setValue(2);
            dialog->findChild<QLineEdit*>("clusterAddressEdit")->setText("node-a");
            commandForTwo = dialog->command();
            // Opening wrote nothing; Copy Command writes the settings the command reads.
            const QString file = command.section(" --settings ", 1).section(' ', 0, 0);
            writtenBeforeCopy = QFileInfo::exists(file);
            dialog->findChild<QPushButton*>("copyClusterCommandButton")->click();
            copied = QApplication::clipboard()->text();
            if (qEnvironmentVariableIsSet("FOVEA_TEST_SCREENSHOTS")) {
                dialog->grab().save(qEnvironmentVariable("FOVEA_TEST_SCREENSHOTS") +
                                    "/cluster-command.png");
            }
            dialog->reject();
        });
        auto* button = page->findChild<QPushButton*>("clusterCommandButton");
        // Whole beside Start, Pause and Stop in the settings' fixed width (it was cut).
        for (auto* runButton : page->findChildren<QPushButton*>()) {
            if (!runButton->isVisible() || runButton->text().isEmpty()) continue;
            QVERIFY2(runButton->width() >=
                         runButton->fontMetrics().horizontalAdvance(runButton->text()) + 8,
                     qPrintable(runButton->text()));
        }
        button->click();
        QVERIFY(!writtenBeforeCopy);
        QCOMPARE(copied, commandForTwo);
        QVERIFY2(command.startsWith("torchrun --nnodes 1 --nproc_per_node 2 "),
                 qPrintable(command));
        QVERIFY2(command.contains(" --no_python fovea-cli train --settings "), qPrintable(command));
        QVERIFY2(
            commandForTwo.contains("--nnodes 2") && commandForTwo.contains("--master_addr node-a"),
            qPrintable(commandForTwo));

        const QString settingsFile = command.section(" --settings ", 1).section(' ', 0, 0);
        const QString runFolder = command.section(" --out ", 1).section(' ', 0, 0);
        QVERIFY2(settingsFile.startsWith(window.session()->folder() + "/cluster/"),
                 qPrintable(settingsFile));
        QVERIFY2(runFolder.startsWith(window.session()->runsFolder() + "/"), qPrintable(runFolder));
        std::ifstream file(settingsFile.toStdString());
        QVERIFY(file.good());
        auto settings = fovea::core::runSettingsFromJson(nlohmann::json::parse(file));
        QVERIFY2(settings, settings ? "" : settings.error().message.c_str());
        QCOMPARE(fovea::core::toJson(settings.value()).dump(),
                 fovea::core::toJson(page->request().settings).dump());
    }

    // Run folders are named by the second they start in: a run started in the same second as
    // another (a short one on a fast machine) gets a folder of its own, not an error.
    void aRunStartedInTheSameSecondAsAnotherGetsItsOwnFolder() {
        MainWindow window;
        window.show();
        QVERIFY(prepare(window, "p-same-second"));
        auto* page = window.trainPage();
        fovea::test::setShortRun(*page, 1);
        const QString architecture = page->request().model.architecture;
        const QDateTime now = QDateTime::currentDateTime();
        for (int second = 0; second < 3; ++second) {
            const QString taken =
                now.addSecs(second).toString("yyyyMMdd-HHmmss") + "-" + architecture;
            QVERIFY(QDir(window.session()->folder()).mkpath("runs/" + taken));
        }
        QSignalSpy finished(page, &fovea::ui::TrainPage::trainingFinished);
        QString error;
        QVERIFY2(page->startTraining(&error), qPrintable(error));
        QVERIFY2(page->currentRunFolder().endsWith(architecture + "-2"),
                 qPrintable(page->currentRunFolder()));
        QVERIFY(finished.wait(120000));
        const auto outcome = finished.first().first().value<TrainingOutcomeInfo>();
        QVERIFY2(outcome.ok, qPrintable(outcome.message));
    }

    void closingTheWindowDuringTrainingSaysItIsWritingTheCheckpoint() {
        QString runFolder;
        {
            auto* window = new MainWindow;
            window->show();
            QVERIFY(prepare(*window, "p-close"));
            auto* page = window->trainPage();
            fovea::test::setShortRun(*page, 50);
            QSignalSpy batches(page->worker(), &fovea::ui::TrainingWorker::batchReported);
            QSignalSpy finished(page, &fovea::ui::TrainPage::trainingFinished);
            QVERIFY(page->startTraining());
            QVERIFY(batches.wait(60000));
            runFolder = page->currentRunFolder();
            // The window stays, saying why, instead of freezing while the checkpoint is written.
            QVERIFY(!window->close());
            QVERIFY(window->isVisible());
            auto* waiting = window->findChild<QProgressDialog*>("quitWhileTrainingDialog");
            QVERIFY(waiting);
            QVERIFY(waiting->isVisible());
            QVERIFY2(waiting->labelText().contains("checkpoint"), qPrintable(waiting->labelText()));
            QVERIFY(finished.wait(60000));
            QTRY_VERIFY(!window->isVisible());  // closed by itself once the run ended
            delete window;
        }
        QVERIFY(hasCheckpoint(runFolder));
    }

    void chartsRedrawARunsHistoryAndRestartWhereAResumedRunGoesBack() {
        fovea::ui::TrainingCharts charts;
        fovea::core::ScalarCurves history;
        for (std::int64_t step = 1; step <= 10; ++step) {
            history[fovea::core::run_layout::kBatchLossTag].push_back({step, 2.0 - 0.1 * step});
            history[fovea::core::run_layout::kBatchLearningRateTag].push_back({step, 1e-3});
        }
        charts.addBatchHistory(history);
        QCOMPARE(charts.batchPoints(), 10);
        // The step axis starts at 0 and leaves room after the last point (its marker whole).
        QTRY_VERIFY(charts.redraws() > 1);
        QCOMPARE(charts.lossPlot()->xAxis->range().lower, 0.0);
        QVERIFY(charts.lossPlot()->xAxis->range().upper > 10.2);
        QCOMPARE(charts.learningRatePlot()->graph(0)->dataCount(), 10);
        // Steps and epochs are counted: every tick is on a whole number (not 2.5, 7.5).
        charts.resize(500, 600);
        charts.show();
        for (QCustomPlot* plot : {charts.lossPlot(), charts.accuracyPlot()}) {
            plot->replot();
            const QVector<double> ticks = plot->xAxis->tickVector();
            QVERIFY(ticks.size() >= 2);
            for (double tick : ticks) QCOMPARE(tick, std::round(tick));
        }
        // Resumed from a checkpoint at step 5: step 6 is trained again, 7-10 are gone.
        fovea::core::BatchProgress again;
        again.step = 6;
        again.batchesInEpoch = 5;
        again.loss = 0.25;
        again.learningRate = 5e-4;
        charts.addBatch(again);
        QCOMPARE(charts.batchPoints(), 6);
        QCOMPARE(charts.learningRatePlot()->graph(0)->dataCount(), 6);
        QCOMPARE(charts.lossPlot()->graph(0)->data()->at(5)->value, 0.25);
        // The smoothed curve goes on from step 5's smoothed value, not from step 10's.
        const double smoothedAt5 = charts.lossPlot()->graph(1)->data()->at(4)->value;
        QCOMPARE(charts.lossPlot()->graph(1)->data()->at(5)->value, 0.9 * smoothedAt5 + 0.1 * 0.25);
    }
};

QTEST_MAIN(TrainPageTest)
#include "train_page_test.moc"
