// The workbench's Model, Train and Runs pages on a detection project (issue 24, points 3 and 4),
// driven like a user through the window: a real detection project (PNG files written here with
// boxes from a COCO file, imported by the store's detection import), a detector picked on the
// Model page, parts of the freeze map toggled, a tiny real training run started from the Train
// page (6 images at 96 px, one epoch), its charts getting points and the run listed on the Runs
// page with its mAP.

#include <filesystem>

#include <QDir>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include "fovea/core/project/project_store.h"
#include "fovea/core/session/detection_freezing.h"
#include "fovea/ui/main_window.h"
#include "model/detection_model_panel.h"
#include "model/detection_project_settings.h"
#include "model/model_page.h"
#include "project/project_session.h"
#include "qcustomplot_wrapper.h"
#include "runs/detection_run_info.h"
#include "runs/runs_page.h"
#include "train/detection_settings_form.h"
#include "train/detection_training_worker.h"
#include "train/train_page.h"
#include "train/training_charts.h"
#include "train/watch_set_view.h"
#include "ui_detection_scenes.h"
#include "ui_test_window.h"

using namespace fovea::ui;
namespace core = fovea::core;

class DetectionWorkbenchTest : public QObject {
    Q_OBJECT

    QTemporaryDir m_temp;
    QString m_project;

    static QString cell(QTableWidget* table, int row, int column) {
        return table->item(row, column) ? table->item(row, column)->text() : QString();
    }

    static bool waitFor(const std::function<bool()>& done, int ms) {
        QElapsedTimer waited;
        waited.start();
        while (!done() && waited.elapsed() < ms) QTest::qWait(50);
        return done();
    }

  private Q_SLOTS:
    void initTestCase() {
        fovea::test::useTestSettings("FoveaDetectionWorkbenchTest");
        QVERIFY(m_temp.isValid());
        const QString made = fovea::test::makeDetectionScenes(m_temp.path(), 6);
        QVERIFY2(made.isEmpty(), qPrintable(made));
        m_project = m_temp.path() + "/project";
        auto store = core::ProjectStore::open(m_project.toStdString());
        QVERIFY2(store, store ? "" : store.error().message.c_str());
        auto counts = store.value().classBoxCounts();
        QVERIFY(counts.ok());
        std::int64_t boxes = 0;
        for (const auto& c : counts.value()) boxes += c.boxes;
        QCOMPARE(boxes, std::int64_t(6));
    }

    // The Model page lists the four detectors, shows the chosen one's parts with their counts,
    // and saves what is clicked.
    void modelPageChoosesDetectorAndFreezing() {
        MainWindow window;
        QString error;
        QVERIFY2(window.openProject(m_project, &error), qPrintable(error));
        DetectionModelPanel* panel = window.modelPage()->detectionPanel();
        QVERIFY(!panel->isHidden());
        QCOMPARE(panel->detectorTable()->rowCount(), 4);
        QCOMPARE(cell(panel->detectorTable(), 0, 0), QString("fasterrcnn_mobilenet_v2_fpn"));
        QVERIFY(cell(panel->detectorTable(), 3, 2).contains("download"));

        panel->setArchitecture("fasterrcnn_mobilenet_v3_large_320_fpn");
        panel->setWeights("none");
        QVERIFY(waitFor([&] { return panel->isLayoutReady(); }, 60000));
        QTableWidget* map = panel->freezeMap();
        QCOMPARE(map->rowCount(), 6 + 4);  // MobileNetV3's six stages, FPN, RPN, head, predictor
        QCOMPARE(cell(map, 6, 0), QString("FPN"));
        QCOMPARE(cell(map, 9, 0), QString("Box predictor"));
        // From random weights every stage trains, as torchvision builds it.
        for (int row = 0; row < map->rowCount(); ++row) {
            QCOMPARE(cell(map, row, 2), QString("trainable"));
        }
        const qint64 total = panel->totalParameters();
        QCOMPARE(panel->trainableParameters(), total);
        QVERIFY(total > 1000000);

        // Freezing the FPN takes exactly its parameters out of training.
        const qint64 before = panel->trainableParameters();
        panel->toggleFreezeRow(6);
        QCOMPARE(cell(map, 6, 2), QString("frozen"));
        const qint64 fpn = before - panel->trainableParameters();
        QVERIFY(fpn > 0);
        // Clicking a trainable stage freezes it and every earlier one: 3 of 6 stages train.
        panel->toggleFreezeRow(2);
        for (int row = 0; row < 6; ++row) {
            QCOMPARE(cell(map, row, 2), QString(row < 3 ? "frozen" : "trainable"));
        }
        // Clicking a frozen stage makes it and every later one trainable again.
        panel->toggleFreezeRow(1);
        QCOMPARE(cell(map, 0, 2), QString("frozen"));
        QCOMPARE(cell(map, 1, 2), QString("trainable"));
        panel->toggleFreezeRow(2);  // stage 3 trains again: this freezes stages 1 to 3
        QVERIFY(panel->findChild<QLabel*>("detectorParameterCounts")->text().contains("3 of 6"));

        const auto saved = loadDetectionSettings(window.session()->store());
        QCOMPARE(saved.architecture, std::string("fasterrcnn_mobilenet_v3_large_320_fpn"));
        QCOMPARE(saved.weights, std::string("none"));
        QCOMPARE(saved.trainableBackboneLayers, std::int64_t(3));
        QCOMPARE(saved.frozenParts, std::vector<std::string>{core::kDetectorFpn});

        // The page speaks of detectors, not of a classifier's network.
        QStringList texts;
        for (QLabel* label : window.modelPage()->findChildren<QLabel*>()) {
            if (label->isVisibleTo(window.modelPage())) texts << label->text();
        }
        QVERIFY2(texts.join("\n").contains("Choose the detector"), qPrintable(texts.join("\n")));
        QVERIFY(!texts.join("\n").contains("Choose the network"));

        // Another class gives the box predictor another row of weights: its count follows.
        const qint64 oneClass = panel->totalParameters();
        const auto added = window.session()->store().addClass("second");
        QVERIFY(added);
        Q_EMIT window.session()->classesChanged();
        // (0 while the layout for two classes is being built.)
        QVERIFY(waitFor(
            [&] { return panel->isLayoutReady() && panel->totalParameters() != oneClass; }, 60000));
        // FastRCNNPredictor: a score and four box coordinates per class from the box head's
        // 1024 features (weights and bias).
        QCOMPARE(panel->totalParameters() - oneClass, qint64(5 * (1024 + 1)));
        // Removed again, the counts are the one class's (the next test trains on it).
        QVERIFY(window.session()->store().deleteClass(added.value()));
        Q_EMIT window.session()->classesChanged();
        QVERIFY(waitFor(
            [&] { return panel->isLayoutReady() && panel->totalParameters() == oneClass; }, 60000));
    }

    // Start on the Train page trains the Model page's choice; the charts get each loss and the
    // validation mAP, and the run is listed on the Runs page.
    void trainsFromTheTrainPageAndListsTheRun() {
        MainWindow window;
        QString error;
        QVERIFY2(window.openProject(m_project, &error), qPrintable(error));
        window.showPage("Train");
        TrainPage* page = window.trainPage();
        DetectionSettingsForm* form = page->detectionForm();
        QVERIFY(form->isVisibleTo(page));
        QVERIFY(page->charts()->isDetection());
        // The watch set shows a classifier's guesses: not offered for a detector.
        QVERIFY(!page->watchSet()->isVisibleTo(page));
        core::DetectionTrainingSettings settings = form->settings({});
        settings.epochs = 1;
        settings.batchSize = 2;
        settings.minSize = 96;
        settings.augmentation.minScale = 1.0;
        settings.validationFraction = 0.34;
        settings.device = core::DevicePreference::Cpu;
        form->setSettings(settings);

        QSignalSpy finished(page->detectionWorker(), &DetectionTrainingWorker::finished);
        QVERIFY2(page->startTraining(&error), qPrintable(error));
        QVERIFY(page->isTraining());
        // The mAP chart's epoch axis is the run's one epoch from the start.
        const QCPRange epochs = page->charts()->accuracyPlot()->xAxis->range();
        QCOMPARE(epochs.lower, 0.5);
        QCOMPARE(epochs.upper, 1.5);
        QVERIFY(fovea::test::received(finished, 300000));
        const auto outcome = finished.first().at(0).value<TrainingOutcomeInfo>();
        QVERIFY2(outcome.ok, qPrintable(outcome.message));
        QCOMPARE(outcome.outcome, QString("completed"));
        QVERIFY(outcome.message.contains("mAP"));
        QVERIFY(page->charts()->batchPoints() > 0);
        QCOMPARE(page->charts()->epochPoints(), 1);
        QCOMPARE(page->charts()->accuracyPlot()->graph(1)->dataCount(), 1);  // mAP
        QCOMPARE(page->charts()->accuracyPlot()->graph(2)->dataCount(), 1);  // AP50
        QCOMPARE(page->charts()->lossPlot()->graph(4)->dataCount(), 1);      // loss_classifier

        // The run recorded the Model page's freezing.
        const auto config = nlohmann::json::parse(
            std::ifstream((outcome.runFolder + "/config.json").toStdString()));
        QCOMPARE(config["settings"]["frozen_parts"], nlohmann::json({"backbone.fpn"}));
        QCOMPARE(config["trainable_backbone_layers"].get<int>(), 3);
        QCOMPARE(config["min_size"].get<int>(), 96);

        RunsPage* runs = window.runsPage();
        runs->refresh();
        QCOMPARE(runs->runs().size(), 1);
        QCOMPARE(runs->runs().front().status, core::RunStatus::Finished);
        QTableWidget* table = runs->table();
        QCOMPARE(cell(table, 0, RunsPage::ArchitectureColumn),
                 QString("fasterrcnn_mobilenet_v3_large_320_fpn"));
        QCOMPARE(cell(table, 0, RunsPage::EpochsColumn), QString("1/1"));
        // The project's runs are detection runs: the header names COCO's figures, and the
        // validation loss they do not have is not shown.
        QCOMPARE(table->horizontalHeaderItem(RunsPage::AccuracyColumn)->text(),
                 QString("Best val. mAP · AP50"));
        QVERIFY(table->isColumnHidden(RunsPage::LossColumn));
        const QString figures = cell(table, 0, RunsPage::AccuracyColumn);
        QVERIFY2(QRegularExpression("^\\d\\.\\d{3} · \\d\\.\\d{3}$").match(figures).hasMatch(),
                 qPrintable(figures));
        const auto info = readDetectionRunInfo(outcome.runFolder.toStdString());
        QVERIFY(info && info->bestMap);
        QVERIFY(figures.startsWith(QString::number(*info->bestMap, 'f', 3)));

        // The Model page says the detector trains at this project's size, not its default; a
        // size changed on the Train page shows there.
        auto* minSize = form->findChild<QSpinBox*>("detectionMinSizeSpin");
        QVERIFY(minSize);
        minSize->setValue(128);
        window.show();  // pages learn what changed elsewhere as they are shown
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.showPage("Model");
        auto* note = window.modelPage()->detectionPanel()->findChild<QLabel*>("detectorNote");
        QVERIFY(note);
        QVERIFY2(note->text().contains(QString("trains it at 128\u00a0px")),
                 qPrintable(note->text()));
        window.showPage("Runs");

        // What the Runs page cannot do with detection runs yet, its greyed buttons say.
        auto* startFrom = runs->findChild<QPushButton*>("startFromRunButton");
        auto* compare = runs->findChild<QPushButton*>("compareRunsButton");
        QVERIFY(startFrom && compare);
        runs->selectRuns({outcome.runFolder});
        QVERIFY(!startFrom->isEnabled());
        QVERIFY2(startFrom->toolTip().contains("detection run's settings"),
                 qPrintable(startFrom->toolTip()));
        const std::filesystem::path copy =
            std::filesystem::path(outcome.runFolder.toStdString()).parent_path() / "copy";
        std::filesystem::copy(outcome.runFolder.toStdString(), copy,
                              std::filesystem::copy_options::recursive);
        runs->refresh();
        QCOMPARE(runs->runs().size(), 2);
        runs->selectRuns({outcome.runFolder, QString::fromStdString(copy.string())});
        QCOMPARE(runs->selectedFolders().size(), 2);
        QVERIFY(!compare->isEnabled());
        QVERIFY2(compare->toolTip().contains("Detection runs cannot be compared"),
                 qPrintable(compare->toolTip()));
    }
};

QTEST_MAIN(DetectionWorkbenchTest)
#include "detection_workbench_test.moc"
