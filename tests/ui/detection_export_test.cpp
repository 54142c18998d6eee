// The Export page on a detection run (issue 24, point 5): a tiny real run trained here by core,
// exported from the page as TorchScript through core's parity gate in the background; the file
// loads in LibTorch and the table shows the gate's figures. A run that cannot be exported fails
// with its reason and leaves no file and no staging folder behind.

#include <torch/script.h>

#include <QAction>
#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include "export/detection_exporter.h"
#include "export/export_page.h"
#include "fovea/core/session/detection_export.h"
#include "ui_detection_scenes.h"
#include "ui_test_window.h"
#include "widgets/background_job.h"

using namespace fovea::ui;
namespace core = fovea::core;

class DetectionExportTest : public QObject {
    Q_OBJECT

    QTemporaryDir m_temp;
    QString m_run;

    static QString cell(QTableWidget* table, int row, int column) {
        return table->item(row, column) ? table->item(row, column)->text() : QString();
    }

    // Folders the export left in `folder` while staging its files.
    static QStringList stagingFolders(const QString& folder) {
        return QDir(folder).entryList({".fovea-export-*"},
                                      QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot);
    }

  private Q_SLOTS:
    void initTestCase() {
        fovea::test::useTestSettings("FoveaDetectionExportTest");
        QVERIFY(m_temp.isValid());
        const QString error = fovea::test::makeDetectionScenes(m_temp.path());
        QVERIFY2(error.isEmpty(), qPrintable(error));
        m_run = m_temp.path() + "/project/runs/tiny";
        core::TrainingControl control;
        auto trained = core::runDetectionTraining(
            fovea::test::tinyDetectionSettings(m_temp.path() + "/project", 1), m_run.toStdString(),
            false, control);
        QVERIFY2(trained, trained ? "" : trained.error().message.c_str());
        QVERIFY(trained.value().model.has_value());
    }

    void exportsTorchScriptWithTheGateFigures() {
        ExportPage page;
        page.setSource(m_run);
        // The formats offered are those core exports detection runs to.
        for (QCheckBox* check : page.findChildren<QCheckBox*>()) {
            const QString name = check->property("format").toString();
            if (name.isEmpty()) continue;
            const auto format = core::parseExportFormat(name.toStdString());
            QVERIFY(format);
            QCOMPARE(!check->isHidden(), core::checkDetectionExportFormat(*format).ok());
        }
        QVERIFY(!page.findChild<QCheckBox*>("torchscriptCheck")->isHidden());
        QVERIFY(!page.findChild<QCheckBox*>("safetensorsCheck")->isHidden());
        QVERIFY(page.findChild<QCheckBox*>("safetensorsCheck")->isEnabled());

        page.setFormats({"torchscript"});
        QCOMPARE(page.formats(), QStringList{"torchscript"});
        const QString folder = m_temp.path() + "/export";
        page.setDestination(folder);
        QSignalSpy exported(&page, &ExportPage::exported);
        QSignalSpy progress(page.job(), &BackgroundJob::progress);
        QString error;
        QVERIFY2(page.startExport(&error), qPrintable(error));
        QVERIFY(page.job()->isRunning());  // in the background
        QVERIFY(fovea::test::received(exported, 300000));
        QVERIFY2(exported.first().at(0).toBool(), qPrintable(exported.first().at(1).toString()));
        QVERIFY(!progress.isEmpty());

        const ExportOutcome& outcome = page.lastOutcome();
        QCOMPARE(outcome.files.size(), 1);
        const ExportedFileInfo& file = outcome.files.front();
        QCOMPARE(file.file, QDir(folder).filePath("model.pt"));
        QVERIFY(QFile::exists(file.file));
        QVERIFY(stagingFolders(m_temp.path()).isEmpty());
        // A TorchScript file plain LibTorch loads, with its forward.
        torch::jit::Module module = torch::jit::load(file.file.toStdString());
        QVERIFY(module.find_method("forward").has_value());

        // The gate compared the run's two validation images, and every one agreed.
        QVERIFY(file.detection && file.passed);
        QCOMPARE(file.compared, qint64(2));
        QCOMPARE(file.agreeing, file.compared);
        QVERIFY(file.maxBoxDifference <= core::kDetectionParityMaxBoxDifference);
        QVERIFY(file.maxScoreDifference <= core::kDetectionParityMaxScoreDifference);
        QVERIFY(file.exportedMillisecondsPerImage > 0 && file.inAppMillisecondsPerImage > 0);
        QVERIFY(file.runtime.contains("TorchScript"));

        // The table shows those figures.
        QTableWidget* table = page.resultsTable();
        QCOMPARE(table->rowCount(), 1);
        QCOMPARE(table->columnCount(), 7);
        QCOMPARE(cell(table, 0, 1), QString("model.pt"));
        QCOMPARE(cell(table, 0, 2), file.runtime);
        QCOMPARE(cell(table, 0, 3), QString("2 of 2"));
        QCOMPARE(cell(table, 0, 4), QString("%1 px").arg(file.maxBoxDifference, 0, 'g', 3));
        QCOMPARE(cell(table, 0, 5), QString::number(file.maxScoreDifference, 'g', 3));
        const QStringList times = cell(table, 0, 6).split(" · ");
        QCOMPARE(times.size(), 2);
        QCOMPARE(times[0].toDouble(),
                 QString::number(file.exportedMillisecondsPerImage, 'f', 1).toDouble());
        QCOMPARE(times[1].toDouble(),
                 QString::number(file.inAppMillisecondsPerImage, 'f', 1).toDouble());
        QVERIFY(table->horizontalHeaderItem(4)->text().contains("box"));
    }

    // Every other format core exports detection runs to, in one export: a row each, each
    // checked by its own runtime against its own limits.
    void exportsTheOtherFormatsInOneGo() {
        ExportPage page;
        page.setSource(m_run);
        QStringList others = detectionExportFormatNames();
        others.removeAll("torchscript");
        QVERIFY(others.contains("safetensors"));
        page.setFormats(others);
        QCOMPARE(page.formats(), others);
        const QString folder = m_temp.path() + "/export-others";
        page.setDestination(folder);
        QSignalSpy exported(&page, &ExportPage::exported);
        QString error;
        QVERIFY2(page.startExport(&error), qPrintable(error));
        QVERIFY(fovea::test::received(exported, 300000));
        QVERIFY2(exported.first().at(0).toBool(), qPrintable(exported.first().at(1).toString()));
        const ExportOutcome& outcome = page.lastOutcome();
        QCOMPARE(outcome.files.size(), others.size());
        QTableWidget* table = page.resultsTable();
        QCOMPARE(table->rowCount(), others.size());
        for (int row = 0; row < outcome.files.size(); ++row) {
            const ExportedFileInfo& file = outcome.files[row];
            QVERIFY2(file.passed, qPrintable(file.format));
            QVERIFY(QFile::exists(file.file));
            QCOMPARE(QFileInfo(file.file).dir().path(), folder);
            QCOMPARE(cell(table, row, 3),
                     QString("%1 of %2").arg(file.agreeing).arg(file.compared));
            QVERIFY(!file.limits.isEmpty());
            QCOMPARE(table->item(row, 4)->toolTip(), "Agreeing means " + file.limits);
        }
        QVERIFY(stagingFolders(m_temp.path()).isEmpty());
    }

    // A run without a model: the export fails saying so, and nothing is left in the folder; the
    // file that failed is a row of the table, in red with why, as a passed file's figures are.
    void aFailedExportLeavesNothing() {
        const QString broken = m_temp.path() + "/project/runs/no-model";
        QVERIFY(QDir().mkpath(broken));
        QVERIFY(QFile::copy(m_run + "/config.json", broken + "/config.json"));
        QVERIFY(QFile::copy(m_run + "/metrics.csv", broken + "/metrics.csv"));
        ExportPage page;
        page.setSource(broken);
        page.setFormats({"torchscript", "safetensors"});
        const QString folder = m_temp.path() + "/export-failed";
        page.setDestination(folder);
        QSignalSpy exported(&page, &ExportPage::exported);
        QString error;
        QVERIFY2(page.startExport(&error), qPrintable(error));
        QVERIFY(fovea::test::received(exported, 120000));
        QVERIFY(!exported.first().at(0).toBool());
        const QString status = page.findChild<QLabel*>("exportStatus")->text();
        QVERIFY2(status.contains("Export failed") && status.contains("model"), qPrintable(status));
        QVERIFY(!QDir(folder).exists());
        QVERIFY(stagingFolders(m_temp.path()).isEmpty());
        QTableWidget* table = page.resultsTable();
        QCOMPARE(table->rowCount(), 1);  // TorchScript, the first ticked; nothing after it ran
        QCOMPARE(table->item(0, 0)->text(), QString("TorchScript"));
        QCOMPARE(table->item(0, 1)->text(), QString("model.pt"));
        const QString why = table->item(0, 2)->text();
        QVERIFY2(why.startsWith("failed: ") && why.contains("model"), qPrintable(why));
        QCOMPARE(table->item(0, 2)->foreground().color(), QColor(Qt::red));
        QVERIFY(table->item(0, 0)->toolTip().contains(why.mid(8)));
        // Nothing was written: no path to copy, no folder to open.
        QVERIFY(!page.findChild<QAction*>("copyPathAction")->isEnabled());
        QVERIFY(!page.findChild<QAction*>("openFolderAction")->isEnabled());
    }
};

QTEST_MAIN(DetectionExportTest)
#include "detection_export_test.moc"
