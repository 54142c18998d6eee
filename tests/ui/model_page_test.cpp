// The Model page with real widgets on a real project: freezing blocks in the tree gives the
// parameter counts core computes, choices are saved to the project at once, and weights
// download from a real HTTP server on 127.0.0.1 off the GUI thread, with cancel.
#include <torch/torch.h>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <memory>
#include <random>

#include "background_process.h"
#include "fovea/core/models/zoo.h"
#include "fovea/core/session/network_setup.h"
#include "fovea/core/weights_import/offline_default.h"
#include "fovea/ui/main_window.h"
#include "model/model_page.h"
#include "model/model_selection.h"
#include "model/network_choice.h"
#include "model/weights_panel.h"
#include "project/project_session.h"
#include "run_process.h"

using fovea::ui::ModelPage;
using fovea::ui::ModelSelection;
using fovea::ui::ProjectSession;
namespace core = fovea::core;

namespace {

constexpr int kBuildTimeoutMs = 60000;
const QStringList kClasses{"cat", "dog", "bird"};

QStringList toQStrings(const std::set<std::string>& names, const core::NetworkImpl& network) {
    QStringList ordered;  // in the network's block order, as the page lists them
    for (const auto& block : network.blocks()) {
        if (names.count(block.name)) ordered << QString::fromStdString(block.name);
    }
    return ordered;
}

core::ParameterCounts coreCounts(const std::string& architecture, const QStringList& frozen,
                                 const core::HeadOptions& head = {}) {
    auto network = core::createNetwork(architecture, kClasses.size());
    if (!network) qFatal("%s", network.error().message.c_str());
    if (head.dropout > 0 || head.hiddenUnits > 0) {
        core::HeadOptions options = head;
        options.numClasses = kClasses.size();
        network.value()->replaceHead(options);
    }
    std::set<std::string> names;
    for (const QString& block : frozen) names.insert(block.toStdString());
    network.value()->setFrozenBlocks(names);
    return core::countParameters(*network.value());
}

QTreeWidgetItem* blockItem(QTreeWidget* tree, const QString& name) {
    for (int i = 0; i < tree->topLevelItemCount(); ++i) {
        if (tree->topLevelItem(i)->text(0) == name) return tree->topLevelItem(i);
    }
    return nullptr;
}

QStringList checkedBlocks(QTreeWidget* tree) {
    QStringList checked;
    for (int i = 0; i < tree->topLevelItemCount(); ++i) {
        if (tree->topLevelItem(i)->checkState(0) == Qt::Checked) {
            checked << tree->topLevelItem(i)->text(0);
        }
    }
    return checked;
}

}  // namespace

class ModelPageTest : public QObject {
    Q_OBJECT
  private:
    QTemporaryDir m_temp;
    QString m_projectFolder;
    std::unique_ptr<ProjectSession> m_session;

    // A fresh project with three classes for each test.
    void openNewProject() {
        static int count = 0;
        m_session.reset();
        m_projectFolder = m_temp.filePath(QString("project%1").arg(++count));
        QString error;
        m_session = ProjectSession::create(m_projectFolder, &error);
        QVERIFY2(m_session, qPrintable(error));
        for (const QString& name : kClasses) {
            QVERIFY(m_session->store().addClass(name.toStdString()));
        }
    }

    static bool waitForNetwork(ModelPage& page) {
        return QTest::qWaitFor([&] { return page.isNetworkReady(); }, kBuildTimeoutMs);
    }

    static void clickArchitecture(ModelPage& page, const QString& name) {
        auto* table = page.findChild<QTableWidget*>("architectureTable");
        QVERIFY(table);
        const auto found = table->findItems(name, Qt::MatchExactly);
        QVERIFY(!found.isEmpty());
        table->scrollToItem(found.first());
        const QRect rect = table->visualItemRect(found.first());
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, rect.center());
        QCOMPARE(page.selection().architecture, name);
    }

  private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(m_temp.isValid());
        // Downloads go to a cache of the test's own, never the user's.
        qputenv("FOVEA_CACHE_DIR", m_temp.filePath("cache").toUtf8());
    }

    void cleanup() { m_session.reset(); }

    void defaultFreezesTheOfflineImageNetBlocks() {
        // The default selection's list is written out in the ui; core decides what it means.
        auto network = core::createNetwork("mobilenet_v2_keras", 1000);
        QVERIFY(network);
        const QStringList expected =
            toQStrings(core::blocksUpTo(*network.value(), "block10"), *network.value());
        QCOMPARE(expected.size(), 12);  // stem, block0 .. block10
        QCOMPARE(fovea::ui::defaultModelSelection().frozenBlocks, expected);

        openNewProject();
        ModelPage page;
        page.setSession(m_session.get());
        QVERIFY(waitForNetwork(page));
        QCOMPARE(page.selection().architecture, QString("mobilenet_v2_keras"));
        QCOMPARE(page.selection().weights, QString("default"));
        QCOMPARE(page.selection().frozenBlocks, expected);
        auto* tree = page.findChild<QTreeWidget*>("freezeTree");
        QVERIFY(tree);
        QCOMPARE(checkedBlocks(tree), expected);
        // The offline default trains a plain Linear head for the project's classes
        // (core::loadOfflineDefaultNetwork), not nsfwjs' hidden layers.
        auto offline = core::createNetwork("mobilenet_v2_keras", kClasses.size());
        QVERIFY(offline);
        offline.value()->replaceHead({kClasses.size()});
        offline.value()->setFrozenBlocks(core::blocksUpTo(*offline.value(), "block10"));
        const auto counts = core::countParameters(*offline.value());
        QCOMPARE(page.totalParameters(), qint64(counts.total));
        QCOMPARE(page.trainableParameters(), qint64(counts.trainable));
        QVERIFY(page.findChild<QPushButton*>("recommendedButton")->toolTip().contains("block10"));
    }

    void freezingBlocksGivesCoresCountsAndIsSaved() {
        openNewProject();
        ModelSelection chosen;
        {
            ModelPage page;
            page.resize(1200, 800);
            page.show();
            page.activateWindow();
            QVERIFY(QTest::qWaitForWindowActive(&page));
            page.setSession(m_session.get());
            QVERIFY(waitForNetwork(page));
            QSignalSpy changed(&page, &ModelPage::selectionChanged);

            clickArchitecture(page, "resnet18");
            QVERIFY(waitForNetwork(page));
            QCOMPARE(page.selection().weights, QString("default"));
            auto* tree = page.findChild<QTreeWidget*>("freezeTree");
            auto* counts = page.findChild<QLabel*>("parameterCountsLabel");
            QVERIFY(tree && counts);
            QCOMPARE(tree->topLevelItemCount(), 6);  // stem, layer1..4, head
            // Pretrained ImageNet weights: freeze all but the last block and the head.
            QCOMPARE(page.selection().frozenBlocks,
                     QStringList({"stem", "layer1", "layer2", "layer3"}));

            QTest::mouseClick(page.findChild<QPushButton*>("unfreezeAllButton"), Qt::LeftButton);
            QVERIFY(page.selection().frozenBlocks.isEmpty());
            QCOMPARE(page.trainableParameters(), page.totalParameters());

            // One block by keyboard (Space on the current row), one by its box.
            tree->setFocus();
            tree->setCurrentItem(blockItem(tree, "stem"));
            QTest::keyClick(tree, Qt::Key_Space);
            blockItem(tree, "layer2")->setCheckState(0, Qt::Checked);
            const QStringList frozen{"stem", "layer2"};
            QCOMPARE(page.selection().frozenBlocks, frozen);
            const auto expected = coreCounts("resnet18", frozen);
            QCOMPARE(page.totalParameters(), qint64(expected.total));
            QCOMPARE(page.trainableParameters(), qint64(expected.trainable));
            QVERIFY(expected.trainable < expected.total);
            const QLocale locale;
            QVERIFY2(counts->text().contains(locale.toString(qint64(expected.trainable))) &&
                         counts->text().contains(locale.toString(qint64(expected.total))),
                     qPrintable(counts->text()));

            // Layers follow their block and add up to it.
            QTreeWidgetItem* layer2 = blockItem(tree, "layer2");
            QCOMPARE(layer2->childCount(), 2);  // layer2.0, layer2.1 (BasicBlocks)
            qint64 sum = 0;
            for (int c = 0; c < layer2->childCount(); ++c) {
                QCOMPARE(layer2->child(c)->checkState(0), Qt::Checked);
                QVERIFY(!(layer2->child(c)->flags() & Qt::ItemIsUserCheckable));
                sum += layer2->child(c)->data(1, Qt::DisplayRole).toLongLong();
            }
            QCOMPARE(sum, layer2->data(1, Qt::DisplayRole).toLongLong());
            // Named within their block ("0 (BasicBlock)", not "layer2.0 (BasicBlock)"); the
            // tooltip has the whole path.
            QVERIFY2(layer2->child(0)->text(0).startsWith("0 ("),
                     qPrintable(layer2->child(0)->text(0)));
            QVERIFY(layer2->child(0)->toolTip(0).startsWith("layer2.0 ("));

            // The head cannot be frozen, by box or by key.
            QTreeWidgetItem* head = blockItem(tree, "head");
            QVERIFY(!(head->flags() & Qt::ItemIsUserCheckable));
            tree->setCurrentItem(head);
            QTest::keyClick(tree, Qt::Key_Space);
            QVERIFY(!page.selection().frozenBlocks.contains("head"));
            QVERIFY(!page.findChild<QPushButton*>("freezeUpToButton")->isEnabled());

            // "Freeze up to here" is core's blocksUpTo.
            auto network = core::createNetwork("resnet18", kClasses.size());
            QVERIFY(network);
            tree->setCurrentItem(blockItem(tree, "layer2"));
            auto* freezeUpTo = page.findChild<QPushButton*>("freezeUpToButton");
            QVERIFY(freezeUpTo->isEnabled());
            QTest::mouseClick(freezeUpTo, Qt::LeftButton);
            QCOMPARE(page.selection().frozenBlocks,
                     toQStrings(core::blocksUpTo(*network.value(), "layer2"), *network.value()));
            QCOMPARE(checkedBlocks(tree), page.selection().frozenBlocks);
            QCOMPARE(page.trainableParameters(),
                     coreCounts("resnet18", page.selection().frozenBlocks).trainable);
            // ... and by its shortcut in the tree.
            tree->setFocus();  // the click above moved it to the button
            QVERIFY(tree->hasFocus());
            tree->setCurrentItem(blockItem(tree, "layer1"));
            QTest::keyClick(tree, Qt::Key_U, Qt::ControlModifier);
            QCOMPARE(page.selection().frozenBlocks, QStringList({"stem", "layer1"}));

            // A learning-rate multiplier, typed into the editor F2 opens.
            tree->setCurrentItem(blockItem(tree, "layer4"));
            QTest::keyClick(tree, Qt::Key_F2);
            auto* editor = tree->findChild<QDoubleSpinBox*>("multiplierEditor");
            QVERIFY(editor);
            editor->selectAll();
            QTest::keyClicks(editor, "0.25");
            QTest::keyClick(editor, Qt::Key_Return);
            QTRY_COMPARE(page.selection().learningRateMultipliers,
                         (QMap<QString, double>{{"layer4", 0.25}}));
            QTRY_VERIFY(!tree->findChild<QDoubleSpinBox*>("multiplierEditor"));
            QVERIFY(blockItem(tree, "layer4")->font(2).bold());  // differs from 1x
            QVERIFY(changed.count() >= 5);

            // What training gets: core builds the same network with the same counts.
            chosen = page.selection();
            core::NetworkChoice choice = fovea::ui::toNetworkChoice(chosen);
            QCOMPARE(choice.architecture, std::string("resnet18"));
            QVERIFY(choice.freeze.has_value());
            QCOMPARE(*choice.freeze, (std::vector<std::string>{"stem", "layer1"}));
            choice.weights = "none";  // no internet here; weights do not change the counts
            auto prepared = core::prepareNetwork(choice, kClasses.size());
            QVERIFY2(prepared, prepared ? "" : prepared.error().message.c_str());
            const auto prepCounts = core::countParameters(*prepared.value().network);
            QCOMPARE(page.trainableParameters(), qint64(prepCounts.trainable));
            QCOMPARE(page.totalParameters(), qint64(prepCounts.total));
            QCOMPARE(fovea::ui::toBlockLearningRateMultipliers(chosen),
                     (std::map<std::string, double>{{"layer4", 0.25}}));

            // Nothing ticked is nothing frozen, also for the offline default, whose weights
            // arrive with their ImageNet blocks frozen.
            if (std::filesystem::exists(core::offlineWeightsPath("mobilenet_v2_keras"))) {
                fovea::ui::ModelSelection offline = fovea::ui::defaultModelSelection();
                QVERIFY(!offline.frozenBlocks.isEmpty());
                offline.frozenBlocks.clear();
                auto unfrozen = core::prepareNetwork(fovea::ui::toNetworkChoice(offline), 3);
                QVERIFY2(unfrozen, unfrozen ? "" : unfrozen.error().message.c_str());
                QVERIFY(unfrozen.value().network->frozenBlocks().empty());
            }
        }

        // Saved as it changed: a new page on the reopened project shows the same choice.
        m_session.reset();
        QString error;
        m_session = ProjectSession::open(m_projectFolder, &error);
        QVERIFY2(m_session, qPrintable(error));
        QVERIFY(fovea::ui::loadModelSelection(m_session->store()) == chosen);
        ModelPage page;
        page.setSession(m_session.get());
        QVERIFY(waitForNetwork(page));
        QVERIFY(page.selection() == chosen);
        auto* tree = page.findChild<QTreeWidget*>("freezeTree");
        QCOMPARE(checkedBlocks(tree), chosen.frozenBlocks);
        QCOMPARE(blockItem(tree, "layer4")->data(2, Qt::EditRole).toDouble(), 0.25);
        auto* table = page.findChild<QTableWidget*>("architectureTable");
        QCOMPARE(table->item(table->currentRow(), 0)->text(), QString("resnet18"));
    }

    void closingWhileEditingAMultiplierIsSafe() {
        openNewProject();
        {
            auto page = std::make_unique<ModelPage>();
            page->show();
            page->activateWindow();
            QVERIFY(QTest::qWaitForWindowActive(page.get()));
            page->setSession(m_session.get());
            QVERIFY(waitForNetwork(*page));
            auto* tree = page->findChild<QTreeWidget*>("freezeTree");
            tree->setFocus();
            tree->setCurrentItem(blockItem(tree, "head"));
            QTest::keyClick(tree, Qt::Key_F2);
            auto* editor = tree->findChild<QDoubleSpinBox*>("multiplierEditor");
            QVERIFY(editor && editor->hasFocus());
            editor->selectAll();
            QTest::keyClicks(editor, "3");
            // The window goes while the editor is open: its commit must not reach the page.
            page.reset();
        }
        QVERIFY(
            fovea::ui::loadModelSelection(m_session->store()).learningRateMultipliers.isEmpty());
    }

    void headOptionsChangeTheCounts() {
        openNewProject();
        ModelPage page;
        page.setSession(m_session.get());
        QVERIFY(waitForNetwork(page));
        page.setArchitecture("mobilenet_v3_small");
        QVERIFY(waitForNetwork(page));
        auto* hidden = page.findChild<QSpinBox*>("hiddenUnitsSpin");
        auto* dropout = page.findChild<QDoubleSpinBox*>("dropoutSpin");
        QVERIFY(hidden && dropout);
        dropout->setValue(0.3);
        hidden->setValue(128);
        QVERIFY(!page.isNetworkReady());  // rebuilt for the new head
        QVERIFY(waitForNetwork(page));
        QCOMPARE(page.selection().hiddenUnits, 128);
        QCOMPARE(page.selection().dropout, 0.3);
        const auto expected =
            coreCounts("mobilenet_v3_small", page.selection().frozenBlocks, {0, 0.3, 128});
        QCOMPARE(page.totalParameters(), qint64(expected.total));
        QCOMPARE(page.trainableParameters(), qint64(expected.trainable));

        // The input size cannot go below what the network accepts.
        auto* size = page.findChild<QSpinBox*>("imageSizeSpin");
        size->setValue(8);
        QCOMPARE(page.selection().imageSize, 32);
        size->setValue(0);
        QCOMPARE(page.selection().imageSize, 0);
        QVERIFY(size->text().contains("224"));
        // A step from the weights' own size goes from 224 px, not from 0 (it went to 32 px).
        size->stepUp();
        QCOMPARE(page.selection().imageSize, 256);
        size->setValue(0);
        size->stepDown();
        QCOMPARE(page.selection().imageSize, 192);
    }

    void weightChoicesAndTheirAdvice() {
        openNewProject();
        ModelPage page;
        page.setSession(m_session.get());
        QVERIFY(waitForNetwork(page));
        page.setArchitecture("resnet18");
        QVERIFY(waitForNetwork(page));
        auto* combo = page.findChild<QComboBox*>("weightsCombo");
        QVERIFY(combo);
        QStringList values;
        for (int i = 0; i < combo->count(); ++i) values << combo->itemData(i).toString();
        QCOMPARE(values.first(), QString("default"));
        QVERIFY(combo->itemText(0).contains("69.8"));  // torchvision's ImageNet top-1
        QVERIFY(values.contains("none"));
        QVERIFY(combo->itemText(combo->count() - 1).startsWith("Local file"));
        QVERIFY(page.findChild<QPushButton*>("downloadButton")->isVisibleTo(&page));

        // Random weights: the recommended freezing (still untouched) becomes "nothing".
        QVERIFY(!page.selection().frozenBlocks.isEmpty());
        page.setWeights("none");
        QCOMPARE(page.selection().weights, QString("none"));
        QVERIFY(page.selection().frozenBlocks.isEmpty());
        QVERIFY(!page.findChild<QPushButton*>("downloadButton")->isVisibleTo(&page));

        // A freezing the user chose stays when the weights change.
        page.findChild<QTreeWidget*>("freezeTree")->topLevelItem(0)->setCheckState(0, Qt::Checked);
        const QString missing = m_temp.filePath("no-such-weights.safetensors");
        page.setWeights(missing);
        QCOMPARE(page.selection().weights, missing);
        QCOMPARE(page.selection().frozenBlocks, QStringList({"stem"}));
        QCOMPARE(combo->currentData().toString(), missing);
        auto* status = page.findChild<QLabel*>("weightsStatusLabel");
        QVERIFY2(status->text().contains("not found"), qPrintable(status->text()));

        // Another architecture: files for the old one do not carry over.
        page.setArchitecture("mobilenet_v3_small");
        QCOMPARE(page.selection().weights, QString("default"));
        QVERIFY(waitForNetwork(page));
    }

    void noProjectDisablesThePage() {
        ModelPage page;
        QVERIFY(!page.findChild<QTableWidget*>("architectureTable")->isEnabledTo(&page));
        QCOMPARE(page.totalParameters(), qint64(0));
        openNewProject();
        page.setSession(m_session.get());
        QVERIFY(page.findChild<QTableWidget*>("architectureTable")->isEnabledTo(&page));
        page.setSession(nullptr);
        QVERIFY(!page.isNetworkReady());
    }

    void downloadsWithProgressAndCancels() {
        // A real server on 127.0.0.1 (the one core's download tests use), 1.5 MB of weights.
        QTemporaryDir served;
        std::mt19937 random(3);
        QByteArray payload(1'500'000, '\0');
        for (char& byte : payload) byte = static_cast<char>(random() & 0xff);
        for (const char* name : {"fast.pth", "slow.pth"}) {
            QFile file(served.filePath(name));
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(payload);
        }
        fovea::test::BackgroundProcess server(
            "/usr/bin/python3",
            {fovea::test::foveaSourceDir() + "/tests/support/range_http_server.py",
             served.path().toStdString(), served.filePath("requests.log").toStdString()});
        QVERIFY(server.firstLine().rfind("PORT ", 0) == 0);
        const QString base = QString("http://127.0.0.1:%1/")
                                 .arg(QString::fromStdString(server.firstLine().substr(5)));

        openNewProject();
        ModelPage page;
        page.setSession(m_session.get());
        auto* download = page.findChild<QPushButton*>("downloadButton");
        auto* cancel = page.findChild<QPushButton*>("cancelDownloadButton");
        auto* progress = page.findChild<QProgressBar*>("downloadProgress");
        auto* status = page.findChild<QLabel*>("weightsStatusLabel");
        QVERIFY(download && cancel && progress && status);
        auto* panel = page.findChild<fovea::ui::WeightsPanel*>("weightsPanel");
        QVERIFY(panel);
        QSignalSpy finished(panel, &fovea::ui::WeightsPanel::downloadFinished);
        QSignalSpy progressed(progress, &QProgressBar::valueChanged);

        page.setWeights(base + "fast.pth");
        QVERIFY(download->isVisibleTo(&page));
        QTest::mouseClick(download, Qt::LeftButton);
        QVERIFY(cancel->isVisibleTo(&page));
        QVERIFY(finished.wait(20000));
        QCOMPARE(finished.first().at(0).toBool(), true);
        QVERIFY(progressed.count() > 0);
        QCOMPARE(progress->maximum(), 1'500'000 / 1024);
        const QString cached = m_temp.filePath("cache/weights/fast.pth");
        QFile file(cached);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), payload);
        QVERIFY2(status->text().startsWith("Downloaded"), qPrintable(status->text()));
        QVERIFY(!download->isVisibleTo(&page));
        QVERIFY(!cancel->isVisibleTo(&page));

        // ?slow=1 trickles 16 KiB every 20 ms: cancel half-way, and the window stays live.
        finished.clear();
        page.setWeights(base + "slow.pth?slow=1");
        QTest::mouseClick(download, Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(progress->value() > 0, 10000);
        QTest::mouseClick(cancel, Qt::LeftButton);
        QVERIFY(finished.wait(5000));
        QCOMPARE(finished.first().at(0).toBool(), false);
        QVERIFY2(status->text().contains("cancelled"), qPrintable(status->text()));
        QVERIFY(!QFile::exists(m_temp.filePath("cache/weights/slow.pth?slow=1")));
        QVERIFY(download->isVisibleTo(&page));

        // A missing file: the error is shown on the page.
        finished.clear();
        page.setWeights(base + "missing.pth");
        QTest::mouseClick(download, Qt::LeftButton);
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.first().at(0).toBool(), false);
        QVERIFY2(status->text().startsWith("Download failed"), qPrintable(status->text()));
        QVERIFY(status->text().contains("missing.pth"));
    }

    // Issue 21: at the default window size no header or cell of the architecture table is cut.
    void theArchitectureTableFitsTheDefaultWindow() {
        fovea::ui::MainWindow window;
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.createProject(m_temp.filePath("fits")));
        window.showPage("Model");
        auto* table = window.modelPage()->findChild<QTableWidget*>("architectureTable");
        QVERIFY(table);
        QTest::qWait(100);  // the layout settles
        const QFontMetrics headerFont(table->horizontalHeader()->font());
        int columnsWidth = 0;
        for (int column = 0; column < table->columnCount(); ++column) {
            const int width = table->columnWidth(column);
            columnsWidth += width;
            const QString header = table->horizontalHeaderItem(column)->text();
            QVERIFY2(headerFont.horizontalAdvance(header) + 8 <= width,
                     qPrintable(QString("header %1 in %2 px").arg(header).arg(width)));
            for (int row = 0; row < table->rowCount(); ++row) {
                const QTableWidgetItem* item = table->item(row, column);
                const QFontMetrics cellFont(item->font());
                QVERIFY2(cellFont.horizontalAdvance(item->text()) + 6 <= width,
                         qPrintable(QString("%1 in %2 px").arg(item->text()).arg(width)));
            }
        }
        // The published weights' size is not called the input: the project's input size,
        // below the table, is often another.
        QCOMPARE(table->horizontalHeaderItem(2)->text(), QString("Trained at"));
        // Every column is in view: no horizontal scrolling to find the weights.
        QVERIFY2(columnsWidth <= table->viewport()->width(),
                 qPrintable(QString("%1 px of columns in a %2 px table")
                                .arg(columnsWidth)
                                .arg(table->viewport()->width())));
    }

    // Issue 21: switching architecture moves nothing on the page but what it changes.
    void switchingArchitectureKeepsTheLayoutStill() {
        fovea::ui::MainWindow window;
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.createProject(m_temp.filePath("still")));
        window.showPage("Model");
        ModelPage* page = window.modelPage();
        QVERIFY(waitForNetwork(*page));
        const QStringList watched = {"architectureTable", "dropoutSpin", "imageSizeSpin"};
        const auto geometries = [&] {
            QList<QRect> rects;
            for (const QString& name : watched) {
                auto* widget = page->findChild<QWidget*>(name);
                rects << QRect(widget->mapTo(page, QPoint(0, 0)), widget->size());
            }
            auto* tree = page->findChild<QTreeWidget*>();
            rects << QRect(tree->mapTo(page, QPoint(0, 0)), tree->size());
            return rects;
        };
        const QList<QRect> before = geometries();
        // Offline weights, then weights to download, then random ones.
        for (const char* architecture : {"resnet18", "mobilenet_v3_small", "mobilenet_v2_keras"}) {
            clickArchitecture(*page, architecture);
            QVERIFY(waitForNetwork(*page));
            QTest::qWait(50);
            QCOMPARE(geometries(), before);
        }
    }
    // The note that the page is locked while a run trains sits beside the page title: the
    // architecture table does not jump when training starts or ends, and no blank row is kept
    // for the note while no run trains.
    void theTrainingLockNoteMovesNothing() {
        fovea::ui::MainWindow window;
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.createProject(m_temp.filePath("locknote")));
        window.showPage("Model");
        ModelPage* page = window.modelPage();
        auto* table = page->findChild<QTableWidget*>("architectureTable");
        auto* note = page->findChild<QLabel*>("trainingLockedLabel");
        QVERIFY(table);
        QVERIFY(note);
        const auto tableGeometry = [&] {
            return QRect(table->mapTo(page, QPoint(0, 0)), table->size());
        };
        QTest::qWait(50);  // the layout settles
        const QRect unlocked = tableGeometry();
        page->setTrainingLocked(true);
        QTest::qWait(50);
        QVERIFY(note->isVisible());
        QCOMPARE(tableGeometry(), unlocked);
        auto* title = page->findChild<QLabel*>("pageTitle");
        QVERIFY(title);
        const QRect titleRect(title->mapTo(page, QPoint(0, 0)), title->size());
        const int noteMiddle = note->mapTo(page, note->rect().center()).y();
        QVERIFY2(titleRect.top() <= noteMiddle && noteMiddle <= titleRect.bottom(),
                 qPrintable(QString("note at y %1, title from %2 to %3")
                                .arg(noteMiddle)
                                .arg(titleRect.top())
                                .arg(titleRect.bottom())));
        page->setTrainingLocked(false);
        QTest::qWait(50);
        QVERIFY(!note->isVisible());
        QCOMPARE(tableGeometry(), unlocked);
    }
};

QTEST_MAIN(ModelPageTest)
#include "model_page_test.moc"
