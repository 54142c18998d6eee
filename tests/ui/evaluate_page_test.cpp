// The Evaluate page after a real training run in the window: the run is evaluated on its own
// validation images, the confusion heatmap matches core's figures, clicking a cell shows its
// images, and a key press on an image fixes its label in the project and moves it in the
// matrix. At the window's default size the image lists are tidy grids of whole tiles with
// whole captions, and Grad-CAM comes with its colour scale.
#include <QApplication>
#include <QDialogButtonBox>
#include <QElapsedTimer>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStyle>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>
#include <algorithm>
#include <map>
#include <opencv2/core.hpp>

#include "data/class_chooser.h"
#include "data/data_page.h"
#include "evaluate/confusion_matrix_view.h"
#include "evaluate/evaluate_page.h"
#include "evaluate/image_tile_delegate.h"
#include "evaluate/run_evaluation.h"
#include "export/export_page.h"
#include "fovea/core/image/heatmap_overlay.h"
#include "fovea/ui/main_window.h"
#include "model/model_page.h"
#include "predict/model_predictor.h"
#include "predict/predict_page.h"
#include "project/project_session.h"
#include "runs/run_choice_dialog.h"
#include "train/train_page.h"
#include "ui_test_project.h"
#include "ui_test_run.h"
#include "ui_test_window.h"
#include "widgets/background_job.h"

namespace core = fovea::core;
using fovea::ui::MainWindow;
using fovea::ui::RunEvaluation;

namespace {

// Where the shown text of a one-line label (a QLabel or an elided label) either fits or is in
// the tooltip in full; the reason when not.
QString clippedText(const QWidget* label) {
    const QString text = label->property("text").toString();
    if (label->fontMetrics().horizontalAdvance(text) <= label->contentsRect().width()) return {};
    if (label->toolTip() == text) return {};
    return QString("\"%1\" is cut at %2 px without a tooltip")
        .arg(text)
        .arg(label->contentsRect().width());
}

// The problems with a list of image tiles, empty when there is none: every tile is whole and
// of one size, the tiles are a grid with `spacing` between them and no gap or overlap, each
// thumbnail is whole, and each caption (given → predicted, the loss) is shown whole or elided
// with its full text in the tooltip.
QStringList tileProblems(QListWidget* list, const QStringList& classNames) {
    QStringList problems;
    const auto* tiles = qobject_cast<fovea::ui::ImageTileDelegate*>(list->itemDelegate());
    if (!tiles) problems << "the list does not draw image tiles";
    const QFontMetrics metrics(list->font());
    const QRect viewport = list->viewport()->rect();
    const int spacing = list->spacing();
    QList<QRect> rects;
    for (int row = 0; row < list->count(); ++row) {
        const QListWidgetItem* item = list->item(row);
        const QRect tile = list->visualItemRect(item);
        rects << tile;
        const QString where = QString("tile %1 %2: ").arg(row).arg(item->text());
        if (tile.size() != rects.first().size()) {
            problems << where + QString("%1 x %2, the first is %3 x %4")
                                    .arg(tile.width())
                                    .arg(tile.height())
                                    .arg(rects.first().width())
                                    .arg(rects.first().height());
        }
        if (tile.left() < 0 || tile.right() > viewport.right()) problems << where + "cut at a side";
        if (item->icon().isNull()) problems << where + "no thumbnail";
        if (tile.width() < list->iconSize().width() ||
            tile.height() < list->iconSize().height() + 2 * metrics.lineSpacing()) {
            problems << where + "too small for its thumbnail and two caption lines";
        }
        const QStringList lines = item->text().split('\n');
        if (lines.size() != 2) problems << where + "not two caption lines";
        if (tiles) {
            // The thumbnail square, whole, inside the tile.
            const QRect square = tiles->thumbnailRect(tile);
            if (square.size() != list->iconSize() || !tile.contains(square)) {
                problems << where + "the thumbnail does not fit";
            }
            // The caption: each line drawn whole or elided, under the thumbnail.
            const QStringList shown = tiles->shownCaption(metrics, item->text());
            const QRect caption = tiles->captionRect(tile, metrics);
            if (!tile.contains(caption) ||
                caption.height() < shown.size() * metrics.lineSpacing() ||
                caption.top() <= square.bottom()) {
                problems << where + "the caption is clipped or covers the thumbnail";
            }
            for (int i = 0; i < shown.size(); ++i) {
                if (metrics.horizontalAdvance(shown[i]) > caption.width()) {
                    problems << where + "caption line wider than the tile: " + shown[i];
                }
            }
        }
        if (!lines.value(1).startsWith("loss ")) problems << where + "no loss in the caption";
        // The tooltip says it in full: given, predicted, loss.
        const QString tip = item->toolTip();
        bool named = false;
        for (const QString& name : classNames) named |= tip.contains("Given: " + name);
        if (!named || !tip.contains("Predicted: ") || !tip.contains("Loss: ")) {
            problems << where + "the tooltip lacks the full caption: " + tip;
        }
    }
    if (rects.isEmpty()) return problems;
    // A grid: rows share a top, columns a left, and neighbours are `spacing` apart.
    std::map<int, QList<QRect>> rows;
    for (const QRect& r : rects) rows[r.top()] << r;
    QList<int> columns;
    for (const QRect& r : rows.begin()->second) columns << r.left();
    std::sort(columns.begin(), columns.end());
    int previousBottom = -1;
    for (auto& [top, row] : rows) {
        std::sort(row.begin(), row.end(),
                  [](const QRect& a, const QRect& b) { return a.left() < b.left(); });
        for (int i = 0; i < row.size(); ++i) {
            if (i >= columns.size() || row[i].left() != columns[i]) {
                problems << QString("row at %1: tile %2 is off the grid").arg(top).arg(i);
            }
            if (i > 0 && row[i].left() - row[i - 1].right() - 1 != spacing) {
                problems << QString("row at %1: %2 px between tiles %3 and %4, spacing %5")
                                .arg(top)
                                .arg(row[i].left() - row[i - 1].right() - 1)
                                .arg(i - 1)
                                .arg(i)
                                .arg(spacing);
            }
        }
        if (previousBottom >= 0 && top - previousBottom - 1 != spacing) {
            problems << QString("%1 px between the rows at %2, spacing %3")
                            .arg(top - previousBottom - 1)
                            .arg(top)
                            .arg(spacing);
        }
        previousBottom = row.first().bottom();
    }
    // No room for another tile is left unused at the end of a full row.
    if (rows.size() > 1 &&
        rows.begin()->second.last().right() + 2 * spacing + rects.first().width() + 2 <=
            viewport.right()) {
        problems << "a full row leaves room for one more tile";
    }
    return problems;
}

// Waits until every tile of `list` has its thumbnail.
bool thumbnailsArrived(QListWidget* list) {
    QElapsedTimer waited;
    waited.start();
    auto all = [list] {
        for (int row = 0; row < list->count(); ++row) {
            if (list->item(row)->icon().isNull()) return false;
        }
        return true;
    };
    while (!all() && waited.elapsed() < 20000) QTest::qWait(50);
    QTest::qWait(50);  // the list lays out again
    return all();
}

}  // namespace

class EvaluatePageTest : public QObject {
    Q_OBJECT
  private:
    QTemporaryDir m_temp;
    QString m_images;
    QString m_run;

  private Q_SLOTS:
    void initTestCase() {
        fovea::test::useTestSettings("FoveaEvaluatePageTest");
        // Classes with long names ("T-shirt/top → Ankle boot" is wider than a tile), 90
        // images, 18 of them held out: enough wrong ones for several rows of top losses.
        m_images = m_temp.path() + "/images";
        core::FashionMnistFolderOptions options;
        options.classes = {0, 2, 9};
        options.imagesPerClass = 30;
        options.seed = 11;
        QVERIFY(core::writeFashionMnistFolder(m_images.toStdString(), options).ok());
        // A tiny run, in a folder with a long path (as runs in a project folder have).
        m_run = m_temp.path() +
                "/a project folder with a long name/runs/"
                "2025-01-31 mobilenet_v3_small from scratch at 64 px, no augmentation, one epoch";
        // One epoch: enough wrong predictions to fill the Top losses grid.
        const QString error = fovea::test::trainTinyRun(m_images, m_run, 16, 1);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    // Issue 21: the Top losses tab drew thumbnails cut off, with gaps, and clipped or missing
    // captions; the cell list is drawn the same way.
    void imageListsAreTidyGridsOfWholeTilesAtTheDefaultSize() {
        MainWindow window;  // at its default size, 1280 x 800
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.size(), QSize(1280, 800));
        QVERIFY(fovea::test::importNewProject(window, m_temp.path() + "/project", m_images));
        window.showPage("Evaluate");
        auto* page = window.evaluatePage();
        QVERIFY(page->isVisible());
        QSignalSpy evaluated(page, &fovea::ui::EvaluatePage::evaluated);
        QVERIFY(page->evaluateRun(m_run));
        QVERIFY(evaluated.wait(120000));
        const RunEvaluation* e = page->evaluation();
        QVERIFY(e);
        const QStringList names = e->classNames();

        auto* tabs = page->findChild<QTabWidget*>();
        QVERIFY(tabs);
        QListWidget* losses = page->topLosses();
        tabs->setCurrentWidget(losses);
        QVERIFY2(losses->count() >= 4, qPrintable(QString::number(losses->count())));
        QVERIFY(thumbnailsArrived(losses));
        if (qEnvironmentVariableIsSet("FOVEA_TEST_SCREENSHOTS")) {
            window.grab().save(qEnvironmentVariable("FOVEA_TEST_SCREENSHOTS") +
                               "/evaluate_top_losses.png");
        }
        QStringList problems = tileProblems(losses, names);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join("\n")));

        // The largest cell's images: the same tiles.
        int truth = 0;
        int predicted = 0;
        for (int t = 0; t < names.size(); ++t) {
            for (int p = 0; p < names.size(); ++p) {
                if (e->count(t, p) > e->count(truth, predicted)) {
                    truth = t;
                    predicted = p;
                }
            }
        }
        page->showCell(truth, predicted);
        QListWidget* cell = page->cellImages();
        QCOMPARE(cell->count(), int(e->count(truth, predicted)));
        const auto inCell = e->cell(truth, predicted);
        for (int i = 1; i < inCell.size(); ++i) QVERIFY(inCell[i - 1].loss >= inCell[i].loss);
        QVERIFY(thumbnailsArrived(cell));
        problems = tileProblems(cell, names);
        QVERIFY2(problems.isEmpty(), qPrintable(problems.join("\n")));

        // The run's long path is elided with a tooltip, the summary wraps instead of cutting.
        auto* runLabel = page->findChild<QWidget*>("evaluatedRunLabel");
        QVERIFY(runLabel);
        const QString runClipped = clippedText(runLabel);
        QVERIFY2(runClipped.isEmpty(), qPrintable(runClipped));
        auto* summary = page->findChild<QLabel*>("evaluationSummary");
        QVERIFY(summary->height() >= summary->heightForWidth(summary->width()));
        // The matrix's headers name their classes in tooltips, for when they are elided.
        auto* matrix = page->confusionView();
        // Columns are numbered like the rows: their headers fit however many classes there are.
        const QFontMetrics headerFont(matrix->horizontalHeader()->font());
        for (int c = 0; c < names.size(); ++c) {
            QVERIFY(matrix->horizontalHeaderItem(c)->toolTip().contains(names[c]));
            QVERIFY(matrix->verticalHeaderItem(c)->toolTip().contains(names[c]));
            QCOMPARE(matrix->horizontalHeaderItem(c)->text(), QString::number(c + 1));
            QVERIFY(matrix->verticalHeaderItem(c)->text().endsWith(names[c]));
            // With the header's margins, as QHeaderView elides.
            const int margins =
                2 * matrix->style()->pixelMetric(QStyle::PM_HeaderMargin, nullptr, matrix);
            QVERIFY(headerFont.horizontalAdvance(matrix->horizontalHeaderItem(c)->text()) +
                        margins <=
                    matrix->columnWidth(c));
        }

        // Evaluating a run again clears what was shown at once: no cell tab of the last one.
        QVERIFY(tabs->tabText(0).contains("→"));
        QSignalSpy again(page, &fovea::ui::EvaluatePage::evaluated);
        QVERIFY(page->evaluateRun(m_run));
        QCOMPARE(tabs->tabText(0), QString("Images in cell"));
        QCOMPARE(cell->count(), 0);
        QCOMPARE(matrix->rowCount(), 0);
        QVERIFY(fovea::test::received(again, 120000));
        QCOMPARE(tabs->tabText(0), QString("Images in cell"));
        QCOMPARE(cell->count(), 0);
    }

    // Issue 21: Grad-CAM views show a colour scale, core's own heatmap colours, low to high.
    void gradCamComesWithItsColourScale() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(fovea::test::importNewProject(window, m_temp.path() + "/project2", m_images));
        window.showPage("Evaluate");
        auto* page = window.evaluatePage();
        QVERIFY(page->isVisible());
        QSignalSpy evaluated(page, &fovea::ui::EvaluatePage::evaluated);
        QVERIFY(page->evaluateRun(m_run));
        QVERIFY(evaluated.wait(120000));
        auto* tabs = page->findChild<QTabWidget*>();
        tabs->setCurrentWidget(page->topLosses());
        page->topLosses()->setCurrentRow(0);

        auto* bar = page->findChild<QWidget*>("gradCamColorBar");
        QVERIFY2(bar, "no colour scale on the Evaluate page");
        QVERIFY(!bar->isVisible());  // the plain image has none
        page->setGradCamShown(true);
        QTRY_COMPARE_WITH_TIMEOUT(page->gradCamsShown(), 1, 30000);
        QVERIFY(bar->isVisible());
        // Under the picture it explains, whole, with its words.
        const QRect picture(page->imageView()->mapTo(page, QPoint()), page->imageView()->size());
        const QRect scale(bar->mapTo(page, QPoint()), bar->size());
        QVERIFY(scale.top() > picture.bottom());
        QVERIFY(page->rect().contains(scale));
        for (const char* name : {"colorBarLow", "colorBarHigh"}) {
            auto* words = bar->findChild<QLabel*>(name);
            QVERIFY(words);
            QVERIFY(words->width() >= words->sizeHint().width());
        }
        QCOMPARE(bar->findChild<QLabel*>("colorBarLow")->text(), QString("low"));
        QCOMPARE(bar->findChild<QLabel*>("colorBarHigh")->text(), QString("high attention"));
        auto* ramp = bar->findChild<QWidget*>("colorRamp");
        QVERIFY(ramp && ramp->width() >= 96 && ramp->height() >= 8);
        const QImage drawn = ramp->grab().toImage();
        // Every pixel across the ramp is one of core's 256 colours, from value 0 at the left
        // end to 1 at the right, never going back.
        cv::Mat values(1, 256, CV_32FC1);
        for (int i = 0; i < 256; ++i) values.at<float>(0, i) = float(i) / 255.0f;
        const cv::Mat colours = core::colorizeHeatmap(values).value();
        QHash<QRgb, int> level;
        for (int i = 0; i < 256; ++i) {
            const auto& p = colours.at<cv::Vec3b>(0, i);
            level.insert(qRgb(p[0], p[1], p[2]), i);
        }
        const int y = drawn.height() / 2;
        int previous = 0;
        for (int x = 0; x < drawn.width(); ++x) {
            const QRgb pixel = drawn.pixel(x, y) | 0xff000000;
            QVERIFY2(level.contains(pixel), qPrintable(QString("x %1: not core's colour").arg(x)));
            QVERIFY(level.value(pixel) >= previous);
            previous = level.value(pixel);
        }
        QCOMPARE(level.value(drawn.pixel(0, y) | 0xff000000), 0);
        QCOMPARE(level.value(drawn.pixel(drawn.width() - 1, y) | 0xff000000), 255);
        if (qEnvironmentVariableIsSet("FOVEA_TEST_SCREENSHOTS")) {
            window.grab().save(qEnvironmentVariable("FOVEA_TEST_SCREENSHOTS") +
                               "/evaluate_grad_cam.png");
        }
        // The Per class tab shows no image: no scale beside the empty preview.
        tabs->setCurrentIndex(tabs->count() - 1);
        QVERIFY(!bar->isVisible());
        tabs->setCurrentWidget(page->topLosses());
        page->setGradCamShown(false);
        QVERIFY(!bar->isVisible());
    }

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

        // Key L and the start of a class's name reach every class, as on the Data page.
        window.showPage("Evaluate");
        window.session()->undoStack()->undo();
        QListWidget* list = page->cellImages();
        int row = -1;
        for (int r = 0; r < list->count(); ++r) {
            if (list->item(r)->data(Qt::UserRole + 1).toLongLong() == imageId) row = r;
        }
        QVERIFY(row >= 0);
        const int third = (truth + 2) % 3;
        const qint64 thirdBefore = e->count(third, predicted);
        list->setCurrentRow(row);
        list->setFocus();
        QTest::keyClick(list, Qt::Key_L);
        auto* chooser = page->classChooser();
        QVERIFY(chooser->isVisible());
        const QString name = QString::fromStdString(classes[static_cast<size_t>(third)].name);
        QTest::keyClicks(chooser->edit(), name);
        QTest::keyClick(chooser->edit(), Qt::Key_Return);
        QVERIFY(!chooser->isVisible());
        QCOMPARE(*window.session()->store().image(imageId).value().classId,
                 classes[static_cast<size_t>(third)].id);
        QCOMPARE(e->count(third, predicted), thirdBefore + 1);

        // Evaluate a Run… lists the project's runs with a model, the one shown chosen already;
        // Evaluate evaluates it again.
        const QString run = page->runFolder();
        page->closeRun();
        window.predictPage()->clearModel();
        window.exportPage()->clearSource();
        QVERIFY(page->runFolder().isEmpty());
        int listed = -1;
        QTimer::singleShot(200, this, [&] {
            auto* dialog =
                qobject_cast<fovea::ui::RunChoiceDialog*>(QApplication::activeModalWidget());
            if (!dialog) return;
            listed = dialog->runList()->topLevelItemCount();
            dialog->setModelSource(run);
            dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
        });
        evaluated.clear();
        page->findChild<QPushButton*>("chooseRunButton")->click();
        QCOMPARE(listed, 1);
        QCOMPARE(page->runFolder(), run);
        QVERIFY(evaluated.wait(120000));
        // The other run pages show the run chosen here (they pointed at different runs).
        QCOMPARE(window.exportPage()->source(), run);
        QTRY_VERIFY_WITH_TIMEOUT(window.predictPage()->predictor(), 60000);  // loads in the back
        QCOMPARE(window.predictPage()->predictor()->source(), run);

        // And from Export's Choose Run…: Predict and Evaluate follow.
        evaluated.clear();
        window.predictPage()->clearModel();
        window.exportPage()->clearSource();
        QTimer::singleShot(200, this, [&] {
            auto* dialog =
                qobject_cast<fovea::ui::RunChoiceDialog*>(QApplication::activeModalWidget());
            if (!dialog) return;
            dialog->setModelSource(run);
            dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
        });
        window.exportPage()->findChild<QPushButton*>("chooseExportSourceButton")->click();
        QCOMPARE(window.exportPage()->source(), run);
        QTRY_VERIFY_WITH_TIMEOUT(window.predictPage()->predictor(), 60000);
        QCOMPARE(window.predictPage()->predictor()->source(), run);
        QTRY_VERIFY_WITH_TIMEOUT(!evaluated.isEmpty(), 120000);  // again, for Export's choice
    }
};

QTEST_MAIN(EvaluatePageTest)
#include "evaluate_page_test.moc"
