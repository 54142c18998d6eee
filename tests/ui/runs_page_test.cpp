// The Runs page on a real project with real runs trained through the window: the list read
// from the run folders (newest first, status and figures, also folders written by another
// process), resuming a stopped run from the page, comparing runs, starting a new run from
// one, renaming and deleting, and a reopened project showing its last finished run.
#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QSysInfo>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "evaluate/evaluate_page.h"
#include "evaluate/run_evaluation.h"
#include "export/export_page.h"
#include "fovea/ui/main_window.h"
#include "model/model_page.h"
#include "predict/model_predictor.h"
#include "predict/predict_page.h"
#include "qcustomplot_wrapper.h"
#include "runs/run_comparison.h"
#include "runs/runs_page.h"
#include "runs/settings_diff.h"
#include "train/train_page.h"
#include "train/training_charts.h"
#include "train/training_worker.h"
#include "ui_test_project.h"
#include "ui_test_window.h"
#include "widgets/elided_label.h"

using fovea::ui::MainWindow;
using fovea::ui::RunsPage;
using fovea::ui::TrainingOutcomeInfo;
namespace fs = std::filesystem;

namespace {

QString cellText(const QTableWidget* table, int row, int column) {
    const QTableWidgetItem* item = table->item(row, column);
    return item ? item->text() : QString();
}

int rowOf(const RunsPage& page, const QString& folder) {
    const auto& runs = page.runs();
    for (int row = 0; row < runs.size(); ++row) {
        if (QString::fromStdString(runs[row].folder.string()) == folder) return row;
    }
    return -1;
}

}  // namespace

class RunsPageTest : public QObject {
    Q_OBJECT
  private:
    QTemporaryDir m_temp;
    QString m_project;
    MainWindow* m_window = nullptr;
    QString m_finished;  // 2 epochs, completed
    QString m_stopped;   // 3 epochs planned, stopped after the first

    TrainingOutcomeInfo train(int epochs, bool stopAfterFirstEpoch) {
        auto* page = m_window->trainPage();
        fovea::test::setShortRun(*page, epochs);
        QSignalSpy finished(page, &fovea::ui::TrainPage::trainingFinished);
        QSignalSpy epochsDone(page->worker(), &fovea::ui::TrainingWorker::epochReported);
        QString error;
        if (!page->startTraining(&error)) {
            qWarning() << error;
            return {};
        }
        if (stopAfterFirstEpoch) {
            if (!epochsDone.wait(120000)) return {};
            page->stopTraining();
        }
        if (!finished.wait(180000)) return {};
        return finished.first().first().value<TrainingOutcomeInfo>();
    }

  private Q_SLOTS:
    void initTestCase() {
        fovea::test::useTestSettings("FoveaRunsPageTest");
        // Deleted runs go to the trash of the test-mode data folder (~/.qttest/share), not the
        // user's; Qt needs that folder to exist to make its trash there.
        QVERIFY(
            QDir().mkpath(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)));
        const QString images = m_temp.path() + "/images";
        QVERIFY(fovea::test::writeUiTestImages(images, 3, 8, 0).labeled > 0);
        m_window = new MainWindow;
        m_window->show();
        m_project = m_temp.path() + "/project";
        QVERIFY(fovea::test::importNewProject(*m_window, m_project, images));
        QVERIFY(fovea::test::chooseSmallNetwork(*m_window));

        const TrainingOutcomeInfo finished = train(2, false);
        QCOMPARE(finished.outcome, QString("completed"));
        m_finished = finished.runFolder;
        QTest::qWait(1100);  // run folders are named by the second they start
        const TrainingOutcomeInfo stopped = train(3, true);
        QCOMPARE(stopped.outcome, QString("stopped"));
        m_stopped = stopped.runFolder;
    }

    void cleanupTestCase() { delete m_window; }

    void listsTheRunsNewestFirstWithStatusAndFigures() {
        m_window->showPage("Runs");
        RunsPage* page = m_window->runsPage();
        QTableWidget* table = page->table();
        QTRY_COMPARE(table->rowCount(), 2);
        QCOMPARE(rowOf(*page, m_stopped), 0);
        QCOMPARE(rowOf(*page, m_finished), 1);
        QCOMPARE(cellText(table, 0, RunsPage::StatusColumn), QString("Stopped"));
        QCOMPARE(cellText(table, 0, RunsPage::EpochsColumn), QString("1/3"));
        QCOMPARE(cellText(table, 1, RunsPage::StatusColumn), QString("Finished"));
        QCOMPARE(cellText(table, 1, RunsPage::EpochsColumn), QString("2/2"));
        QCOMPARE(cellText(table, 1, RunsPage::ArchitectureColumn), QString("mobilenet_v3_small"));
        QVERIFY2(cellText(table, 1, RunsPage::AccuracyColumn).endsWith("%"),
                 qPrintable(cellText(table, 1, RunsPage::AccuracyColumn)));
        QVERIFY(!cellText(table, 1, RunsPage::WeightsColumn).isEmpty());

        // The buttons follow what the selected run allows.
        const int tableHeight = table->height();
        page->selectRuns({m_stopped});
        QCOMPARE(table->height(), tableHeight);  // the details' room is fixed: nothing jumps
        QVERIFY(page->findChild<QPushButton*>("resumeRunButton")->isEnabled());
        QVERIFY(!page->findChild<QPushButton*>("openRunButton")->isEnabled());
        // A greyed Open says why.
        QVERIFY(page->findChild<QPushButton*>("openRunButton")->toolTip().contains("no model yet"));
        page->selectRuns({m_finished});
        QCOMPARE(table->height(), tableHeight);
        // The details say what the run trained, from its config.json.
        const QString details = page->findChild<QLabel*>("runDetails")->text();
        QVERIFY2(details.contains("mobilenet_v3_small") && details.contains(" px · batch ") &&
                     details.contains("learning rate") && details.contains("2 epochs") &&
                     details.contains("validation images"),
                 qPrintable(details));
        QVERIFY(!page->findChild<QPushButton*>("resumeRunButton")->isEnabled());
        QVERIFY(page->findChild<QPushButton*>("openRunButton")->isEnabled());
        QVERIFY(!page->findChild<QPushButton*>("compareRunsButton")->isEnabled());
        page->selectRuns({m_finished, m_stopped});
        QVERIFY(page->findChild<QPushButton*>("compareRunsButton")->isEnabled());
    }

    // Opening a project whose newest run stopped before its end (the window was closed during
    // it) says so on the Train page, where a new run would otherwise start over by mistake.
    void aProjectOpenedAfterAStoppedRunSaysItCanBeResumed() {
        MainWindow window;
        window.show();
        QString error;
        QVERIFY2(window.openProject(m_project, &error), qPrintable(error));
        const QString note = window.trainPage()
                                 ->findChild<fovea::ui::ElidedLabel*>("trainingProgressLabel")
                                 ->property("text")
                                 .toString();
        QVERIFY2(note.contains(QFileInfo(m_stopped).fileName()) && note.contains("1 of 3 epochs") &&
                     note.endsWith("Resume it on the Runs page."),
                 qPrintable(note));
    }

    void runFoldersWrittenElsewhereAppearByThemselves() {
        RunsPage* page = m_window->runsPage();
        // As another process or machine leaves them in runs/: one that failed, one whose
        // process died mid-run on this machine.
        const fs::path runs = fs::path(m_project.toStdString()) / "runs";
        const fs::path failed = runs / "from-another-machine";
        fs::copy(m_finished.toStdString(), failed, fs::copy_options::recursive);
        fs::remove(failed / "model.safetensors");
        std::ofstream(failed / "failure.json") << nlohmann::json{
            {"message", "CUDA out of memory on node-3"},
            {"failed", "2026-01-01T00:00:00Z"}}.dump();
        const fs::path died = runs / "killed-run";
        fs::copy(m_stopped.toStdString(), died, fs::copy_options::recursive);
        fs::remove(died / "summary.json");
        // A pid above Linux's largest (pid_max is at most 2^22): no process has it.
        std::ofstream(died / "running.json") << nlohmann::json{
            {"pid", 999999999},
            {"host", QSysInfo::machineHostName().toStdString()},
            {"started", "2026-01-01T00:00:00Z"}}.dump();

        QTRY_COMPARE_WITH_TIMEOUT(page->table()->rowCount(), 4, 10000);
        const int failedRow = rowOf(*page, QString::fromStdString(failed.string()));
        QVERIFY(failedRow >= 0);
        QCOMPARE(cellText(page->table(), failedRow, RunsPage::StatusColumn), QString("Failed"));
        QCOMPARE(page->table()->item(failedRow, RunsPage::StatusColumn)->toolTip(),
                 QString("CUDA out of memory on node-3"));
        page->selectRuns({QString::fromStdString(failed.string())});
        QVERIFY(page->findChild<QLabel*>("runDetails")->text().contains("CUDA out of memory"));
        const int diedRow = rowOf(*page, QString::fromStdString(died.string()));
        QCOMPARE(cellText(page->table(), diedRow, RunsPage::StatusColumn), QString("Interrupted"));
        QVERIFY(page->runs()[diedRow].resumable());
        auto* follow = page->findChild<QPushButton*>("followRunButton");
        page->selectRuns({QString::fromStdString(died.string())});
        QVERIFY(!follow->isEnabled());  // nothing trains it

        // One that a process on another machine is training: Follow shows it on the Train page.
        const fs::path elsewhere = runs / "on-node-7";
        fs::copy(m_stopped.toStdString(), elsewhere, fs::copy_options::recursive);
        fs::remove(elsewhere / "summary.json");
        std::ofstream(elsewhere / "running.json") << nlohmann::json{
            {"pid", 4321},
            {"host", "node-7"},
            {"started", "2026-01-01T00:00:00Z"}}.dump();
        QTRY_COMPARE_WITH_TIMEOUT(page->table()->rowCount(), 5, 10000);
        const QString followed = QString::fromStdString(elsewhere.string());
        page->selectRuns({followed});
        QCOMPARE(cellText(page->table(), rowOf(*page, followed), RunsPage::StatusColumn),
                 QString("Running"));
        QVERIFY(follow->isEnabled());
        follow->click();
        QCOMPARE(m_window->currentPageName(), QString("Train"));
        QVERIFY(m_window->trainPage()->isFollowing());
        QTRY_VERIFY(m_window->trainPage()->charts()->epochPoints() > 0);
        fs::remove_all(elsewhere);
        QTRY_VERIFY(!m_window->trainPage()->isFollowing());  // its folder went
        m_window->showPage("Runs");
        QTRY_COMPARE_WITH_TIMEOUT(page->table()->rowCount(), 4, 10000);
    }

    void comparesRunsCurvesAndSettings() {
        RunsPage* page = m_window->runsPage();
        fovea::ui::RunComparison* comparison = page->compareRuns({m_finished, m_stopped});
        QVERIFY(comparison);
        QCustomPlot* accuracy = comparison->validationAccuracyPlot();
        QCOMPARE(accuracy->graphCount(), 2);
        QCOMPARE(accuracy->graph(0)->dataCount(), 2);
        QCOMPARE(accuracy->graph(1)->dataCount(), 1);
        QCOMPARE(comparison->trainingLossPlot()->graph(0)->dataCount(), 2);
        // The legend sits below the axes, never over the curves.
        QVERIFY(!accuracy->axisRect()->insetLayout()->elements(false).contains(accuracy->legend));
        const QStringList differing = comparison->differingSettings();
        QVERIFY2(differing.contains("training.epochs"), qPrintable(differing.join(", ")));
        QVERIFY2(!differing.contains("network.architecture"), qPrintable(differing.join(", ")));
        QVERIFY(!differing.contains("created"));
        QVERIFY(comparison->findChild<QLabel*>("sameSettingsNote")->isHidden());
        // The table names settings as people read them, config.json's key in the tooltip.
        auto* table = comparison->findChild<QTableWidget*>();
        QVERIFY(table);
        bool epochsShown = false;
        for (int r = 0; r < table->rowCount(); ++r) {
            const QTableWidgetItem* header = table->verticalHeaderItem(r);
            QVERIFY2(!header->text().contains('_'), qPrintable(header->text()));
            if (header->toolTip() == "training.epochs") {
                QCOMPARE(header->text(), QString("Epochs (training)"));
                epochsShown = true;
            }
        }
        QVERIFY(epochsShown);
        // A run and its copy were started alike: the table says so rather than stay empty.
        fovea::ui::RunComparison* same =
            page->compareRuns({m_finished, m_project + "/runs/from-another-machine"});
        QVERIFY(same->differingSettings().isEmpty());
        QVERIFY(!same->findChild<QLabel*>("sameSettingsNote")->isHidden());
        same->close();
        comparison->show();
        QVERIFY(QTest::qWaitForWindowExposed(comparison));
        comparison->grab().save(m_temp.path() + "/comparison.png");
        comparison->close();
    }

    // A setting left to Fovea (null in config.json, e.g. a fovea-cli run's freezing) reads
    // "default", never "null".
    void aSettingNotGivenReadsDefault() {
        const auto rows = fovea::ui::compareSettings(
            {nlohmann::json{{"network", {{"freeze", nullptr}}}},
             nlohmann::json{{"network", {{"freeze", {"stem", "layer1"}}}}}});
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows[0].values, (QStringList{"default", "stem, layer1"}));
        QVERIFY(rows[0].differs);
    }

    // Runs that froze the same blocks, one by naming them and one by the weights' own choice,
    // do not differ in their freezing: the blocks each recorded are compared.
    void theSameFrozenBlocksAskedForDifferentlyAreNoDifference() {
        const nlohmann::json frozen = {"stem", "block0"};
        const auto rows = fovea::ui::compareSettings(
            {nlohmann::json{{"network", {{"freeze", nullptr}, {"frozen_blocks", frozen}}}},
             nlohmann::json{
                 {"network",
                  {{"freeze", frozen}, {"freeze_up_to", "block0"}, {"frozen_blocks", frozen}}}}});
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows[0].key, QString("network.frozen_blocks"));
        QVERIFY(!rows[0].differs);
    }

    // Long lists of frozen blocks read as the Runs page says them, so the count shows.
    void frozenBlocksReadAsARange() {
        const nlohmann::json eleven = {"stem",   "block0", "block1", "block2", "block3", "block4",
                                       "block5", "block6", "block7", "block8", "block9"};
        nlohmann::json twelve = eleven;
        twelve.push_back("block10");
        const auto rows =
            fovea::ui::compareSettings({nlohmann::json{{"network", {{"frozen_blocks", eleven}}}},
                                        nlohmann::json{{"network", {{"frozen_blocks", twelve}}}}});
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows[0].values,
                 QStringList({"stem to block9 (11 blocks)", "stem to block10 (12 blocks)"}));
        QVERIFY(rows[0].differs);
    }

    // Plumbing (version, workers, cache sizes) and the settings of a schedule or optimizer no
    // compared run uses are left out; an empty map reads "none".
    void onlySettingsThatShapeARunAreCompared() {
        const auto run = [](const char* schedule, const char* optimizer) {
            return nlohmann::json{{"config_version", 2},
                                  {"workers", 0},
                                  {"training",
                                   {{"schedule", schedule},
                                    {"optimizer", optimizer},
                                    {"onecycle_div_factor", 25.0},
                                    {"step_gamma", 0.1},
                                    {"momentum", 0.9},
                                    {"beta1", 0.9},
                                    {"feature_cache_memory_bytes", 1 << 30},
                                    {"block_lr_multipliers", nlohmann::json::object()}}}};
        };
        const auto rows =
            fovea::ui::compareSettings({run("cosine", "adamw"), run("step", "adamw")});
        QStringList keys;
        for (const auto& row : rows) keys << row.key;
        QCOMPARE(keys,
                 (QStringList{"training.beta1", "training.block_lr_multipliers",
                              "training.optimizer", "training.schedule", "training.step_gamma"}));
        QCOMPARE(rows[1].values, (QStringList{"none", "none"}));
    }

    void startsANewRunFromARunsSettings() {
        RunsPage* page = m_window->runsPage();
        // Something else on the pages first, so that the run's settings must replace it.
        fovea::test::setShortRun(*m_window->trainPage(), 7);
        page->selectRuns({m_finished});
        page->findChild<QPushButton*>("startFromRunButton")->click();
        QCOMPARE(m_window->currentPageName(), QString("Train"));
        QCOMPARE(m_window->trainPage()->request().settings.training.epochs, 2);
        QCOMPARE(m_window->modelPage()->selection().architecture, QString("mobilenet_v3_small"));
        QCOMPARE(m_window->modelPage()->selection().imageSize, 64);
    }

    void resumesAStoppedRunFromThePage() {
        RunsPage* page = m_window->runsPage();
        m_window->showPage("Runs");
        page->refresh();
        page->selectRuns({m_stopped});
        auto* train = m_window->trainPage();
        QSignalSpy finished(train, &fovea::ui::TrainPage::trainingFinished);
        // Other settings on the form first: resuming shows the run's own.
        fovea::test::setShortRun(*train, 9);
        page->findChild<QPushButton*>("resumeRunButton")->click();
        QVERIFY(train->isTraining());
        QCOMPARE(m_window->currentPageName(), QString("Train"));
        QCOMPARE(train->currentRunFolder(), m_stopped);
        QCOMPARE(train->request().settings.training.epochs, 3);
        // Its first epoch is on the charts before the next arrives.
        QCOMPARE(train->charts()->epochPoints(), 1);
        // While it trains, the Model page keeps the run's network.
        QVERIFY(m_window->modelPage()->isTrainingLocked());
        m_window->modelPage()->setArchitecture("resnet18");
        QCOMPARE(m_window->modelPage()->selection().architecture, QString("mobilenet_v3_small"));
        QVERIFY(finished.wait(180000));
        const auto outcome = finished.first().first().value<TrainingOutcomeInfo>();
        QCOMPARE(outcome.outcome, QString("completed"));
        QCOMPARE(outcome.runFolder, m_stopped);
        QCOMPARE(outcome.epochsCompleted, 3);
        QVERIFY(!m_window->modelPage()->isTrainingLocked());
        page->refresh();
        const int row = rowOf(*page, m_stopped);
        QCOMPARE(cellText(page->table(), row, RunsPage::StatusColumn), QString("Finished"));
        QCOMPARE(cellText(page->table(), row, RunsPage::EpochsColumn), QString("3/3"));
    }

    void renamesAndDeletesRuns() {
        RunsPage* page = m_window->runsPage();
        page->refresh();
        const QString original = m_project + "/runs/from-another-machine";
        QSignalSpy moved(page, &RunsPage::runMoved);
        QString error;
        QVERIFY(!page->renameRun(original, "a/b", &error));
        QVERIFY2(error.contains("a/b"), qPrintable(error));
        QVERIFY(!page->renameRun(original, "killed-run", &error));  // taken
        QVERIFY2(error.contains("already exists"), qPrintable(error));
        QVERIFY2(page->renameRun(original, "failed on the cluster", &error), qPrintable(error));
        const QString renamed = m_project + "/runs/failed on the cluster";
        QVERIFY(fs::exists(fs::path(renamed.toStdString()) / "config.json"));
        QVERIFY(!fs::exists(original.toStdString()));
        QVERIFY(rowOf(*page, renamed) >= 0);
        QCOMPARE(page->selectedFolders(), QStringList{renamed});

        // The Delete button asks first, with No as the default: Enter alone deletes nothing.
        QString defaultAnswer;
        QTimer::singleShot(200, this, [&] {
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            if (!box) return;
            defaultAnswer = box->defaultButton() ? box->defaultButton()->text() : QString();
            QTest::keyClick(box, Qt::Key_Return);
        });
        page->selectRuns({renamed});
        page->findChild<QPushButton*>("deleteRunButton")->click();
        QCOMPARE(defaultAnswer.remove('&'), QString("No"));
        QVERIFY(fs::exists(renamed.toStdString()));

        // To the trash, where it can be restored from: one more entry there, holding the run.
        const QDir trash(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
                         "/Trash/files");
        const QStringList trashedBefore = trash.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        QVERIFY2(page->deleteRun(renamed, &error), qPrintable(error));
        QVERIFY(!fs::exists(renamed.toStdString()));
        QStringList trashedNow = trash.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        for (const QString& entry : trashedBefore) trashedNow.removeOne(entry);
        QCOMPARE(trashedNow.size(), 1);
        QVERIFY(QFileInfo::exists(trash.filePath(trashedNow.front()) + "/config.json"));
        QDir(trash.filePath(trashedNow.front())).removeRecursively();
        QFile::remove(trash.filePath("../info/" + trashedNow.front() + ".trashinfo"));
        QCOMPARE(rowOf(*page, renamed), -1);
        QCOMPARE(moved.count(), 2);
        QCOMPARE(moved.last().at(1).toString(), QString());
    }

    void reopeningTheProjectShowsItsLastFinishedRun() {
        // The resumed run finished last, but the list is by start: the newest finished one is
        // the resumed run (started after the first).
        delete m_window;
        m_window = new MainWindow;
        m_window->show();
        QSignalSpy evaluated(m_window->evaluatePage(), &fovea::ui::EvaluatePage::evaluated);
        QString error;
        QVERIFY2(m_window->openProject(m_project, &error), qPrintable(error));
        QCOMPARE(m_window->exportPage()->source(), m_stopped);
        QVERIFY(evaluated.wait(120000));
        m_window->showPage("Runs");
        QTRY_VERIFY(m_window->runsPage()->table()->rowCount() >= 2);
        m_window->grab().save(m_temp.path() + "/runs-page.png");
    }

    // Renaming the run that the Evaluate, Predict and Export pages show moves them with it:
    // they kept the old folder, and Export failed with "no such file or folder".
    void renamingTheOpenRunMovesThePagesWithIt() {
        auto* predict = m_window->predictPage();
        const auto predictorSource = [predict] {
            return predict->predictor() ? predict->predictor()->source() : QString();
        };
        QTRY_COMPARE_WITH_TIMEOUT(predictorSource(), m_stopped, 60000);
        QTRY_VERIFY(m_window->evaluatePage()->evaluation());
        QCOMPARE(m_window->exportPage()->source(), m_stopped);

        QSignalSpy evaluated(m_window->evaluatePage(), &fovea::ui::EvaluatePage::evaluated);
        QSignalSpy failed(m_window->evaluatePage(), &fovea::ui::EvaluatePage::failed);
        QString error;
        QVERIFY2(m_window->runsPage()->renameRun(m_stopped, "resumed run", &error),
                 qPrintable(error));
        const QString renamed = m_project + "/runs/resumed run";
        QCOMPARE(m_window->exportPage()->source(), renamed);
        auto* destination = m_window->exportPage()->findChild<QLineEdit*>("exportDestinationEdit");
        QVERIFY(destination);
        QCOMPARE(destination->text(), renamed + "/bundle");
        QTRY_COMPARE_WITH_TIMEOUT(predictorSource(), renamed, 60000);
        QTRY_VERIFY_WITH_TIMEOUT(!evaluated.isEmpty() || !failed.isEmpty(), 120000);
        QVERIFY2(failed.isEmpty(), qPrintable(failed.value(0).value(0).toString()));
        QCOMPARE(m_window->evaluatePage()->evaluation()->runFolder(), renamed);
    }

    // Deleting the run the pages show closes it there: Export offered the deleted folder and
    // failed with "no such file or folder".
    void deletingTheOpenRunClosesItOnThePages() {
        const QString open = m_project + "/runs/resumed run";
        auto* predict = m_window->predictPage();
        QTRY_VERIFY_WITH_TIMEOUT(predict->predictor() && predict->predictor()->source() == open,
                                 60000);
        QCOMPARE(m_window->exportPage()->source(), open);
        QString error;
        QVERIFY2(m_window->runsPage()->deleteRun(open, &error), qPrintable(error));
        QCOMPARE(m_window->exportPage()->source(), QString());
        QVERIFY(m_window->exportPage()->resultsTable()->rowCount() == 0);
        QCOMPARE(m_window->evaluatePage()->runFolder(), QString());
        QVERIFY(!m_window->evaluatePage()->evaluation());
        QVERIFY(!predict->predictor());
        QVERIFY(!m_window->exportPage()->startExport(&error));
        QCOMPARE(error, QString("Choose the model to export first."));
    }

    // Another project, without runs: no page shows anything of the one open before (the Runs
    // page listed the other project's runs, the Train page its charts and log).
    void anotherProjectShowsNothingOfThePreviousOne() {
        const QString images = m_temp.path() + "/other-images";
        QVERIFY(fovea::test::writeUiTestImages(images, 2, 4, 0).labeled > 0);
        QVERIFY(m_window->runsPage()->table()->rowCount() > 0);
        QVERIFY(fovea::test::importNewProject(*m_window, m_temp.path() + "/other", images));
        QCOMPARE(m_window->runsPage()->table()->rowCount(), 0);
        QCOMPARE(m_window->evaluatePage()->runFolder(), QString());
        QCOMPARE(m_window->exportPage()->source(), QString());
        QVERIFY(!m_window->predictPage()->predictor());
        auto* log = m_window->trainPage()->findChild<QPlainTextEdit*>("trainingLog");
        QVERIFY(log);
        QVERIFY(log->toPlainText().isEmpty());
    }
};

QTEST_MAIN(RunsPageTest)
#include "runs_page_test.moc"
