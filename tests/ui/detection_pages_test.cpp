// The workbench's side of detection evaluation and prediction (issue 24, points 2 and 4), with
// a real detection project and a real tiny trained detection run: the Evaluate page's figures
// equal core's evaluateDetectionRun, its error filters count core's verdicts and show their
// tiles and images; the Predict page draws boxes and saves JSON, CSV and COCO results that
// match DetectionModel::detect; the box editor shows the run's boxes as suggestions, Enter
// accepts them as one undoable step.
#include <QDir>
#include <QFile>
#include <QFileInfo>
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
#include <QTreeWidget>
#include <QUndoStack>
#include <cmath>

#include "data/box_canvas.h"
#include "data/box_editor.h"
#include "data/box_suggester.h"
#include "data/data_page.h"
#include "evaluate/confusion_matrix_view.h"
#include "evaluate/detection_evaluation_view.h"
#include "evaluate/detection_overlay.h"
#include "evaluate/evaluate_page.h"
#include "fovea/core/project/project_store.h"
#include "fovea/core/session/prediction.h"
#include "fovea/ui/main_window.h"
#include "model/detection_project_settings.h"
#include "predict/detection_predict_view.h"
#include "predict/predict_page.h"
#include "project/project_session.h"
#include "runs/detection_run_info.h"
#include "runs/run_choice_dialog.h"
#include "runs/runs_page.h"
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

// The centre of a suggestion that no stored box covers (a press there picks a suggestion, not
// the box drawn over it), in the canvas's pixels.
std::optional<QPoint> freeSuggestion(const fovea::ui::BoxEditor* editor) {
    const fovea::ui::BoxCanvas* canvas = editor->canvas();
    for (const auto& suggestion : canvas->suggestions()) {
        const QPointF centre = canvas->boxToWidget(suggestion.box).center();
        const auto& boxes = editor->annotation().boxes;
        const bool covered =
            std::any_of(boxes.begin(), boxes.end(), [&](const core::ProjectBox& box) {
                return canvas->boxToWidget(box).adjusted(-3, -3, 3, 3).contains(centre);
            });
        if (!covered) return centre.toPoint();
    }
    return std::nullopt;
}

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

    void predictPageDrawsAndSavesBoxes() {
        MainWindow window;
        window.show();
        QString error;
        QVERIFY2(window.openProject(m_fixture.project, &error), qPrintable(error));
        auto* page = window.predictPage();
        auto* view = page->detectionView();
        QSignalSpy loaded(page, &fovea::ui::PredictPage::modelLoaded);
        if (!view->hasModel() && view->source() != m_fixture.run) {
            QVERIFY(page->setModelSource(m_fixture.run));
        }
        QVERIFY(view->hasModel() || fovea::test::received(loaded, 60000));
        QVERIFY(page->showsDetection());
        // The purpose line fits a detector: it draws boxes, it does not explain them.
        QStringList lines;
        for (const QLabel* label : page->findChildren<QLabel*>()) {
            if (label->text().startsWith("Drop images or folders to see")) lines << label->text();
        }
        QCOMPARE(lines.size(), 1);
        QVERIFY2(
            lines.front().contains("objects the detector finds") && !lines.front().contains("why"),
            qPrintable(lines.front()));
        // Boxes of the project's classes take their colours, as on the Data page; a class the
        // project lacks (a run of another project) a palette colour.
        for (const auto& info : window.session()->store().classes().value()) {
            QCOMPARE(view->colourOf(QString::fromStdString(info.name), 0).name(),
                     QString::fromStdString(info.colour).toLower());
        }
        QCOMPARE(view->colourOf("not a class here", 1), fovea::ui::detectorClassColour(1));
        QSignalSpy predicted(page, &fovea::ui::PredictPage::predicted);
        QVERIFY(page->addInputs({m_fixture.images}));
        QVERIFY(fovea::test::received(predicted, 120000));

        // The same images through the detector, here; the threshold half the best score (in the
        // slider's 1% steps), so that some boxes pass and some do not.
        const auto files = core::collectImageFiles({m_fixture.images.toStdString()}).files;
        auto model = core::DetectionModel::open(m_fixture.run.toStdString());
        QVERIFY(model.ok());
        float best = 0;
        for (const auto& image : model.value().detect(files, 0.05)) {
            for (const auto& box : image.boxes) best = std::max(best, box.score);
        }
        qInfo("best score of the tiny detector: %.3f", double(best));
        const double threshold = std::max(0.05, std::floor(double(best) * 50) / 100);
        view->setThreshold(threshold);
        const auto expected = model.value().detect(files, threshold);
        const auto shown = view->shownDetections();
        QCOMPARE(shown.size(), expected.size());
        std::size_t boxes = 0;
        for (std::size_t i = 0; i < shown.size(); ++i) {
            QCOMPARE(shown[i].file, expected[i].file);
            QCOMPARE(shown[i].boxes.size(), expected[i].boxes.size());
            boxes += shown[i].boxes.size();
        }
        QVERIFY2(boxes > 0, "boxes above half the best score");
        // Each image's line counts its boxes in words that fit the number.
        for (std::size_t i = 0; i < expected.size(); ++i) {
            const auto count = expected[i].boxes.size();
            const QString line = view->imageList()->item(static_cast<int>(i))->text();
            QVERIFY2(
                line.endsWith(QString(" · %1 %2").arg(count).arg(count == 1 ? "box" : "boxes")),
                qPrintable(line));
        }

        // The chosen image is drawn with its boxes listed; the slider filters without detecting
        // again.
        std::size_t chosen = 0;
        while (expected[chosen].boxes.empty()) ++chosen;
        view->selectImage(static_cast<int>(chosen));
        QCOMPARE(view->boxTable()->rowCount(), static_cast<int>(expected[chosen].boxes.size()));
        QVERIFY(!view->imageView()->image().isNull());
        const QImage withBoxes = view->imageView()->image();
        QCOMPARE(view->boxTable()->item(0, 0)->text(),
                 QString::fromStdString(expected[chosen].boxes[0].className));
        const float top = expected[chosen].boxes[0].score;
        view->setThreshold(std::min(1.0, top + 0.01));
        QVERIFY(!view->job()->isRunning());
        QCOMPARE(view->boxTable()->rowCount(), 0);
        QVERIFY(view->imageView()->image() != withBoxes);  // the boxes are gone from the picture
        view->setThreshold(threshold);
        QCOMPARE(view->boxTable()->rowCount(), static_cast<int>(expected[chosen].boxes.size()));

        // The three files, parsed back, hold the detector's boxes.
        const QString json = m_temp.filePath("detections.json");
        const QString csv = m_temp.filePath("detections.csv");
        const QString coco = m_temp.filePath("coco_results.json");
        QVERIFY2(view->saveJson(json, &error), qPrintable(error));
        QVERIFY2(view->saveCsv(csv, &error), qPrintable(error));
        QVERIFY2(view->saveCoco(coco, &error), qPrintable(error));
        auto read = [](const QString& path) {
            QFile file(path);
            return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
        };
        const QJsonObject saved = QJsonDocument::fromJson(read(json)).object();
        QCOMPARE(saved["min_score"].toDouble(), threshold);
        const QJsonArray predictions = saved["predictions"].toArray();
        QCOMPARE(predictions.size(), static_cast<qsizetype>(expected.size()));
        const QJsonArray cocoResults = QJsonDocument::fromJson(read(coco)).array();
        QCOMPARE(cocoResults.size(), static_cast<qsizetype>(boxes));
        const QStringList csvLines = QString::fromUtf8(read(csv)).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(csvLines.size(), static_cast<qsizetype>(boxes + 1));
        QCOMPARE(csvLines.front(), QString("path,class,score,x,y,w,h,error"));
        std::size_t result = 0;
        for (std::size_t i = 0; i < expected.size(); ++i) {
            const QJsonObject image = predictions[qsizetype(i)].toObject();
            QCOMPARE(image["path"].toString(), QString::fromStdString(expected[i].file.string()));
            const QJsonArray imageBoxes = image["boxes"].toArray();
            QCOMPARE(imageBoxes.size(), static_cast<qsizetype>(expected[i].boxes.size()));
            for (std::size_t b = 0; b < expected[i].boxes.size(); ++b, ++result) {
                const auto& want = expected[i].boxes[b];
                const QJsonObject box = imageBoxes[qsizetype(b)].toObject();
                QCOMPARE(box["class"].toString(), QString::fromStdString(want.className));
                QVERIFY(std::abs(box["score"].toDouble() - want.score) < 1e-4);
                QVERIFY(std::abs(box["x"].toDouble() - want.x) < 1e-3);
                QVERIFY(std::abs(box["h"].toDouble() - want.h) < 1e-3);
                const QJsonObject entry = cocoResults[qsizetype(result)].toObject();
                QCOMPARE(entry["image_id"].toInt(), static_cast<int>(i + 1));
                QCOMPARE(entry["category_id"].toInt(), want.classIndex + 1);
                QVERIFY(std::abs(entry["bbox"].toArray()[2].toDouble() - want.w) < 1e-3);
                const QStringList fields = csvLines[qsizetype(result + 1)].split(',');
                QCOMPARE(fields[1], "\"" + QString::fromStdString(want.className) + "\"");
                QVERIFY(std::abs(fields[2].toDouble() - want.score) < 1e-4);
            }
        }
    }

    // Captions of boxes on the same object (a ground truth and its detection, two classes'
    // detections) do not cover each other: above the box, inside its top, below it; the
    // likeliest box (drawn last) keeps the place above.
    void captionsOfOverlappingBoxesDoNotCoverEachOther() {
        const QRectF box(50, 50, 100, 80);
        const QSizeF text(60, 14);
        const QSizeF picture(400, 300);
        const QVector<QRectF> bands =
            fovea::ui::placeCaptions({box, box, box}, {text, text, text}, picture, 2.0);
        QCOMPARE(bands.size(), 3);
        QCOMPARE(bands[2].bottom(), box.top() - 1.0);  // above, for the last drawn
        QCOMPARE(bands[1].top(), box.top());           // inside its top
        QCOMPARE(bands[0].top(), box.bottom() + 1.0);  // below it
        for (int a = 0; a < 3; ++a) {
            for (int b = a + 1; b < 3; ++b) QVERIFY(!bands[a].intersects(bands[b]));
        }
        // A box at the picture's top has its caption inside; one without a caption, none.
        const QVector<QRectF> top =
            fovea::ui::placeCaptions({QRectF(10, 0, 80, 40), box}, {text, QSizeF()}, picture, 2.0);
        QCOMPARE(top[0].top(), 0.0);
        QVERIFY(top[1].isNull());
    }

    // The run chooser (Evaluate, Predict, Export, Suggest) names a detection run's detector and
    // its best validation mAP, as it names a classifier's architecture and accuracy; the Runs
    // page's settings line counts its one epoch in the singular.
    void runChooserDescribesDetectionRuns() {
        const auto run = fovea::ui::readDetectionRunInfo(m_fixture.run.toStdString());
        QVERIFY(run.has_value());
        fovea::ui::RunChoiceDialog dialog(m_fixture.project + "/runs",
                                          {"test", "Test", "A test.", "Use"});
        QTreeWidget* runs = dialog.runList();
        QCOMPARE(runs->topLevelItemCount(), 1);
        const QTreeWidgetItem* tiny = runs->topLevelItem(0);
        QCOMPARE(tiny->text(0), QString("tiny"));
        QCOMPARE(tiny->text(1), QString::fromStdString(run->settings.architecture));
        QVERIFY(!tiny->text(1).isEmpty());
        QCOMPARE(tiny->text(2),
                 run->bestMap ? QString("mAP %1").arg(*run->bestMap, 0, 'f', 3) : QString("—"));
        QCOMPARE(runs->headerItem()->text(2), QString("Best validation"));
        QCOMPARE(dialog.modelSource(), m_fixture.run);
        QVERIFY2(fovea::ui::detectionSettingsLine(*run).startsWith("detection · 1 epoch · "),
                 qPrintable(fovea::ui::detectionSettingsLine(*run)));
    }

    // A project whose detection settings were never chosen in the workbench (made by fovea-cli,
    // as the demo's is) offers its newest run's settings on the Model and Train pages, not
    // core's defaults (800 px, 10 epochs, 1000 test proposals).
    void unchosenSettingsAreTheNewestRuns() {
        auto store = core::ProjectStore::open(m_fixture.project.toStdString());
        QVERIFY(store);
        const auto saved = store.value().setting(fovea::ui::kDetectionSettingsSetting);
        QVERIFY(saved && !saved.value());
        const auto settings = fovea::ui::loadDetectionSettings(store.value());
        QCOMPARE(settings.epochs, std::int64_t(1));
        QCOMPARE(settings.minSize, std::int64_t(128));
        QCOMPARE(settings.rpnTestProposals, std::int64_t(100));
        QCOMPARE(settings.learningRate, 1e-5);
    }

    void boxEditorSuggestsAcceptsAndUndoes() {
        MainWindow window;
        window.show();
        QString error;
        QVERIFY2(window.openProject(m_fixture.project, &error), qPrintable(error));
        window.showPage("Data");
        auto* page = window.dataPage();
        fovea::ui::BoxEditor* editor = page->boxEditor();
        fovea::ui::BoxCanvas* canvas = editor->canvas();
        // The project's only detection run suggests by default.
        QCOMPARE(editor->suggestionRun(), m_fixture.run);
        editor->setSuggestionThreshold(0.05);  // the tiny detector's scores are low

        // The first image (in file order) with a suggestion off the stored boxes; each
        // suggestion is a box of the detector's on that image, in the image's pixels.
        auto images = window.session()->store().images();
        QVERIFY(images.ok());
        auto model = core::DetectionModel::open(m_fixture.run.toStdString());
        QVERIFY(model.ok());
        std::optional<core::ImageRecord> chosen;
        for (const auto& image : images.value()) {
            QSignalSpy shown(editor, &fovea::ui::BoxEditor::suggestionsShown);
            page->selectImages({image.id});
            QTRY_VERIFY_WITH_TIMEOUT(editor->hasPixels(), 20000);  // the picture's scale is final
            QTRY_VERIFY_WITH_TIMEOUT(!editor->suggester()->isBusy(), 60000);
            QCoreApplication::processEvents();
            if (!freeSuggestion(editor)) continue;
            const auto detected = model.value().detect({image.path}, 0.05).front().boxes;
            for (const auto& suggestion : canvas->suggestions()) {
                const bool fromDetector = std::any_of(
                    detected.begin(), detected.end(), [&](const core::DetectedBox& box) {
                        return std::abs(box.x - suggestion.box.x) < 1e-3 &&
                               std::abs(box.w - suggestion.box.w) < 1e-3 &&
                               std::abs(box.score - suggestion.score) < 1e-5;
                    });
                QVERIFY(fromDetector);
                QVERIFY(suggestion.score >= 0.05);
            }
            chosen = image;
            break;
        }
        QVERIFY2(chosen, "the tiny detector suggests a box off the stored ones on some image");
        const std::size_t before = editor->annotation().boxes.size();
        const std::size_t suggested = canvas->suggestions().size();
        QUndoStack* undo = window.session()->undoStack();
        const int steps = undo->index();

        // Enter accepts them all as one step; the boxes cover their suggestions, which leave.
        canvas->setFocus();
        QTest::keyClick(canvas, Qt::Key_Return);
        QCOMPARE(undo->index(), steps + 1);
        QCOMPARE(editor->annotation().boxes.size(), before + suggested);
        auto stored = window.session()->store().annotation(chosen->id);
        QVERIFY(stored.ok());
        QCOMPARE(stored.value().boxes.size(), before + suggested);
        QVERIFY(canvas->suggestions().empty());
        // Undo takes the boxes out and the suggestions come back.
        undo->undo();
        QCOMPARE(window.session()->store().annotation(chosen->id).value().boxes.size(), before);
        QCOMPARE(canvas->suggestions().size(), suggested);

        // Dragging a suggestion makes it a box where it was dropped.
        const QPoint from = *freeSuggestion(editor);
        // Nothing selected, so that the press picks the suggestion under it to move rather than
        // a handle of one selected before (the near-untrained detector's many suggestions
        // overlap: a handle of another may lie at this centre).
        canvas->selectSuggestion(-1);
        const double zoom = canvas->zoom();  // the drag's scale, kept until the release
        QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, from);
        // The press picked the smallest suggestion under the mouse.
        QVERIFY(canvas->selectedSuggestion() >= 0);
        const auto dragged = canvas->suggestions()[std::size_t(canvas->selectedSuggestion())].box;
        for (int i = 1; i <= 6; ++i) {
            QTest::mouseMove(canvas, from + QPoint(2 * i, i));
            QCoreApplication::processEvents();
        }
        QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, from + QPoint(12, 6));
        QCOMPARE(undo->index(), steps + 1);
        const auto fixed = window.session()->store().annotation(chosen->id).value().boxes;
        QCOMPARE(fixed.size(), before + 1);
        // Moved by the drag, kept inside the image.
        const double right = canvas->imageSize().width() - dragged.w;
        const double x = std::clamp(dragged.x + 12 / zoom, 0.0, right);
        QVERIFY2(std::abs(fixed.back().x - x) < 2,
                 qPrintable(QString("x %1, expected %2 (the suggestion was at %3, zoom %4)")
                                .arg(fixed.back().x)
                                .arg(x)
                                .arg(dragged.x)
                                .arg(zoom)));
        QCOMPARE(fixed.back().w, dragged.w);
        QCOMPARE(fixed.back().classId, dragged.classId);
        QCOMPARE(canvas->suggestions().size(), suggested - 1);

        // Escape dismisses the rest without touching the boxes.
        QTest::keyClick(canvas, Qt::Key_Escape);
        QVERIFY(canvas->suggestions().empty());
        QCOMPARE(undo->index(), steps + 1);
        QCOMPARE(window.session()->store().annotation(chosen->id).value().boxes.size(), before + 1);
    }

    // Renamed on the Runs page, the detection run stays open on Evaluate and Predict under its
    // new folder (as classification runs do); renamed back afterwards for the other cases.
    void renamedRunStaysOpenOnEvaluateAndPredict() {
        MainWindow window;
        window.show();
        QString error;
        QVERIFY2(window.openProject(m_fixture.project, &error), qPrintable(error));
        auto* evaluate = window.evaluatePage();
        auto* predict = window.predictPage();
        QSignalSpy evaluated(evaluate, &fovea::ui::EvaluatePage::evaluated);
        if (evaluate->runFolder() != m_fixture.run ||
            !evaluate->detectionView()->job()->isRunning()) {
            QVERIFY(evaluate->evaluateRun(m_fixture.run));
        }
        QVERIFY(fovea::test::received(evaluated, 120000));
        QSignalSpy loaded(predict, &fovea::ui::PredictPage::modelLoaded);
        if (predict->detectionView()->source() != m_fixture.run) {
            QVERIFY(predict->setModelSource(m_fixture.run));
        }
        QVERIFY(predict->detectionView()->hasModel() || fovea::test::received(loaded, 60000));

        const QString renamed = QFileInfo(m_fixture.run).dir().filePath("tiny renamed");
        QVERIFY2(window.runsPage()->renameRun(m_fixture.run, "tiny renamed", &error),
                 qPrintable(error));
        QCOMPARE(evaluate->runFolder(), renamed);
        QTRY_COMPARE_WITH_TIMEOUT(predict->detectionView()->source(), renamed, 60000);
        QVERIFY(fovea::test::received(evaluated, 120000));

        QVERIFY2(window.runsPage()->renameRun(renamed, "tiny", &error), qPrintable(error));
        QCOMPARE(evaluate->runFolder(), m_fixture.run);
    }
};

QTEST_MAIN(DetectionPagesTest)
#include "detection_pages_test.moc"
