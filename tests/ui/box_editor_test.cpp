// Drawing boxes in a detection project (issue 24, point 2), driven like a user through the
// window: a real detection project made in the test (PNG and JPEG files written here, boxes
// from a COCO file, imported by the store's detection import), boxes drawn, resized, moved,
// re-classed and deleted with the mouse and keys at zooms other than 1, each step undone and
// redone with Ctrl+Z / Ctrl+Shift+Z, background images, the grid's badges and filters, and the
// longest stall of the GUI thread while dragging a box on a 4000 x 3000 photo.
#include <QAbstractButton>
#include <QApplication>
#include <QBuffer>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QListView>
#include <QListWidget>
#include <QPainter>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>
#include <QtEndian>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "data/box_canvas.h"
#include "data/box_editor.h"
#include "data/data_page.h"
#include "data/image_list_model.h"
#include "data/labeling_commands.h"
#include "data/preview_pane.h"
#include "fovea/core/project/detection_import.h"
#include "fovea/core/project/folder_import.h"
#include "fovea/ui/main_window.h"
#include "project/project_session.h"
#include "stall_probe.h"
#include "ui_test_window.h"

using fovea::ui::BoxCanvas;
using fovea::ui::BoxEditor;
using fovea::ui::DataPage;
using fovea::ui::ImageListModel;
using fovea::ui::ImageViewFilter;
using fovea::ui::MainWindow;
using fovea::ui::ProjectSession;
using fovea::ui::RemoveClassCommand;
namespace core = fovea::core;

namespace {

// The issue's goal for the longest stall while drawing (issue 24, point 7).
constexpr double kStallGoalMs = 50;
// What the test holds the GUI to: the goal with room for a loaded two-core test machine; the
// figure itself is printed.
constexpr double kStallLimitMs = 250;

// A picture with structure everywhere (so scaling and JPEG coding do real work).
QImage patternImage(int width, int height) {
    QImage image(width, height, QImage::Format_RGB32);
    for (int y = 0; y < height; ++y) {
        auto* line = reinterpret_cast<QRgb*>(image.scanLine(y));
        for (int x = 0; x < width; ++x) {
            line[x] = qRgb((x * 255) / width, (y * 255) / height, ((x / 16 + y / 16) % 2) * 200);
        }
    }
    return image;
}

// `jpeg` with an EXIF APP1 segment saying `orientation` (6: the stored pixels are to be turned
// a quarter clockwise), inserted after the start-of-image marker.
QByteArray withExifOrientation(const QByteArray& jpeg, quint16 orientation) {
    QByteArray tiff;
    tiff += QByteArray("II*\0", 4);                   // little-endian TIFF header
    tiff += QByteArray::fromHex("08000000");          // first IFD at offset 8
    tiff += QByteArray::fromHex("0100");              // one entry
    tiff += QByteArray::fromHex("1201030001000000");  // Orientation, SHORT, count 1
    tiff += char(orientation & 0xff);
    tiff += char(orientation >> 8);
    tiff += QByteArray(2, '\0');  // value padded to 4 bytes
    tiff += QByteArray(4, '\0');  // no next IFD
    QByteArray payload = QByteArray("Exif\0\0", 6) + tiff;
    QByteArray segment = QByteArray::fromHex("FFE1");
    const quint16 length = static_cast<quint16>(payload.size() + 2);
    segment += char(length >> 8);
    segment += char(length & 0xff);
    segment += payload;
    return jpeg.left(2) + segment + jpeg.mid(2);
}

bool writeJpeg(const QImage& image, const QString& path, std::optional<quint16> orientation) {
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    if (!image.save(&buffer, "JPEG", 90)) return false;
    if (orientation) bytes = withExifOrientation(bytes, *orientation);
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

// A COCO instances file: b.png holds one car, c.png is listed without objects (background);
// the other images are not in it (nobody has annotated them).
const char* const kCoco = R"({
  "images": [
    {"id": 1, "file_name": "b.png", "width": 640, "height": 480},
    {"id": 2, "file_name": "c.png", "width": 640, "height": 480}
  ],
  "annotations": [
    {"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 20, 100, 50], "area": 5000,
     "iscrowd": 0}
  ],
  "categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "person"}]
})";

struct Rect {
    float x, y, w, h;
};

}  // namespace

class BoxEditorTest : public QObject {
    Q_OBJECT
  private:
    QTemporaryDir m_temp;
    QString m_project;
    std::map<std::string, core::ImageId> m_ids;  // by file name
    std::map<std::string, core::ClassId> m_classes;

    core::ImageAnnotation stored(MainWindow& window, const std::string& file) {
        return window.session()->store().annotation(m_ids.at(file)).value();
    }

    static void checkBoxes(const core::ImageAnnotation& annotation, const std::vector<Rect>& rects,
                           const char* where) {
        QVERIFY2(annotation.boxes.size() == rects.size(), where);
        for (size_t i = 0; i < rects.size(); ++i) {
            const auto& box = annotation.boxes[i];
            const QString got = QString("%1 %2 %3 %4").arg(box.x).arg(box.y).arg(box.w).arg(box.h);
            const QString want = QString("%1 %2 %3 %4")
                                     .arg(rects[i].x)
                                     .arg(rects[i].y)
                                     .arg(rects[i].w)
                                     .arg(rects[i].h);
            QVERIFY2(
                got == want,
                qPrintable(
                    QString("%1: box %2 is %3, expected %4").arg(where).arg(i).arg(got, want)));
        }
    }

    // The window on the project, the Data page shown, `file` selected and decoded.
    BoxEditor* openOn(MainWindow& window, const std::string& file) {
        window.resize(1400, 860);
        window.show();
        if (!QTest::qWaitForWindowExposed(&window)) return nullptr;
        if (!window.session() && !window.openProject(m_project)) return nullptr;
        window.showPage("Data");
        return select(window, file);
    }

    BoxEditor* select(MainWindow& window, const std::string& file) {
        DataPage* page = window.dataPage();
        page->selectImages({m_ids.at(file)});
        BoxEditor* editor = page->boxEditor();
        if (!editor || editor->imageId() != m_ids.at(file)) return nullptr;
        if (!QTest::qWaitFor([&] { return editor->hasPixels(); }, 20000)) return nullptr;
        return editor;
    }

    static QPoint widgetPoint(BoxCanvas* canvas, double x, double y) {
        return canvas->imageToWidget(QPointF(x, y)).toPoint();
    }

    // A left-button drag in `steps` moves, `pause` ms apart (a hand moves the mouse ~100 Hz).
    static void drag(BoxCanvas* canvas, QPoint from, QPoint to, int steps = 12, int pause = 0) {
        QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, from);
        for (int i = 1; i <= steps; ++i) {
            const QPointF p = QPointF(from) + (QPointF(to - from) * i) / steps;
            QTest::mouseMove(canvas, p.toPoint());
            if (pause > 0) {
                QTest::qWait(pause);
            } else {
                QCoreApplication::processEvents();
            }
        }
        QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, to);
    }

  private Q_SLOTS:
    void initTestCase() {
        fovea::test::useTestSettings("FoveaBoxEditorTest");
        QVERIFY(m_temp.isValid());
        const QString images = m_temp.path() + "/images";
        QVERIFY(QDir().mkpath(images));
        for (const char* name : {"a.png", "b.png", "c.png", "d.png"}) {
            QVERIFY(patternImage(640, 480).save(images + "/" + name));
        }
        // Stored 640 x 480 with EXIF orientation 6: shown (and boxed) as 480 x 640.
        QVERIFY(writeJpeg(patternImage(640, 480), images + "/e_rotated.jpg", 6));
        // The photo the stall is measured on.
        QVERIFY(writeJpeg(patternImage(4000, 3000), images + "/f_large.jpg", std::nullopt));
        QFile coco(images + "/instances.json");
        QVERIFY(coco.open(QIODevice::WriteOnly));
        coco.write(kCoco);
        coco.close();

        m_project = m_temp.path() + "/project";
        auto store =
            core::ProjectStore::create(m_project.toStdString(), core::ProjectTask::Detection);
        QVERIFY2(store, store ? "" : store.error().message.c_str());
        auto report = core::importDetectionFolder(store.value(), images.toStdString());
        QVERIFY2(report, report ? "" : report.error().message.c_str());
        QCOMPARE(report.value().boxes, std::size_t(1));
        for (const auto& image : store.value().images().value()) {
            m_ids[image.path.filename().string()] = image.id;
        }
        QCOMPARE(m_ids.size(), std::size_t(6));
        for (const auto& info : store.value().classes().value()) m_classes[info.name] = info.id;
        QCOMPARE(m_classes.size(), std::size_t(2));
    }

    // Draw, resize, move, re-class and delete at 50 % zoom; every step one command, undone and
    // redone through the window's Ctrl+Z / Ctrl+Shift+Z.
    void drawResizeMoveClassDeleteUndoRedo() {
        MainWindow window;
        BoxEditor* editor = openOn(window, "a.png");
        QVERIFY(editor);
        QVERIFY(editor->isVisible());
        QVERIFY(!window.dataPage()->preview()->isVisible());
        BoxCanvas* canvas = editor->canvas();
        QCOMPARE(canvas->imageSize(), QSizeF(640, 480));
        canvas->setZoom(0.5);
        QCOMPARE(canvas->zoom(), 0.5);
        QUndoStack* stack = window.session()->undoStack();
        const int stackStart = stack->count();
        QVERIFY(!stored(window, "a.png").annotated);

        // Draw: 100,80 to 300,240 in image pixels, though the mouse moves half as far.
        drag(canvas, widgetPoint(canvas, 100, 80), widgetPoint(canvas, 300, 240));
        checkBoxes(stored(window, "a.png"), {{100, 80, 200, 160}}, "drawn");
        QCOMPARE(stored(window, "a.png").boxes[0].classId, m_classes["car"]);
        QVERIFY(stored(window, "a.png").annotated);
        QCOMPARE(stack->count(), stackStart + 1);  // a drag of 12 moves is one command
        QCOMPARE(canvas->selectedBox(), 0);
        QCOMPARE(editor->boxList()->count(), 1);
        QCOMPARE(editor->boxList()->item(0)->text(), QString("car  200 × 160"));

        // Resize by the bottom-right handle, then the left edge's handle.
        drag(canvas, widgetPoint(canvas, 300, 240), widgetPoint(canvas, 340, 300));
        checkBoxes(stored(window, "a.png"), {{100, 80, 240, 220}}, "resized by a corner");
        drag(canvas, widgetPoint(canvas, 100, 190), widgetPoint(canvas, 60, 190));
        checkBoxes(stored(window, "a.png"), {{60, 80, 280, 220}}, "resized by an edge");
        // Past the image's edge: clipped to it.
        drag(canvas, widgetPoint(canvas, 340, 300), widgetPoint(canvas, 700, 560));
        checkBoxes(stored(window, "a.png"), {{60, 80, 580, 400}}, "clipped");

        // Move by dragging the inside; a move is kept inside the image too.
        drag(canvas, widgetPoint(canvas, 200, 200), widgetPoint(canvas, 100, 180));
        checkBoxes(stored(window, "a.png"), {{0, 60, 580, 400}}, "moved");

        // Key 2: the selected box becomes a person (and so will the next box drawn).
        canvas->setFocus();
        QTest::keyClick(canvas, Qt::Key_2);
        QCOMPARE(stored(window, "a.png").boxes[0].classId, m_classes["person"]);
        QCOMPARE(editor->drawClass(), std::optional(m_classes["person"]));
        QCOMPARE(editor->boxList()->item(0)->text(), QString("person  580 × 400"));

        // Delete: no boxes, still annotated.
        QTest::keyClick(canvas, Qt::Key_Delete);
        QVERIFY(stored(window, "a.png").boxes.empty());
        QVERIFY(stored(window, "a.png").annotated);
        QCOMPARE(stack->count(), stackStart + 7);
        QCOMPARE(editor->boxList()->count(), 0);

        // Each step undone, in reverse, by the window's Ctrl+Z.
        const std::vector<std::vector<Rect>> states = {{{0, 60, 580, 400}},   {{60, 80, 580, 400}},
                                                       {{60, 80, 280, 220}},  {{100, 80, 240, 220}},
                                                       {{100, 80, 200, 160}}, {}};
        QTest::keyClick(canvas, Qt::Key_Z, Qt::ControlModifier);  // the delete
        checkBoxes(stored(window, "a.png"), states[0], "delete undone");
        QCOMPARE(stored(window, "a.png").boxes[0].classId, m_classes["person"]);
        QTest::keyClick(canvas, Qt::Key_Z, Qt::ControlModifier);  // the class
        checkBoxes(stored(window, "a.png"), states[0], "class undone");
        QCOMPARE(stored(window, "a.png").boxes[0].classId, m_classes["car"]);
        for (size_t i = 1; i < states.size(); ++i) {
            QTest::keyClick(canvas, Qt::Key_Z, Qt::ControlModifier);
            checkBoxes(stored(window, "a.png"), states[i], qPrintable(QString("undo %1").arg(i)));
        }
        QVERIFY(!stored(window, "a.png").annotated);  // as before the first box
        QCOMPARE(editor->boxList()->count(), 0);

        // And redone.
        for (size_t i = states.size() - 1; i >= 1; --i) {
            QTest::keyClick(canvas, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
            checkBoxes(stored(window, "a.png"), states[i - 1],
                       qPrintable(QString("redo %1").arg(i)));
        }
        QTest::keyClick(canvas, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
        QCOMPARE(stored(window, "a.png").boxes[0].classId, m_classes["person"]);
        QTest::keyClick(canvas, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
        QVERIFY(stored(window, "a.png").boxes.empty());
        QVERIFY(stored(window, "a.png").annotated);
    }

    // The status line beside the grid keeps its two lines when the box editor leaves the grid's
    // column narrow: what an undo did is never cut silently (the third line of "Undone: Delete a
    // box of "trouser" (Ctrl+Shift+Z redoes it)" was lost), and the tooltip holds it whole.
    void statusSaysAnUndoneBoxChangeInTwoLines() {
        MainWindow window;
        BoxEditor* editor = openOn(window, "c.png");
        QVERIFY(editor);
        window.resize(1000, 640);
        auto* status = window.dataPage()->findChild<QLabel*>("dataStatus");
        BoxCanvas* canvas = editor->canvas();
        QTRY_VERIFY(canvas->width() > 0 && status->width() > 0);
        canvas->setZoom(0.5);
        drag(canvas, widgetPoint(canvas, 100, 80), widgetPoint(canvas, 300, 240));
        QCOMPARE(stored(window, "c.png").boxes.size(), std::size_t(1));
        QUndoStack* stack = window.session()->undoStack();
        stack->undo();
        const QString whole =
            "Undone: " + stack->text(stack->index()) + " (Ctrl+Shift+Z redoes it)";
        QVERIFY2(whole.startsWith("Undone: Draw a box of \""), qPrintable(whole));
        // Once the layout has taken the narrower window, cut. A machine running other tests
        // beside this one can lag past QTRY's default 5 s (seen once in the whole suite).
        QTRY_VERIFY2_WITH_TIMEOUT(status->text() != whole, "whole, it needs a third line here",
                                  20000);
        const QString shown = status->text();
        QVERIFY2(whole.startsWith(shown.chopped(shown.endsWith("…") ? 1 : 0)) && shown.size() > 8,
                 qPrintable(shown));
        QVERIFY2(status->heightForWidth(status->width()) <= status->height(), qPrintable(shown));
        QCOMPARE(status->toolTip(), whole);
        // Wide enough, it is shown whole again.
        window.resize(1900, 860);
        QTRY_COMPARE(status->text(), whole);
        QCOMPARE(status->toolTip(), QString());
        QVERIFY(stored(window, "c.png").boxes.empty());
    }

    // The canvas resized under a drag (a list line wrapping anew as the press changes the
    // selection does it) keeps the picture's scale until the button is released: the box moves
    // with the mouse as it was at the press, and only then is the picture fitted again.
    void resizeUnderADragKeepsTheScaleUntilRelease() {
        MainWindow window;
        BoxEditor* editor = openOn(window, "a.png");
        QVERIFY(editor);
        BoxCanvas* canvas = editor->canvas();
        canvas->zoomToFit();
        QUndoStack* stack = window.session()->undoStack();
        const int stackStart = stack->count();
        drag(canvas, widgetPoint(canvas, 100, 100), widgetPoint(canvas, 300, 250));
        QCOMPARE(stored(window, "a.png").boxes.size(), std::size_t(1));
        const core::ProjectBox drawn = stored(window, "a.png").boxes[0];

        const double zoom = canvas->zoom();
        const QSize size = canvas->size();
        const QPoint from = widgetPoint(canvas, 200, 175);
        const QPoint to = from + QPoint(60, 30);
        QTest::mousePress(canvas, Qt::LeftButton, Qt::NoModifier, from);
        QTest::mouseMove(canvas, from + QPoint(30, 15));
        window.resize(1000, 640);
        QTRY_VERIFY(canvas->size() != size);
        QCOMPARE(canvas->zoom(), zoom);
        QTest::mouseMove(canvas, to);
        QTest::mouseRelease(canvas, Qt::LeftButton, Qt::NoModifier, to);
        const float dx = static_cast<float>(std::round(60 / zoom));
        const float dy = static_cast<float>(std::round(30 / zoom));
        checkBoxes(stored(window, "a.png"), {{drawn.x + dx, drawn.y + dy, drawn.w, drawn.h}},
                   "moved as the mouse was scaled at the press");
        QVERIFY(canvas->zoom() < zoom);  // fitted to the smaller canvas once released

        // Both steps undone: a.png as the other cases left it.
        QCOMPARE(stack->count(), stackStart + 2);
        stack->undo();
        stack->undo();
        QVERIFY(stored(window, "a.png").boxes.empty());
    }

    // The imported box, the list beside the picture, Tab through boxes, zoom and pan keeping
    // boxes in image pixels.
    void listTabZoomAndPan() {
        MainWindow window;
        BoxEditor* editor = openOn(window, "b.png");
        QVERIFY(editor);
        BoxCanvas* canvas = editor->canvas();
        QCOMPARE(editor->boxList()->count(), 1);
        QCOMPARE(editor->boxList()->item(0)->text(), QString("car  100 × 50"));
        QCOMPARE(canvas->selectedBox(), -1);
        editor->boxList()->setCurrentRow(0);
        QCOMPARE(canvas->selectedBox(), 0);

        // Zoom in with the + key (1.25 a step), then pan with the middle button: the box's
        // widget rectangle follows, its image pixels do not change.
        canvas->setZoom(1.0);
        canvas->setFocus();
        QTest::keyClick(canvas, Qt::Key_Plus);
        QCOMPARE(canvas->zoom(), 1.25);
        const QRectF before = canvas->boxToWidget(stored(window, "b.png").boxes[0]);
        QTest::mousePress(canvas, Qt::MiddleButton, Qt::NoModifier, QPoint(200, 200));
        QTest::mouseMove(canvas, QPoint(230, 190));
        QTest::mouseRelease(canvas, Qt::MiddleButton, Qt::NoModifier, QPoint(230, 190));
        const QRectF after = canvas->boxToWidget(stored(window, "b.png").boxes[0]);
        QCOMPARE(after.topLeft() - before.topLeft(), QPointF(30, -10));
        QCOMPARE(after.size(), before.size());
        checkBoxes(stored(window, "b.png"), {{10, 20, 100, 50}}, "after zoom and pan");

        // A second box at 125 %: drawn from image 200,200 to 400,300 (Key 1: a car).
        QTest::keyClick(canvas, Qt::Key_1);
        drag(canvas, widgetPoint(canvas, 200, 200), widgetPoint(canvas, 400, 300));
        checkBoxes(stored(window, "b.png"), {{10, 20, 100, 50}, {200, 200, 200, 100}},
                   "second box at 125 %");
        QCOMPARE(editor->boxList()->count(), 2);
        QCOMPARE(editor->boxList()->currentRow(), 1);
        QTest::keyClick(canvas, Qt::Key_Tab);
        QCOMPARE(canvas->selectedBox(), 0);
        QTest::keyClick(canvas, Qt::Key_Tab);
        QCOMPARE(canvas->selectedBox(), 1);
        QTest::keyClick(canvas, Qt::Key_Backtab, Qt::ShiftModifier);
        QCOMPARE(canvas->selectedBox(), 0);
        QCOMPARE(editor->boxList()->currentRow(), 0);
        // A click on empty space selects nothing (and draws nothing).
        QTest::mouseClick(canvas, Qt::LeftButton, Qt::NoModifier, widgetPoint(canvas, 500, 400));
        QCOMPARE(canvas->selectedBox(), -1);
        QCOMPARE(stored(window, "b.png").boxes.size(), std::size_t(2));
        // A click on the box selects it.
        QTest::mouseClick(canvas, Qt::LeftButton, Qt::NoModifier, widgetPoint(canvas, 300, 250));
        QCOMPARE(canvas->selectedBox(), 1);
        window.session()->undoStack()->undo();  // the second box goes
        QCOMPARE(stored(window, "b.png").boxes.size(), std::size_t(1));
        QCOMPARE(editor->boxList()->count(), 1);
    }

    // EXIF orientation: the picture is upright and boxes are in its pixels.
    void rotatedPhotoUsesUprightPixels() {
        MainWindow window;
        BoxEditor* editor = openOn(window, "e_rotated.jpg");
        QVERIFY(editor);
        BoxCanvas* canvas = editor->canvas();
        QCOMPARE(canvas->imageSize(), QSizeF(480, 640));
        canvas->setZoom(0.5);
        drag(canvas, widgetPoint(canvas, 400, 500), widgetPoint(canvas, 600, 700));
        checkBoxes(stored(window, "e_rotated.jpg"), {{400, 500, 80, 140}}, "upright, clipped");
        window.session()->undoStack()->undo();
    }

    // Background images by key and by the menu's action, the grid's badges and tooltips, and
    // "Unlabeled" meaning not annotated.
    void backgroundBadgesAndFilters() {
        MainWindow window;
        BoxEditor* editor = openOn(window, "d.png");
        QVERIFY(editor);
        DataPage* page = window.dataPage();
        ImageListModel* model = page->model();
        const auto badge = [&](const std::string& file) {
            return model->index(model->rowOf(m_ids.at(file))).data(ImageListModel::BoxBadgeRole);
        };
        QCOMPARE(badge("b.png").toString(), QString("1 ▢"));
        QCOMPARE(badge("c.png").toString(), QString("background"));
        QVERIFY(badge("d.png").isValid());
        QCOMPARE(badge("d.png").toString(), QString());  // nobody has looked yet
        QVERIFY(model->index(model->rowOf(m_ids.at("b.png")))
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains("Boxes: 1"));

        // B on the grid: d.png becomes a background image and the grid moves on.
        page->grid()->setFocus();
        QTest::keyClick(page->grid(), Qt::Key_B);
        QVERIFY(stored(window, "d.png").annotated);
        QVERIFY(stored(window, "d.png").boxes.empty());
        QCOMPARE(badge("d.png").toString(), QString("background"));
        QCOMPARE(page->selectedImageIds(), QList<qint64>{m_ids.at("e_rotated.jpg")});
        QTest::keyClick(page->grid(), Qt::Key_Z, Qt::ControlModifier);
        QVERIFY(!stored(window, "d.png").annotated);
        QCOMPARE(badge("d.png").toString(), QString());

        // The Background button (as the menu entry) on the shown image, and again to take it
        // back.
        QVERIFY(select(window, "d.png"));
        auto* button = editor->findChild<QAbstractButton*>("backgroundButton");
        QVERIFY(button);
        QVERIFY(!button->isChecked());
        button->click();
        QVERIFY(stored(window, "d.png").annotated);
        page->selectImages({m_ids.at("d.png")});
        QVERIFY(button->isChecked());
        button->click();
        QVERIFY(!stored(window, "d.png").annotated);
        // An image with boxes is not made background.
        QVERIFY(select(window, "b.png"));
        QVERIFY(!button->isEnabled());
        page->grid()->setFocus();
        QTest::keyClick(page->grid(), Qt::Key_B);
        QCOMPARE(stored(window, "b.png").boxes.size(), std::size_t(1));

        // "Unlabeled": the images nobody has annotated (not b with its box, nor the background
        // images a and c); a class: the images with a box of it.
        ImageViewFilter filter;
        filter.kind = ImageViewFilter::Kind::Unlabeled;
        page->setFilter(filter);
        QList<qint64> shown;
        for (int row = 0; row < model->rowCount(); ++row) shown << model->record(row).id;
        QVERIFY(!shown.contains(m_ids.at("b.png")));
        QVERIFY(!shown.contains(m_ids.at("c.png")));
        QVERIFY(shown.contains(m_ids.at("d.png")));
        // Marking one from this view takes it out of it.
        page->selectImages({m_ids.at("d.png")});
        page->markSelectionBackground();
        QCOMPARE(model->rowOf(m_ids.at("d.png")), -1);
        window.session()->undoStack()->undo();
        QVERIFY(model->rowOf(m_ids.at("d.png")) >= 0);
        filter.kind = ImageViewFilter::Kind::Class;
        filter.classId = m_classes["car"];
        page->setFilter(filter);
        QCOMPARE(model->rowCount(), 1);
        QCOMPARE(model->record(0).id, m_ids.at("b.png"));
        // Keys 1-9 on the grid choose the class; they never try to label the image.
        page->grid()->setFocus();
        QTest::keyClick(page->grid(), Qt::Key_2);
        QCOMPARE(editor->drawClass(), std::optional(m_classes["person"]));
        QVERIFY(!window.session()->store().image(m_ids.at("b.png")).value().classId);
    }

    // A classification project keeps its preview and has no badges.
    void classificationProjectIsUnchanged() {
        const QString folder = m_temp.path() + "/classification";
        {
            auto store = core::ProjectStore::create(folder.toStdString());
            QVERIFY(store);
            QVERIFY(core::importFolder(store.value(), (m_temp.path() + "/images").toStdString()));
        }
        MainWindow window;
        window.resize(1400, 860);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.openProject(m_project));
        window.showPage("Data");
        QVERIFY(window.dataPage()->boxEditor()->isVisible());
        QVERIFY(window.openProject(folder));
        DataPage* page = window.dataPage();
        QVERIFY(page->preview()->isVisible());
        QVERIFY(!page->boxEditor()->isVisible());
        QVERIFY(page->model()->rowCount() > 0);
        QVERIFY(!page->model()->index(0).data(ImageListModel::BoxBadgeRole).isValid());
    }

    // The longest stall of the GUI thread while a box is drawn and then resized on a
    // 4000 x 3000 photo: fitted (the view-scaled pixmap) and at 100 % (zoomed in beyond the
    // decoded pixels: only the visible part is scaled per paint). Mouse moves come every 8 ms.
    void dragStallOnLargePhoto() {
        MainWindow window;
        BoxEditor* editor = openOn(window, "f_large.jpg");
        QVERIFY(editor);
        BoxCanvas* canvas = editor->canvas();
        QCOMPARE(canvas->imageSize(), QSizeF(4000, 3000));
        canvas->zoomToFit();
        QTest::qWait(100);  // the fitted pixmap is made once, at the first paint
        const double fitZoom = canvas->zoom();
        QVERIFY(fitZoom < 0.5);

        const QPoint from = widgetPoint(canvas, 500, 400);
        const QPoint to = widgetPoint(canvas, 3100, 2300);
        const QPointF expectedTopLeft = canvas->widgetToImage(from);
        const QPointF expectedBottomRight = canvas->widgetToImage(to);
        fovea::test::StallProbe probe;
        drag(canvas, from, to, 60, 8);
        const double drawMoves = probe.longestMs();
        QTest::qWait(60);  // the release: the command, the store, the grid
        const double drawWhole = probe.longestMs();
        const auto boxes = stored(window, "f_large.jpg").boxes;
        QCOMPARE(boxes.size(), std::size_t(1));
        QCOMPARE(boxes[0].x, float(std::round(expectedTopLeft.x())));
        QCOMPARE(boxes[0].y, float(std::round(expectedTopLeft.y())));
        QCOMPARE(boxes[0].x + boxes[0].w, float(std::round(expectedBottomRight.x())));
        QCOMPARE(boxes[0].y + boxes[0].h, float(std::round(expectedBottomRight.y())));

        // At 100 %, centred on the box's bottom-right corner: resize it.
        const QPointF right(boxes[0].x + boxes[0].w, boxes[0].y + boxes[0].h);
        canvas->setZoom(1.0, canvas->imageToWidget(right));
        canvas->panBy(QPointF(canvas->width() / 2.0, canvas->height() / 2.0) -
                      canvas->imageToWidget(right));
        QTest::qWait(50);
        const QPoint corner = widgetPoint(canvas, right.x(), right.y());
        probe.restart();
        drag(canvas, corner, corner - QPoint(150, 120), 60, 8);
        QTest::qWait(60);
        const double resizeWhole = probe.longestMs();
        const auto resized = stored(window, "f_large.jpg").boxes;
        QCOMPARE(resized[0].x + resized[0].w, float(right.x() - 150));
        QCOMPARE(resized[0].y + resized[0].h, float(right.y() - 120));

        std::printf(
            "Longest GUI stall dragging a box on a 4000 x 3000 photo (goal %.0f ms):\n"
            "  drawing at %.0f %%: %.1f ms during the moves, %.1f ms with the release\n"
            "  resizing at 100 %%: %.1f ms with the release\n",
            kStallGoalMs, 100 * fitZoom, drawMoves, drawWhole, resizeWhole);
        std::fflush(stdout);
        QVERIFY2(drawWhole < kStallLimitMs, qPrintable(QString::number(drawWhole)));
        QVERIFY2(resizeWhole < kStallLimitMs, qPrintable(QString::number(resizeWhole)));
        window.session()->undoStack()->undo();
        window.session()->undoStack()->undo();
    }

    // Deleting a class takes its boxes, merging it gives them the other class; undoing either
    // brings every box back with its class, where it was (the class gets a new id).
    void deletingOrMergingAClassIsUndoneWithItsBoxes() {
        MainWindow window;
        BoxEditor* editor = openOn(window, "b.png");
        QVERIFY(editor);
        ProjectSession* session = window.session();
        QUndoStack* stack = session->undoStack();
        // b.png: the imported car, and a person drawn beside it.
        QCOMPARE(editor->boxList()->count(), 1);
        auto drawn = stored(window, "b.png");
        core::ProjectBox person = drawn.boxes[0];
        person.classId = m_classes["person"];
        person.x += 200;
        drawn.boxes.push_back(person);
        QVERIFY(session->store().setAnnotation(m_ids.at("b.png"), drawn));
        const auto before = stored(window, "b.png");
        const auto className = [&](core::ClassId id) {
            for (const auto& info : session->store().classes().value()) {
                if (info.id == id) return info.name;
            }
            return std::string("(none)");
        };
        std::vector<std::string> names;  // of the boxes' classes, before: ids change on undo
        for (const auto& box : before.boxes) names.push_back(className(box.classId));
        const auto expectAsBefore = [&](const char* where) {
            const auto now = stored(window, "b.png");
            QVERIFY2(now.boxes.size() == before.boxes.size(), where);
            for (size_t i = 0; i < now.boxes.size(); ++i) {
                QCOMPARE(className(now.boxes[i].classId), names[i]);
                QCOMPARE(now.boxes[i].x, before.boxes[i].x);
                QCOMPARE(now.boxes[i].w, before.boxes[i].w);
            }
        };

        stack->push(new RemoveClassCommand(*session, m_classes["car"], std::nullopt));
        QCOMPARE(stored(window, "b.png").boxes.size(), std::size_t(1));
        QCOMPARE(className(stored(window, "b.png").boxes[0].classId), std::string("person"));
        stack->undo();
        expectAsBefore("delete undone");
        if (QTest::currentTestFailed()) return;
        QCOMPARE(editor->boxList()->count(), 2);

        const core::ClassId car = session->currentClassId(m_classes["car"]);
        stack->push(new RemoveClassCommand(*session, car, m_classes["person"]));
        QCOMPARE(className(stored(window, "b.png").boxes[0].classId), std::string("person"));
        stack->undo();
        expectAsBefore("merge undone");
        if (QTest::currentTestFailed()) return;
        stack->redo();  // merged again, then undone: the same
        stack->undo();
        expectAsBefore("merge redone and undone");
    }
};

QTEST_MAIN(BoxEditorTest)
#include "box_editor_test.moc"
