// The Predict page with a real trained model: dropped files are predicted with the model's
// own preprocessing (the same figures as core::predictImages), the top-k bars show them,
// Grad-CAM really runs, and the CSV is written.
#include <QCheckBox>
#include <QDropEvent>
#include <QFile>
#include <QLabel>
#include <QMimeData>
#include <QProgressBar>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include "fovea/core/session/prediction.h"
#include "fovea/core/session/run_records.h"
#include "fovea/core/session/training_run.h"
#include "predict/predict_page.h"
#include "ui_test_project.h"
#include "widgets/background_job.h"

namespace core = fovea::core;
using fovea::ui::PredictPage;

class PredictPageTest : public QObject {
    Q_OBJECT
  private:
    QTemporaryDir m_temp;
    QString m_images;
    QString m_run;

  private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        m_images = m_temp.path() + "/images";
        QVERIFY(fovea::test::writeUiTestImages(m_images, 3, 6, 2).labeled > 0);
        // A tiny real run, trained headless as fovea-cli train does.
        core::RunSettings settings;
        settings.data = m_images.toStdString();
        settings.network.architecture = "mobilenet_v3_small";
        settings.network.weights = "none";
        settings.network.imageSize = 64;
        settings.training.epochs = 1;
        settings.batchSize = 8;
        settings.augment = core::AugmentationLevel::None;
        m_run = m_temp.path() + "/run";
        core::TrainingControl control;
        auto ran = core::runTraining(settings, m_run.toStdString(), false, control, {});
        QVERIFY2(ran.ok(), ran.ok() ? "" : ran.error().message.c_str());
        QVERIFY(ran.value().model.has_value());
    }

    void droppedImagesArePredictedAsCoreDoes() {
        PredictPage page;
        page.resize(1100, 700);
        page.show();
        QSignalSpy loaded(&page, &PredictPage::modelLoaded);
        QSignalSpy predicted(&page, &PredictPage::predicted);
        QVERIFY(page.setModelSource(m_run));
        QVERIFY(loaded.wait(30000));
        QCOMPARE(page.predictor()->classNames().size(), 3);

        // Drop a class folder (six images) and the broken file.
        const QString folder = m_images + "/" + core::fashionMnistClassNames()[1];
        const QStringList files = {folder, m_images + "/broken.png"};
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(files[0]), QUrl::fromLocalFile(files[1])});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, {});
        QApplication::sendEvent(&page, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, {});
        QApplication::sendEvent(&page, &drop);
        QVERIFY(predicted.wait(60000));
        const auto& shown = page.predictions();
        QCOMPARE(shown.size(), 7);  // six trousers and the broken file
        QCOMPARE(page.resultsTable()->rowCount(), 7);

        // The same figures as core computes for the same model and files.
        auto model = core::loadModelSource(m_run.toStdString());
        QVERIFY(model.ok());
        std::vector<std::filesystem::path> paths;
        for (const auto& p : shown) paths.emplace_back(p.path.toStdString());
        core::PredictionOptions options;
        options.topK = 3;
        auto expected = core::predictImages(*model.value().model.network, paths,
                                            model.value().model.classNames, options);
        QVERIFY(expected.ok());
        int errors = 0;
        for (int i = 0; i < shown.size(); ++i) {
            const auto& want = expected.value()[static_cast<size_t>(i)];
            if (want.error) {
                QVERIFY(!shown[i].error.isEmpty());
                ++errors;
                continue;
            }
            QCOMPARE(shown[i].top.size(), 3);
            for (int k = 0; k < 3; ++k) {
                QCOMPARE(shown[i].top[k].label,
                         QString::fromStdString(want.top[static_cast<size_t>(k)].label));
                QVERIFY(std::abs(shown[i].top[k].probability -
                                 want.top[static_cast<size_t>(k)].probability) < 1e-6);
            }
        }
        QCOMPARE(errors, 1);

        // The selected image's top-k bars; Grad-CAM really runs when toggled.
        page.selectPrediction(0);
        QCOMPARE(page.findChildren<QProgressBar*>("scoreBar").size(), 3);
        QVERIFY(!page.imageView()->pixmap().isNull());
        const QImage plain = page.imageView()->image();
        page.setGradCamShown(true);
        QTRY_COMPARE_WITH_TIMEOUT(page.gradCamsShown(), 1, 30000);
        QVERIFY(!page.imageView()->pixmap().isNull());
        QVERIFY(page.imageView()->image() != plain);  // the overlay, not the file again

        // CSV with a header and one row per image.
        const QString csv = m_temp.path() + "/predictions.csv";
        QString error;
        QVERIFY2(page.exportCsv(csv, &error), qPrintable(error));
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QStringList lines =
            QString::fromUtf8(file.readAll()).split("\r\n", Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 8);
        QVERIFY(lines[0].startsWith("path,"));
    }

    void aMissingModelSaysWhy() {
        PredictPage page;
        QSignalSpy failed(&page, &PredictPage::failed);
        QVERIFY(page.setModelSource(m_temp.path() + "/no-such-run"));
        QVERIFY(failed.wait(30000));
        QVERIFY2(failed.first().first().toString().contains("no-such-run"),
                 qPrintable(failed.first().first().toString()));
    }
};

QTEST_MAIN(PredictPageTest)
#include "predict_page_test.moc"
