// The Predict page with a real trained model: dropped files are predicted with the model's
// own preprocessing (the same figures as core::predictImages), the top-k bars show them,
// Grad-CAM really runs, and the CSV is written. Each file is listed once, rows can be removed
// and cleared with the preview following, and an unreadable file is shown and counted as such
// (issue 21).
#include <QAction>
#include <QApplication>
#include <QBuffer>
#include <QCheckBox>
#include <QDir>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUrl>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <utility>

#include "fovea/core/session/prediction.h"
#include "fovea/core/session/run_records.h"
#include "fovea/ui/main_window.h"
#include "predict/model_predictor.h"
#include "predict/predict_page.h"
#include "ui_test_project.h"
#include "ui_test_run.h"
#include "ui_test_window.h"
#include "widgets/background_job.h"
#include "widgets/elided_label.h"
#include "widgets/image_preview.h"

namespace core = fovea::core;
using fovea::ui::ModelPredictor;
using fovea::ui::PredictPage;

namespace {

// What the page's preview shows for `file` when nothing is laid over it.
QImage previewOf(const PredictPage& page, const QString& file) {
    fovea::ui::ImagePreview preview;
    preview.resize(page.imageView()->size());
    preview.showFile(file);
    return preview.image();
}

QString statusOf(const PredictPage& page) {
    return page.findChild<QLabel*>("predictStatus")->text();
}

QStringList pathsOf(const PredictPage& page) {
    QStringList paths;
    for (const auto& p : page.predictions()) paths << p.path;
    return paths;
}

int rowNamed(const PredictPage& page, const QString& fileName) {
    const QTableWidget* table = page.resultsTable();
    for (int row = 0; row < table->rowCount(); ++row) {
        if (table->item(row, 0)->text() == fileName) return row;
    }
    return -1;
}

// The largest difference of one channel of one pixel; 256 when the sizes differ.
int maxPixelDifference(const QImage& a, const QImage& b) {
    if (a.size() != b.size()) return 256;
    const QImage x = a.convertToFormat(QImage::Format_RGB32);
    const QImage y = b.convertToFormat(QImage::Format_RGB32);
    int most = 0;
    for (int row = 0; row < x.height(); ++row) {
        for (int column = 0; column < x.width(); ++column) {
            const QRgb p = x.pixel(column, row);
            const QRgb q = y.pixel(column, row);
            most = std::max({most, std::abs(qRed(p) - qRed(q)), std::abs(qGreen(p) - qGreen(q)),
                             std::abs(qBlue(p) - qBlue(q))});
        }
    }
    return most;
}

QString cellText(const QTableWidget* table, int row, int column) {
    const QTableWidgetItem* item = table->item(row, column);
    return item ? item->text() : QString("<no cell>");
}

QStringList csvLines(const QString& file) {
    QFile csv(file);
    if (!csv.open(QIODevice::ReadOnly)) return {};
    return QString::fromUtf8(csv.readAll()).split("\r\n", Qt::SkipEmptyParts);
}

// Answers the next modal file dialog: keeps the folder it opened in, then chooses `choose` (a
// folder) or, when empty, cancels.
void answerNextFileDialog(QObject* context, QString* openedIn, const QString& choose) {
    QTimer::singleShot(100, context, [openedIn, choose] {
        auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget());
        if (!dialog) return;
        *openedIn = dialog->directory().absolutePath();
        if (choose.isEmpty()) {
            dialog->reject();
            return;
        }
        dialog->setDirectory(choose);
        QMetaObject::invokeMethod(dialog, "accept");  // a protected slot
    });
}

}  // namespace

class PredictPageTest : public QObject {
    Q_OBJECT
  private:
    QTemporaryDir m_temp;
    QString m_images;
    QString m_run;

    QString classFolder(int index) const {
        return m_images + "/" + core::fashionMnistClassNames()[static_cast<size_t>(index)];
    }

    bool loadModel(PredictPage& page) const {
        QSignalSpy loaded(&page, &PredictPage::modelLoaded);
        return page.setModelSource(m_run) && loaded.wait(30000);
    }

    // Adds `inputs` as a drop does and waits until their rows are in.
    static bool addAndWait(PredictPage& page, const QStringList& inputs) {
        QSignalSpy predicted(&page, &PredictPage::predicted);
        return page.addInputs(inputs) && predicted.wait(60000);
    }

  private Q_SLOTS:
    void initTestCase() {
        fovea::test::useTestSettings("FoveaPredictTest");
        m_images = m_temp.path() + "/images";
        QVERIFY(fovea::test::writeUiTestImages(m_images, 3, 6, 2).labeled > 0);
        m_run = m_temp.path() + "/run";
        const QString error = fovea::test::trainTinyRun(m_images, m_run);
        QVERIFY2(error.isEmpty(), qPrintable(error));
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
        QCOMPARE(statusOf(page), QString("6 predicted, 1 unreadable"));

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
        // Each class and probability is a label beside its bar, never text drawn on the bar.
        const auto scoreLabels = page.findChildren<QLabel*>("scoreLabel");
        QCOMPARE(scoreLabels.size(), 3);
        QVERIFY2(scoreLabels.front()->text().startsWith(shown[0].top[0].label),
                 qPrintable(scoreLabels.front()->text()));
        for (const QProgressBar* bar : page.findChildren<QProgressBar*>("scoreBar")) {
            QVERIFY(!bar->isTextVisible());
        }
        // Top-k changed afterwards shows as many at once, without predicting again.
        auto* topK = page.findChild<QSpinBox*>("topKSpin");
        QVERIFY(topK);
        topK->setValue(2);
        QCOMPARE(page.findChildren<QLabel*>("scoreLabel").size(), 2);
        topK->setValue(5);
        QCOMPARE(page.findChildren<QLabel*>("scoreLabel").size(), 3);  // the model's 3 classes
        QVERIFY(!page.imageView()->pixmap().isNull());
        const QImage plain = page.imageView()->image();
        auto* colorBar = page.findChild<QWidget*>("gradCamColorBar");
        QVERIFY(colorBar);
        QVERIFY(colorBar->isHidden());
        page.setGradCamShown(true);
        QTRY_COMPARE_WITH_TIMEOUT(page.gradCamsShown(), 1, 30000);
        QVERIFY(!page.imageView()->pixmap().isNull());
        QVERIFY(page.imageView()->image() != plain);  // the overlay, not the file again
        QVERIFY(!colorBar->isHidden());               // with its colour scale

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

    // Issue 21: the same file added again (also through its folder, by another spelling of its
    // path or through a link) gets no second row, and the status line says so.
    // Add Folder… opens in the home folder at first, never in the working directory (the build
    // folder here), then where the last folder was chosen.
    void addFolderOpensAtHomeThenWhereTheLastFolderWas() {
        QSettings().remove("dialogs");
        PredictPage page;
        page.resize(1100, 700);
        page.show();
        QVERIFY(loadModel(page));
        // The run's name leads the model line, its path ends it; where the line is elided, the
        // path gives way and the name and facts stay whole.
        auto* modelLabel = page.findChild<fovea::ui::ElidedLabel*>("predictModelLabel");
        const QString modelLine = modelLabel->text();
        QVERIFY2(modelLine.startsWith("Model: run (resnet18, 3 classes) · "),
                 qPrintable(modelLine));
        QVERIFY2(modelLine.endsWith(m_run), qPrintable(modelLine));
        QVERIFY2(modelLabel->shownText().startsWith("Model: run (resnet18, 3 classes)"),
                 qPrintable(modelLabel->shownText()));
        auto* button = page.findChild<QPushButton*>("addFolderButton");
        QString openedIn;
        QSignalSpy predicted(&page, &PredictPage::predicted);
        answerNextFileDialog(this, &openedIn, classFolder(0));
        button->click();
        QCOMPARE(QDir(openedIn).canonicalPath(), QDir::home().canonicalPath());
        QVERIFY(predicted.wait(60000));
        QCOMPARE(page.resultsTable()->rowCount(), 6);

        answerNextFileDialog(this, &openedIn, {});
        button->click();
        QCOMPARE(QDir(openedIn).canonicalPath(), QDir(m_images).canonicalPath());
        QCOMPARE(page.resultsTable()->rowCount(), 6);
    }

    // A run named after its network (the workbench's "<time>-<network>") does not repeat the
    // network in the model line: the class count stays in view.
    void theModelLineNamesTheNetworkOnce() {
        const QString named = m_temp.path() + "/20260101-000000-resnet18";
        std::filesystem::copy(m_run.toStdString(), named.toStdString(),
                              std::filesystem::copy_options::recursive);
        PredictPage page;
        QSignalSpy loaded(&page, &PredictPage::modelLoaded);
        QVERIFY(page.setModelSource(named) && loaded.wait(30000));
        const QString line = page.findChild<fovea::ui::ElidedLabel*>("predictModelLabel")->text();
        QCOMPARE(line, "Model: 20260101-000000-resnet18 (3 classes) · " + named);
    }

    // Issue 21: in a project, Add Images… opens beside the folder the project's images were
    // imported from (where new images to predict usually are), not in the home folder.
    void addImagesOpensBesideTheProjectsImages() {
        QSettings().remove("dialogs");
        fovea::ui::MainWindow window;
        window.show();
        QVERIFY(fovea::test::importNewProject(window, m_temp.path() + "/p-add", m_images));
        window.showPage("Predict");
        QString openedIn;
        answerNextFileDialog(this, &openedIn, {});
        window.predictPage()->findChild<QPushButton*>("addImagesButton")->click();
        QCOMPARE(QDir(openedIn).canonicalPath(),
                 QDir(QFileInfo(m_images).absolutePath()).canonicalPath());

        // A project imported elsewhere (fovea-cli, another machine): where its images are.
        QSettings().remove("dialogs");
        answerNextFileDialog(this, &openedIn, {});
        window.predictPage()->findChild<QPushButton*>("addImagesButton")->click();
        QCOMPARE(QDir(openedIn).canonicalPath(), QDir(m_images).canonicalPath());
    }

    void aFileAddedAgainIsListedOnce() {
        PredictPage page;
        page.resize(1100, 700);
        page.show();
        QVERIFY(loadModel(page));
        const QString folder = classFolder(1);
        QVERIFY(addAndWait(page, {folder}));
        QCOMPARE(page.resultsTable()->rowCount(), 6);
        const QString firstStatus = statusOf(page);

        // The folder again, with another one: only the new folder's six are added.
        QVERIFY(addAndWait(page, {folder, classFolder(2)}));
        QCOMPARE(page.resultsTable()->rowCount(), 12);
        QCOMPARE(page.predictions().size(), 12);
        QCOMPARE(firstStatus, QString("6 predicted"));
        QCOMPARE(statusOf(page), QString("6 predicted, 6 already in the list · 12 in the list"));

        // One file of the folder by another spelling, then through a link to it.
        const QStringList files = QDir(folder).entryList(QDir::Files, QDir::Name);
        QVERIFY(files.size() == 6);
        const QString dotted = folder + "/../" + QFileInfo(folder).fileName() + "/./" + files[0];
        QVERIFY(addAndWait(page, {dotted}));
        QCOMPARE(page.resultsTable()->rowCount(), 12);
        QCOMPARE(statusOf(page), QString("Nothing added: 1 already in the list · 12 in the list"));
        const QString link = m_temp.path() + "/link-to-" + files[1];
        QVERIFY(QFile::link(folder + "/" + files[1], link));
        QVERIFY(addAndWait(page, {link}));
        QCOMPARE(page.resultsTable()->rowCount(), 12);
        QCOMPARE(statusOf(page), QString("Nothing added: 1 already in the list · 12 in the list"));

        // Each file once in the table.
        QStringList identities;
        for (const auto& p : page.predictions()) {
            identities << QFileInfo(p.path).canonicalFilePath();
        }
        identities.removeDuplicates();
        QCOMPARE(identities.size(), 12);
    }

    // Issue 21: rows go with Remove, the Delete key and the context menu, all with Clear; the
    // preview and scores follow, and the CSV holds what the table holds.
    void rowsCanBeRemovedAndCleared() {
        PredictPage page;
        page.resize(1100, 700);
        page.show();
        page.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&page));
        QVERIFY(loadModel(page));
        QVERIFY(addAndWait(page, {classFolder(0), classFolder(1)}));
        QTableWidget* table = page.resultsTable();
        QCOMPARE(table->rowCount(), 12);
        auto* remove = page.findChild<QPushButton*>("removeRowsButton");
        auto* clear = page.findChild<QPushButton*>("clearRowsButton");
        QVERIFY(remove && clear);

        // Remove: rows 1 and 2 selected, row 1 shown.
        const QStringList before = pathsOf(page);
        page.selectPrediction(1);
        QCOMPARE(page.imageView()->image(), previewOf(page, before[1]));
        table->selectionModel()->select(table->model()->index(2, 0),
                                        QItemSelectionModel::Select | QItemSelectionModel::Rows);
        QVERIFY(remove->isEnabled());
        QTest::mouseClick(remove, Qt::LeftButton);
        QCOMPARE(table->rowCount(), 10);
        QCOMPARE(pathsOf(page).size(), 10);
        QVERIFY(!pathsOf(page).contains(before[1]) && !pathsOf(page).contains(before[2]));
        QCOMPARE(table->item(1, 0)->text(), QFileInfo(before[3]).fileName());
        // The row after the removed ones is selected and shown, not the removed image.
        QCOMPARE(table->currentRow(), 1);
        QVERIFY(previewOf(page, before[1]) != previewOf(page, before[3]));
        QCOMPARE(page.imageView()->image(), previewOf(page, before[3]));
        QCOMPARE(statusOf(page), QString("2 removed · 10 in the list"));

        // The Delete key on the selected row.
        page.selectPrediction(0);
        table->setFocus();
        QTest::keyClick(table, Qt::Key_Delete);
        QCOMPARE(table->rowCount(), 9);
        QVERIFY(!pathsOf(page).contains(before[0]));
        QCOMPARE(page.imageView()->image(), previewOf(page, before[3]));

        // The context menu's Remove on the last row: the row before it is shown.
        QCOMPARE(table->contextMenuPolicy(), Qt::ActionsContextMenu);
        QAction* removeAction = nullptr;
        for (QAction* action : table->actions()) {
            if (action->text() == "Remove") removeAction = action;
        }
        QVERIFY(removeAction);
        const QString last = pathsOf(page).back();
        page.selectPrediction(8);
        removeAction->trigger();
        QCOMPARE(table->rowCount(), 8);
        QVERIFY(!pathsOf(page).contains(last));
        QCOMPARE(table->currentRow(), 7);
        QCOMPARE(page.imageView()->image(), previewOf(page, pathsOf(page).back()));

        // Grad-CAM of the selected row; the row goes while its overlay is being made: the
        // next row's overlay is shown, not the removed row's.
        const QString gone = pathsOf(page)[0];
        const QString next = pathsOf(page)[1];
        page.selectPrediction(0);
        page.setGradCamShown(true);
        const int overlays = page.gradCamsShown();
        QTest::mouseClick(remove, Qt::LeftButton);
        QCOMPARE(table->rowCount(), 7);
        QTRY_VERIFY2_WITH_TIMEOUT(
            page.gradCamsShown() == overlays + 2,
            qPrintable(
                QString("%1 overlays; status: %2").arg(page.gradCamsShown()).arg(statusOf(page))),
            30000);
        QVERIFY(!page.job()->isRunning());
        auto predictor = ModelPredictor::load(m_run);
        QVERIFY(predictor.ok());
        const int nextClass = page.predictions()[0].top.front().index;
        const auto goneOverlay = predictor.value()->gradCamOverlay(gone, nextClass);
        const auto nextOverlay = predictor.value()->gradCamOverlay(next, nextClass);
        QVERIFY(goneOverlay.ok() && nextOverlay.ok());
        const QImage shown = page.imageView()->image();
        QVERIFY(maxPixelDifference(shown, nextOverlay.value()) <= 2);
        QVERIFY(maxPixelDifference(shown, goneOverlay.value()) > 2);
        page.setGradCamShown(false);

        // The CSV holds the seven rows left, and none of the removed ones.
        const QString csv = m_temp.path() + "/after-removal.csv";
        QString error;
        QVERIFY2(page.exportCsv(csv, &error), qPrintable(error));
        const QStringList lines = csvLines(csv);
        QCOMPARE(lines.size(), 1 + 7);
        for (const QString& path : pathsOf(page)) {
            QVERIFY2(lines.filter(path).size() == 1, qPrintable(path));
        }
        for (const QString& path : {before[0], before[1], before[2], last, gone}) {
            QVERIFY2(lines.filter(path).isEmpty(), qPrintable(path));
        }

        // Clear: no row, no picture, no scores; the files can be added again.
        page.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&page));
        clear->setFocus();
        QTest::mouseClick(clear, Qt::LeftButton);
        // The focus goes on to Add Images… (it fell on the top-k field, its text selected).
        QCOMPARE(QApplication::focusWidget(), page.findChild<QPushButton*>("addImagesButton"));
        QCOMPARE(table->rowCount(), 0);
        QVERIFY(page.predictions().isEmpty());
        QVERIFY(page.imageView()->image().isNull());
        QCOMPARE(page.findChildren<QProgressBar*>("scoreBar").size(), 0);
        QVERIFY(!remove->isEnabled() && !clear->isEnabled());
        QCOMPARE(statusOf(page), QString("7 removed · the list is empty"));
        QVERIFY(addAndWait(page, {classFolder(0)}));
        QCOMPARE(table->rowCount(), 6);
        QCOMPARE(statusOf(page), QString("6 predicted"));
    }

    // Clear while a prediction runs: its rows never arrive.
    void clearingWhilePredictingDropsTheResults() {
        PredictPage page;
        page.resize(1100, 700);
        page.show();
        QVERIFY(loadModel(page));
        QSignalSpy predicted(&page, &PredictPage::predicted);
        QSignalSpy failed(&page, &PredictPage::failed);
        QSignalSpy finished(page.job(), &fovea::ui::BackgroundJob::finished);
        QVERIFY(page.addInputs({classFolder(0), classFolder(1)}));
        auto* clear = page.findChild<QPushButton*>("clearRowsButton");
        QVERIFY(clear && clear->isEnabled());
        QTest::mouseClick(clear, Qt::LeftButton);
        // finished() may come before a wait() could start: counted, then the page's own queued
        // handling of it runs.
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 60000);
        QCoreApplication::processEvents();
        QCOMPARE(page.resultsTable()->rowCount(), 0);
        QCOMPARE(predicted.size(), 0);
        QCOMPARE(failed.size(), 0);
        QCOMPARE(statusOf(page), QString("The list is empty"));
    }

    // Issue 21: an unreadable file (a truncated JPEG, a text file named .jpg) reads "unreadable"
    // in another colour with the problem in its own column, never in Probability; the status
    // line counts it apart, and the CSV keeps its error.
    void anUnreadableFileIsShownAndCountedApart() {
        const QString mixed = m_temp.path() + "/mixed";
        QVERIFY(QDir().mkpath(mixed));
        const QStringList good = QDir(classFolder(2)).entryList(QDir::Files, QDir::Name).mid(0, 5);
        for (const QString& file : good) {
            QVERIFY(QFile::copy(classFolder(2) + "/" + file, mixed + "/" + file));
        }
        QImage picture(160, 120, QImage::Format_RGB32);
        for (int y = 0; y < picture.height(); ++y) {
            for (int x = 0; x < picture.width(); ++x) picture.setPixel(x, y, qRgb(x, y, x ^ y));
        }
        QByteArray jpeg;
        QBuffer buffer(&jpeg);
        QVERIFY(buffer.open(QIODevice::WriteOnly));
        QVERIFY(picture.save(&buffer, "JPG"));
        QFile half(mixed + "/half.jpg");
        QVERIFY(half.open(QIODevice::WriteOnly));
        half.write(jpeg.left(jpeg.size() / 2));
        half.close();
        QFile text(mixed + "/notes.jpg");
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("shopping list: milk, eggs\n");
        text.close();

        PredictPage page;
        page.resize(1100, 700);
        page.show();
        QVERIFY(loadModel(page));
        QVERIFY(addAndWait(page, {mixed}));
        QTableWidget* table = page.resultsTable();
        QCOMPARE(table->rowCount(), 7);

        const QColor textColour = table->palette().color(QPalette::Text);
        for (const auto& [name, problem] :
             {std::pair<QString, QString>{"notes.jpg", "not an image"},
              {"half.jpg", "truncated"}}) {
            const int row = rowNamed(page, name);
            QVERIFY2(row >= 0, qPrintable(name));
            QCOMPARE(cellText(table, row, 1), QString("unreadable"));
            QCOMPARE(cellText(table, row, 2), QString());  // no error as a probability
            QCOMPARE(table->item(row, 1)->foreground().style(), Qt::SolidPattern);
            QVERIFY(table->item(row, 1)->foreground().color() != textColour);
            QVERIFY2(cellText(table, row, 3).contains(problem),
                     qPrintable(cellText(table, row, 3)));
            QVERIFY(table->item(row, 3)->toolTip().contains(mixed + "/" + name));
        }
        QCOMPARE(table->horizontalHeaderItem(3)->text(), QString("Problem"));
        QVERIFY(!table->isColumnHidden(3));
        const int readable = rowNamed(page, good[0]);
        QVERIFY(readable >= 0);
        QVERIFY(cellText(table, readable, 2).endsWith('%'));
        QCOMPARE(cellText(table, readable, 3), QString());

        QCOMPARE(statusOf(page), QString("5 predicted, 2 unreadable"));

        // Its preview says why, once; it has no score bars, and the picture keeps its place.
        const int pictureHeight = page.findChild<QLabel*>("predictImage")->height();
        page.selectPrediction(rowNamed(page, "notes.jpg"));
        QCOMPARE(page.findChildren<QProgressBar*>("scoreBar").size(), 0);
        auto* preview = page.findChild<QLabel*>("predictImage");
        QVERIFY2(preview->text().contains("not an image"), qPrintable(preview->text()));
        int saying = 0;
        for (const QLabel* label : page.findChildren<QLabel*>())
            saying += label->isVisible() && label->text().contains("not an image");
        QCOMPARE(saying, 1);
        QTest::qWait(20);
        QCOMPARE(preview->height(), pictureHeight);

        // The CSV: an error column, filled for the unreadable files only.
        const QString csv = m_temp.path() + "/mixed.csv";
        QString error;
        QVERIFY2(page.exportCsv(csv, &error), qPrintable(error));
        const QStringList lines = csvLines(csv);
        QCOMPARE(lines.size(), 1 + 7);
        QVERIFY2(lines[0].endsWith(",error"), qPrintable(lines[0]));
        QVERIFY(lines.filter("notes.jpg").first().contains("not an image"));
        QVERIFY(lines.filter("half.jpg").first().contains("truncated"));
        QVERIFY(lines.filter(good[0]).first().endsWith(","));
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
