// The Data page driven like a user: a real project on disk (Fashion-MNIST PNGs, one broken
// file), imported through File ▸ New Project's code path, labeled by key presses, by drag and
// drop and through the menus, undone and redone, and read back after reopening the project.
#include <QAction>
#include <QApplication>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFrame>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <array>
#include <cmath>
#include <map>
#include <memory>

#include "data/class_list.h"
#include "data/data_page.h"
#include "data/image_grid_menu.h"
#include "data/image_list_model.h"
#include "data/preview_pane.h"
#include "data/thumbnail_cache.h"
#include "fovea/core/project/splits.h"
#include "fovea/ui/main_window.h"
#include "project/project_session.h"
#include "train/lr_finder_panel.h"
#include "ui_test_project.h"
#include "ui_test_window.h"
#include "widgets/background_job.h"

using fovea::ui::ClassList;
using fovea::ui::DataPage;
using fovea::ui::ImageListModel;
using fovea::ui::ImageViewFilter;
using fovea::ui::MainWindow;
namespace core = fovea::core;

namespace {

// Labels of every image, as the database has them.
std::map<core::ImageId, std::optional<core::ClassId>> storedLabels(const QString& project) {
    auto store = core::ProjectStore::open(project.toStdString());
    std::map<core::ImageId, std::optional<core::ClassId>> labels;
    if (!store) return labels;
    const auto images = store.value().images();
    if (!images) return labels;
    for (const auto& image : images.value()) labels[image.id] = image.classId;
    return labels;
}

std::optional<core::ClassId> labelOf(MainWindow& window, core::ImageId id) {
    return window.session()->store().image(id).value().classId;
}

std::vector<core::ClassInfo> classesOf(MainWindow& window) {
    return window.session()->store().classes().value();
}

// The action of `menu` whose text (before any tab and shortcut) is `text`; fails the test when
// there is none.
QAction* menuAction(QMenu& menu, const QString& text) {
    for (QAction* action : menu.actions()) {
        if (action->text().section('\t', 0, 0) == text) return action;
    }
    QTest::qFail(qPrintable("no menu entry " + text), __FILE__, __LINE__);
    static QAction none;  // disabled and unchecked: the checks that follow fail as well
    none.setEnabled(false);
    return &none;
}

void pressKey(QWidget* widget, Qt::Key key, Qt::KeyboardModifiers modifiers = {}) {
    QTest::keyClick(widget, key, modifiers);
}

// What the preview pane says about its image.
QString previewDetails(DataPage* page) {
    auto* details = page->findChild<QLabel*>("previewDetails");
    return details ? details->text() : QString();
}

// The message over the grid, when it is shown.
QString emptyGridMessage(DataPage* page) {
    auto* message = page->findChild<QLabel*>("emptyGridMessage");
    return message && message->isVisible() ? message->text() : QString();
}

// CIELAB (D65) of an sRGB colour: distances there are close to how different colours look.
std::array<double, 3> toLab(const QColor& colour) {
    const auto linear = [](double c) {
        return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
    };
    const double r = linear(colour.redF());
    const double g = linear(colour.greenF());
    const double b = linear(colour.blueF());
    const double x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
    const double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    const double z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    const auto f = [](double t) { return t > 0.008856 ? std::cbrt(t) : 7.787 * t + 16.0 / 116.0; };
    return {116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))};
}

// Delta E 1976 between two colours; about 2.3 is just noticeable side by side.
double deltaE(const QColor& a, const QColor& b) {
    const auto p = toLab(a);
    const auto q = toLab(b);
    return std::hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

}  // namespace

class DataPageTest : public QObject {
    Q_OBJECT
  private:
    QTemporaryDir m_temp;
    QString m_images;
    fovea::test::UiTestImages m_written;

    // A window with a new project over the test images, import finished.
    bool newProject(MainWindow& window, const QString& projectFolder) {
        return fovea::test::importNewProject(window, projectFolder, m_images);
    }

  private Q_SLOTS:
    void initTestCase() {
        fovea::test::useTestSettings("FoveaDataPageTest");
        QVERIFY(m_temp.isValid());
        m_images = m_temp.path() + "/images";
        m_written = fovea::test::writeUiTestImages(m_images);
        QVERIFY2(m_written.labeled > 0, "Fashion-MNIST images could not be written");
    }

    void newProjectImportsTheFolderWithItsClasses() {
        MainWindow window;
        window.show();
        QVERIFY(newProject(window, m_temp.path() + "/p-import"));
        DataPage* page = window.dataPage();
        QCOMPARE(page->model()->rowCount(),
                 m_written.labeled + m_written.unlabeled + m_written.broken);
        const auto classes = classesOf(window);
        QCOMPARE(int(classes.size()), 3);
        // The class list: three classes with keys 1-3, then "Unlabeled" with key 0.
        auto* list = page->classList();
        QCOMPARE(list->topLevelItemCount(), 4);
        QCOMPARE(list->topLevelItem(0)->text(fovea::ui::ClassList::KeyColumn), QString("1"));
        QCOMPARE(list->topLevelItem(0)->text(fovea::ui::ClassList::NameColumn),
                 QString::fromStdString(classes[0].name));
        QCOMPARE(list->topLevelItem(0)->text(fovea::ui::ClassList::TotalColumn), QString("6"));
        QCOMPARE(list->topLevelItem(3)->text(fovea::ui::ClassList::TotalColumn),
                 QString::number(m_written.unlabeled + m_written.broken));
        QVERIFY(window.windowTitle().startsWith("p-import"));
    }

    void brokenFilesAreMarkedAndFilterable() {
        MainWindow window;
        window.show();
        QVERIFY(newProject(window, m_temp.path() + "/p-broken"));
        DataPage* page = window.dataPage();
        ImageViewFilter filter;
        filter.kind = ImageViewFilter::Kind::Unreadable;
        page->setFilter(filter);
        QCOMPARE(page->model()->rowCount(), 1);
        const QModelIndex index = page->model()->index(0);
        QCOMPARE(index.data(Qt::DisplayRole).toString(), QString("broken.png"));
        QVERIFY(!index.data(ImageListModel::ErrorRole).toString().isEmpty());
        QVERIFY(index.data(Qt::ToolTipRole).toString().contains("Unreadable"));
    }

    void thumbnailsArriveFromTheWorkers() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(newProject(window, m_temp.path() + "/p-thumbs"));
        DataPage* page = window.dataPage();
        const QModelIndex first = page->model()->index(0);
        page->model()->data(first, Qt::DecorationRole);  // asks for it
        QTRY_VERIFY_WITH_TIMEOUT(
            !page->model()->data(first, Qt::DecorationRole).value<QImage>().isNull(), 20000);
        const QImage thumb = page->model()->data(first, Qt::DecorationRole).value<QImage>();
        QCOMPARE(thumb.size(), QSize(28, 28));  // Fashion-MNIST is smaller than a thumbnail
        QVERIFY(!page->model()->data(first, ImageListModel::LoadingRole).toBool());
        // Selecting it shows it in the preview at its pixels.
        page->selectImages({page->model()->record(0).id});
        page->grid()->setCurrentIndex(first);
        QTRY_VERIFY_WITH_TIMEOUT(page->preview()->hasPixels(), 20000);
    }

    void theGridsColumnsFillItsWidth() {
        // The cells widen so that whole columns fill the row: no strip is left at the right,
        // whatever the window's width or the thumbnails' size.
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(newProject(window, m_temp.path() + "/p-columns"));
        QListView* grid = window.dataPage()->grid();
        for (int width : {1100, 1300, 1500}) {
            window.resize(width, 800);
            QTest::qWait(50);
            const int viewport = grid->viewport()->width();
            int right = 0;
            int columns = 0;
            const int top = grid->visualRect(grid->model()->index(0, 0)).top();
            for (int row = 0; row < grid->model()->rowCount(); ++row) {
                const QRect cell = grid->visualRect(grid->model()->index(row, 0));
                if (cell.top() != top) break;
                right = std::max(right, cell.right());
                ++columns;
            }
            QVERIFY(columns >= 2);
            QVERIFY2(viewport - 1 - right <= columns,
                     qPrintable(QString("window %1: %2 columns end at %3 of %4 pixels")
                                    .arg(width)
                                    .arg(columns)
                                    .arg(right)
                                    .arg(viewport)));
        }
    }

    void keysLabelTheSelectionAndMoveOn() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(newProject(window, m_temp.path() + "/p-keys"));
        DataPage* page = window.dataPage();
        ImageViewFilter filter;
        filter.kind = ImageViewFilter::Kind::Unlabeled;
        page->setFilter(filter);
        const int unlabeled = page->model()->rowCount();
        QCOMPARE(unlabeled, m_written.unlabeled + m_written.broken);
        const auto classes = classesOf(window);

        QListView* grid = page->grid();
        grid->setFocus();
        page->selectImages({page->model()->record(0).id});
        grid->setCurrentIndex(page->model()->index(0));
        const core::ImageId first = page->model()->record(0).id;
        const core::ImageId second = page->model()->record(1).id;
        pressKey(grid, Qt::Key_2);
        QCOMPARE(labelOf(window, first), std::optional<core::ClassId>(classes[1].id));
        // It left the "Unlabeled" view and the next image is selected, ready for a key.
        QCOMPARE(page->model()->rowCount(), unlabeled - 1);
        QCOMPARE(page->selectedImageIds(), QList<qint64>{second});
        pressKey(grid, Qt::Key_3);
        QCOMPARE(labelOf(window, second), std::optional<core::ClassId>(classes[2].id));
        // Counts follow at once.
        QCOMPARE(page->classList()->topLevelItem(2)->text(fovea::ui::ClassList::TotalColumn),
                 QString("7"));
        // A key without a class does nothing.
        const auto before = storedLabels(window.projectFolder());
        pressKey(grid, Qt::Key_9);
        QCOMPARE(storedLabels(window.projectFolder()), before);

        // Ctrl+Z undoes the last label, Ctrl+Shift+Z redoes it.
        pressKey(grid, Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(labelOf(window, second), std::nullopt);
        QCOMPARE(page->model()->rowCount(), unlabeled - 1);         // back in the view
        QCOMPARE(page->selectedImageIds(), QList<qint64>{second});  // the undone image
        const core::ImageId third = page->model()->record(page->model()->rowOf(second) + 1).id;
        pressKey(grid, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
        QCOMPARE(labelOf(window, second), std::optional<core::ClassId>(classes[2].id));
        // The redone image left the view; the one now in its place is selected (it was none).
        QCOMPARE(page->selectedImageIds(), QList<qint64>{third});
        // Key 0 removes a label.
        page->setFilter({});
        page->selectImages({first});
        grid->setCurrentIndex(page->model()->index(page->model()->rowOf(first)));
        page->selectImages({first});
        pressKey(grid, Qt::Key_0);
        QCOMPARE(labelOf(window, first), std::nullopt);
    }

    // Issue 21: keys 1-9 reach nine classes; L opens a chooser where the start of a name picks
    // any class, as one undoable labeling that moves on to the next image, like the keys.
    void everyClassIsLabeledFromTheKeyboard() {
        const QString images = m_temp.path() + "/images-11";
        QVERIFY(fovea::test::writeUiTestImages(images, 10, 2, 3).labeled == 20);
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QVERIFY(fovea::test::importNewProject(window, m_temp.path() + "/p-eleven", images));
        DataPage* page = window.dataPage();
        QVERIFY(page->addClass("Zebra"));
        const auto classes = classesOf(window);
        QCOMPARE(int(classes.size()), 11);
        QCOMPARE(classes[9].name, std::string("Trouser"));
        // The class list names the way to each class: 1-9, then L and what to type in the
        // chooser ("t" would pick T-shirt_top, the ninth); 0 unlabels.
        auto* list = page->classList();
        QCOMPARE(list->topLevelItem(8)->text(fovea::ui::ClassList::KeyColumn), QString("9"));
        QCOMPARE(list->topLevelItem(9)->text(fovea::ui::ClassList::KeyColumn), QString("L \"tr\""));
        QCOMPARE(list->topLevelItem(10)->text(fovea::ui::ClassList::KeyColumn), QString("L \"z\""));
        QCOMPARE(list->topLevelItem(11)->text(fovea::ui::ClassList::KeyColumn), QString("0"));

        ImageViewFilter filter;
        filter.kind = ImageViewFilter::Kind::Unlabeled;
        page->setFilter(filter);
        QListView* grid = page->grid();
        grid->setFocus();
        QTRY_COMPARE(QApplication::focusWidget(), grid);
        const core::ImageId first = page->model()->record(0).id;
        const core::ImageId second = page->model()->record(1).id;
        const core::ImageId third = page->model()->record(2).id;
        page->selectImages({first});

        // L, "tro", Enter: the tenth class, which has no number key.
        pressKey(grid, Qt::Key_L);
        auto* chooser = page->findChild<QFrame*>("classChooser");
        QVERIFY(chooser);
        QVERIFY(chooser->isVisible());
        auto* edit = chooser->findChild<QLineEdit*>("classChooserEdit");
        QCOMPARE(QApplication::focusWidget(), edit);
        QTest::keyClicks(QApplication::focusWidget(), "tro");
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return);
        QCOMPARE(labelOf(window, first), std::optional(classes[9].id));
        QVERIFY(!chooser->isVisible());
        // Back in the grid on the next image, ready for the next key.
        QCOMPARE(QApplication::focusWidget(), grid);
        QCOMPARE(page->selectedImageIds(), QList<qint64>{second});

        // The eleventh by the start of its name, in any case.
        pressKey(grid, Qt::Key_L);
        QTest::keyClicks(QApplication::focusWidget(), "ZE");
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Enter);
        QCOMPARE(labelOf(window, second), std::optional(classes[10].id));
        QCOMPARE(page->selectedImageIds(), QList<qint64>{third});

        // "s" lists Sandal, Shirt, Sneaker (then names with an s inside); Down picks among them.
        pressKey(grid, Qt::Key_L);
        QTest::keyClicks(QApplication::focusWidget(), "s");
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Down);
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Down);
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return);
        QCOMPARE(classes[7].name, std::string("Sneaker"));
        QCOMPARE(labelOf(window, third), std::optional(classes[7].id));

        // Escape closes it without labeling; a name that matches nothing labels nothing.
        const auto before = storedLabels(window.projectFolder());
        pressKey(grid, Qt::Key_L);
        QTest::keyClicks(QApplication::focusWidget(), "trou");
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Escape);
        QVERIFY(!chooser->isVisible());
        QCOMPARE(QApplication::focusWidget(), grid);
        pressKey(grid, Qt::Key_L);
        QTest::keyClicks(QApplication::focusWidget(), "qq");
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Return);
        QVERIFY(chooser->isVisible());
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Escape);
        QCOMPARE(storedLabels(window.projectFolder()), before);

        // Each choice is one undo step, as a number key is.
        pressKey(grid, Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(labelOf(window, third), std::nullopt);
        QCOMPARE(labelOf(window, second), std::optional(classes[10].id));
    }

    // The L chooser lists up to twelve classes without scrolling (Fashion-MNIST's ten all in
    // view); more scroll.
    void theClassChooserShowsTwelveClassesAtOnce() {
        const QString images = m_temp.path() + "/images-10";
        QVERIFY(fovea::test::writeUiTestImages(images, 10, 1, 1).labeled == 10);
        MainWindow window;
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QVERIFY(fovea::test::importNewProject(window, m_temp.path() + "/p-ten", images));
        DataPage* page = window.dataPage();
        QListView* grid = page->grid();
        const auto openChooser = [&] {
            grid->setFocus();
            page->selectImages({page->model()->record(0).id});
            pressKey(grid, Qt::Key_L);
            auto* matches = page->findChild<QListWidget*>("classChooserMatches");
            return matches && matches->isVisible() ? matches : nullptr;
        };
        // Every row in the viewport, whole.
        const auto allRowsInView = [](QListWidget* matches) {
            for (int row = 0; row < matches->count(); ++row) {
                const QRect rect = matches->visualItemRect(matches->item(row));
                if (!matches->viewport()->rect().contains(rect)) return false;
            }
            return !matches->verticalScrollBar()->isVisible();
        };
        QListWidget* matches = openChooser();
        QVERIFY(matches);
        QCOMPARE(matches->count(), 10);
        QVERIFY(allRowsInView(matches));
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Escape);

        for (const char* name : {"Zebra", "Yak"}) QVERIFY(page->addClass(name));
        matches = openChooser();
        QVERIFY(matches);
        QCOMPARE(matches->count(), 12);
        QVERIFY(allRowsInView(matches));
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Escape);

        QVERIFY(page->addClass("Xerus"));
        matches = openChooser();
        QVERIFY(matches);
        QCOMPARE(matches->count(), 13);
        QVERIFY(!allRowsInView(matches));
        QTRY_VERIFY(matches->verticalScrollBar()->isVisible());
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Escape);
    }

    // Each of twenty class colours is told apart at a glance from the grey of the unlabeled
    // images and from every other (the Fashion-MNIST demo's tenth class, Trouser, was grey).
    void classColoursStandApartFromUnlabeledAndEachOther() {
        MainWindow window;
        QVERIFY(newProject(window, m_temp.path() + "/p-colours"));
        DataPage* page = window.dataPage();
        for (int count = int(classesOf(window).size()); count < 20; ++count) {
            QVERIFY(page->addClass(QString("Class %1").arg(count + 1)));
        }
        const auto classes = classesOf(window);
        QCOMPARE(int(classes.size()), 20);
        constexpr double kApart = 15.0;  // delta E 1976
        const QColor unlabeled = fovea::ui::ClassList::unlabeledColour();
        for (size_t i = 0; i < classes.size(); ++i) {
            const QColor colour(QString::fromStdString(classes[i].colour));
            QVERIFY2(deltaE(colour, unlabeled) > kApart,
                     qPrintable(QString("class %1 (%2) looks like the unlabeled grey: %3")
                                    .arg(i + 1)
                                    .arg(colour.name())
                                    .arg(deltaE(colour, unlabeled))));
            for (size_t j = 0; j < i; ++j) {
                const QColor other(QString::fromStdString(classes[j].colour));
                QVERIFY2(deltaE(colour, other) > kApart,
                         qPrintable(QString("classes %1 (%2) and %3 (%4) look alike: %5")
                                        .arg(i + 1)
                                        .arg(colour.name())
                                        .arg(j + 1)
                                        .arg(other.name())
                                        .arg(deltaE(colour, other))));
            }
        }
    }

    void multiSelectionByMouseAndSelectAll() {
        MainWindow window;
        window.resize(1200, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(newProject(window, m_temp.path() + "/p-multi"));
        DataPage* page = window.dataPage();
        ImageViewFilter filter;
        filter.kind = ImageViewFilter::Kind::Unlabeled;
        page->setFilter(filter);
        QListView* grid = page->grid();
        // Click the first, Ctrl+click the third, Shift+click extends from the anchor.
        auto rect = [&](int row) { return grid->visualRect(page->model()->index(row)); };
        QTest::mouseClick(grid->viewport(), Qt::LeftButton, {}, rect(0).center());
        QTest::mouseClick(grid->viewport(), Qt::LeftButton, Qt::ControlModifier, rect(2).center());
        QCOMPARE(page->selectedImageIds().size(), 2);
        QTest::mouseClick(grid->viewport(), Qt::LeftButton, {}, rect(0).center());
        QTest::mouseClick(grid->viewport(), Qt::LeftButton, Qt::ShiftModifier, rect(3).center());
        const QList<qint64> ids = page->selectedImageIds();
        QCOMPARE(ids.size(), 4);
        pressKey(grid, Qt::Key_1);
        const auto classes = classesOf(window);
        for (qint64 id : ids) QCOMPARE(labelOf(window, id), std::optional(classes[0].id));
        // One undo step for the whole selection.
        pressKey(grid, Qt::Key_Z, Qt::ControlModifier);
        for (qint64 id : ids) QCOMPARE(labelOf(window, id), std::nullopt);
        // Ctrl+A selects everything the filter shows.
        grid->setFocus();
        pressKey(grid, Qt::Key_A, Qt::ControlModifier);
        QCOMPARE(page->selectedImageIds().size(), page->model()->rowCount());
    }

    void draggingImagesOntoAClassLabelsThem() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(newProject(window, m_temp.path() + "/p-drag"));
        DataPage* page = window.dataPage();
        ImageViewFilter filter;
        filter.kind = ImageViewFilter::Kind::Unlabeled;
        page->setFilter(filter);
        const QList<qint64> ids = {page->model()->record(0).id, page->model()->record(1).id};
        page->selectImages(ids);
        // What the grid puts into the drag: the model's own mime data for the selection.
        std::unique_ptr<QMimeData> mime(
            page->model()->mimeData(page->grid()->selectionModel()->selectedIndexes()));
        auto* list = page->classList();
        QWidget* target = list->viewport();
        const QPoint at = list->visualItemRect(list->topLevelItem(2)).center();
        QDragEnterEvent enter(at, Qt::CopyAction, mime.get(), Qt::LeftButton, {});
        QApplication::sendEvent(target, &enter);
        QVERIFY(enter.isAccepted());
        QDragMoveEvent move(at, Qt::CopyAction, mime.get(), Qt::LeftButton, {});
        QApplication::sendEvent(target, &move);
        QVERIFY(move.isAccepted());
        QDropEvent drop(at, Qt::CopyAction, mime.get(), Qt::LeftButton, {});
        QApplication::sendEvent(target, &drop);
        QVERIFY(drop.isAccepted());
        const auto classes = classesOf(window);
        for (qint64 id : ids) QCOMPARE(labelOf(window, id), std::optional(classes[2].id));
        // Something that is not a Fovea selection is refused.
        QMimeData text;
        text.setText("hello");
        QDragEnterEvent other(at, Qt::CopyAction, &text, Qt::LeftButton, {});
        QApplication::sendEvent(target, &other);
        QVERIFY(!other.isAccepted());
        // Undo through the Edit menu's action.
        window.findChild<QAction*>("undoAction")->trigger();
        for (qint64 id : ids) QCOMPARE(labelOf(window, id), std::nullopt);
    }

    void classesAreAddedRenamedMergedDeletedAndRestored() {
        MainWindow window;
        window.show();
        QVERIFY(newProject(window, m_temp.path() + "/p-classes"));
        DataPage* page = window.dataPage();
        QVERIFY(page->addClass("  sandal  "));
        auto classes = classesOf(window);
        QCOMPARE(int(classes.size()), 4);
        QCOMPARE(classes[3].name, std::string("sandal"));
        // A new command is said as done, not "Redone" (only Redo is).
        auto* status = page->findChild<QLabel*>("dataStatus");
        QVERIFY(status);
        QVERIFY2(status->text().startsWith("Add class"), qPrintable(status->text()));
        window.session()->undoStack()->undo();
        QVERIFY2(status->text().startsWith("Undone: Add class"), qPrintable(status->text()));
        window.session()->undoStack()->redo();
        QVERIFY2(status->text().startsWith("Redone: Add class"), qPrintable(status->text()));
        classes = classesOf(window);
        // A duplicate is refused with a message; nothing lands on the undo stack.
        const int commands = window.session()->undoStack()->count();
        QVERIFY(!page->addClass("sandal"));
        QCOMPARE(window.session()->undoStack()->count(), commands);
        auto* message = window.findChild<QMessageBox*>("errorMessage");
        QVERIFY(message);
        QVERIFY2(message->text().contains("sandal"), qPrintable(message->text()));
        message->close();
        // Nor one that differs only in case: the L chooser could not tell them apart.
        QVERIFY(!page->addClass("Sandal"));
        QCOMPARE(window.session()->undoStack()->count(), commands);
        QVERIFY(!window.findChildren<QMessageBox*>("errorMessage").isEmpty());
        message = window.findChildren<QMessageBox*>("errorMessage").last();
        QVERIFY2(message->text().contains("only in case"), qPrintable(message->text()));
        message->close();
        QVERIFY(page->renameClass(classes[3].id, "sandals"));
        QCOMPARE(classesOf(window)[3].name, std::string("sandals"));

        // Delete the first class: its six images become unlabeled; undo brings back the class
        // at its place (key 1), its colour and its images.
        const core::ClassInfo firstClass = classes[0];
        core::ImageFilter ofFirst;
        ofFirst.classId = firstClass.id;
        const auto members = window.session()->store().images(ofFirst).value();
        QCOMPARE(int(members.size()), 6);
        QVERIFY(page->deleteClass(firstClass.id));
        QCOMPARE(int(classesOf(window).size()), 3);
        for (const auto& image : members) QCOMPARE(labelOf(window, image.id), std::nullopt);
        window.session()->undoStack()->undo();
        classes = classesOf(window);
        QCOMPARE(classes[0].name, firstClass.name);
        QCOMPARE(classes[0].colour, firstClass.colour);
        for (const auto& image : members) {
            QCOMPARE(labelOf(window, image.id), std::optional(classes[0].id));
        }
        // Undo further back than the restored class: the rename, then the add, still work
        // although the class ids they saw may have been replaced.
        window.session()->undoStack()->undo();  // rename
        QCOMPARE(classesOf(window)[3].name, std::string("sandal"));
        window.session()->undoStack()->redo();

        // Merge the second class into the third.
        classes = classesOf(window);
        QVERIFY(page->mergeClass(classes[1].id, classes[2].id));
        QCOMPARE(int(classesOf(window).size()), 3);
        QCOMPARE(page->classList()->topLevelItem(1)->text(fovea::ui::ClassList::TotalColumn),
                 QString("12"));
        window.session()->undoStack()->undo();
        QCOMPARE(int(classesOf(window).size()), 4);
        QCOMPARE(page->classList()->topLevelItem(1)->text(fovea::ui::ClassList::TotalColumn),
                 QString("6"));
    }

    void splitsMoveAndUndo() {
        MainWindow window;
        window.show();
        QVERIFY(newProject(window, m_temp.path() + "/p-splits"));
        DataPage* page = window.dataPage();
        const QList<qint64> ids = {page->model()->record(0).id, page->model()->record(5).id};
        page->selectImages(ids);
        page->moveSelectionToSplit(core::Split::Val);
        {
            // Both in val: the split menu checks it; the first image is labeled, so its class
            // is checked only if the second has the same one.
            std::unique_ptr<QMenu> menu(fovea::ui::buildImageGridMenu(*page, *window.session()));
            QMenu* splits = menuAction(*menu, "Move to split")->menu();
            QVERIFY(menuAction(*splits, "val")->isChecked());
            QVERIFY(!menuAction(*splits, "train")->isChecked());
        }
        for (qint64 id : ids) {
            QCOMPARE(window.session()->store().image(id).value().split,
                     std::optional(core::Split::Val));
        }
        ImageViewFilter filter;
        filter.kind = ImageViewFilter::Kind::Split;
        filter.split = core::Split::Val;
        page->setFilter(filter);
        QCOMPARE(page->model()->rowCount(), 2);
        window.session()->undoStack()->undo();
        QCOMPARE(page->model()->rowCount(), 0);

        // Excluding is undoable too.
        page->setFilter({});
        page->selectImages(ids);
        {
            // The menu shows the selection's state: nothing to exclude yet, nothing to include.
            std::unique_ptr<QMenu> menu(fovea::ui::buildImageGridMenu(*page, *window.session()));
            QVERIFY(menuAction(*menu, "Exclude from training")->isEnabled());
            QVERIFY(!menuAction(*menu, "Include in training")->isEnabled());
        }
        page->setSelectionExcluded(true);
        for (qint64 id : ids) QVERIFY(window.session()->store().image(id).value().excluded);
        // Said as done, as labeling is.
        const QString said = page->findChild<QLabel*>("dataStatus")->text();
        QVERIFY2(said.startsWith("Excluded 2 images from training"), qPrintable(said));
        {
            std::unique_ptr<QMenu> menu(fovea::ui::buildImageGridMenu(*page, *window.session()));
            QVERIFY(!menuAction(*menu, "Exclude from training")->isEnabled());
            QVERIFY(menuAction(*menu, "Include in training")->isEnabled());
        }
        // Excluded images carry a badge and have their own filter.
        QVERIFY(page->model()
                    ->data(page->model()->index(page->model()->rowOf(ids[0])),
                           ImageListModel::ExcludedRole)
                    .toBool());
        ImageViewFilter excluded;
        excluded.kind = ImageViewFilter::Kind::Excluded;
        page->setFilter(excluded);
        QCOMPARE(page->model()->rowCount(), 2);
        page->setFilter({});
        window.session()->undoStack()->undo();
        for (qint64 id : ids) QVERIFY(!window.session()->store().image(id).value().excluded);
    }

    // Issue 21: a training run gives images splits through its own database connection and
    // says so (TrainPage::projectChanged); the grid and the preview show the splits at once,
    // with the selection, the current image and the scroll position as they were.
    // Issue 21: the menu buttons' arrows sat over their last letters; the arrow is text now,
    // and the whole text fits the button.
    void menuButtonsShowTheirWholeText() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(newProject(window, m_temp.path() + "/p-menu-buttons"));
        for (const char* name : {"splitButton", "labelNextMeasureButton"}) {
            auto* button = window.dataPage()->findChild<QToolButton*>(name);
            QVERIFY2(button, name);
            QVERIFY2(button->text().endsWith(" ▾"), qPrintable(button->text()));
            QVERIFY2(button->width() >= button->fontMetrics().horizontalAdvance(button->text()) + 4,
                     qPrintable(button->text()));
        }
    }

    // Issue 21: a transparent PNG (seen, as the network sees it, on white) and other images
    // with white edges read as empty cells: each thumbnail has a hairline frame.
    void whiteImagesAreFramedInTheGrid() {
        const QString images = m_temp.path() + "/white-images";
        QVERIFY(QDir().mkpath(images + "/a"));
        QImage clear(40, 40, QImage::Format_ARGB32);
        clear.fill(qRgba(255, 255, 255, 0));
        QVERIFY(clear.save(images + "/a/clear.png"));
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(fovea::test::importNewProject(window, m_temp.path() + "/p-white", images));
        DataPage* page = window.dataPage();
        const QModelIndex first = page->model()->index(0);
        QTRY_VERIFY(!page->model()->data(first, ImageListModel::LoadingRole).toBool());
        page->grid()->clearSelection();
        const QImage shot = page->grid()->viewport()->grab().toImage();
        const QRect cell = page->grid()->visualRect(first);
        const QRgb mid = page->grid()->palette().color(QPalette::Mid).rgb();
        int framed = 0;
        for (int y = cell.top(); y < cell.top() + cell.height() / 2; ++y) {
            for (int x = cell.left(); x <= cell.right(); ++x) {
                if (shot.pixel(x, y) == mid) ++framed;
            }
        }
        QVERIFY2(framed >= 20, qPrintable(QString("%1 frame pixels").arg(framed)));
    }

    void splitsWrittenByTrainingShowAtOnce() {
        const QString project = m_temp.path() + "/p-train-splits";
        MainWindow window;
        window.resize(1000, 700);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(newProject(window, project));
        DataPage* page = window.dataPage();
        QListView* grid = page->grid();
        // Large cells, so the grid scrolls.
        page->findChild<QSlider*>("thumbnailSizeSlider")->setValue(192);
        QTRY_VERIFY(grid->verticalScrollBar()->maximum() > 0);
        QList<qint64> selected;
        for (int row = 0; row < page->model()->rowCount() && selected.size() < 2; ++row) {
            const auto& record = page->model()->record(row);
            if (record.classId && !record.error) selected << record.id;
        }
        QCOMPARE(selected.size(), 2);
        page->selectImages(selected);
        // The second of them is the current image (the one the preview shows).
        const QModelIndex current = page->model()->index(page->model()->rowOf(selected[1]));
        grid->selectionModel()->setCurrentIndex(current, QItemSelectionModel::NoUpdate);
        QVERIFY(previewDetails(page).contains("Split: <i>none</i>"));
        QVERIFY(page->model()->data(current, ImageListModel::SplitRole).toString().isEmpty());
        // The user scrolled away from the selection.
        QScrollBar* scroll = grid->verticalScrollBar();
        scroll->setValue(scroll->maximum());
        if (grid->visualRect(current).intersects(grid->viewport()->rect())) scroll->setValue(0);
        QVERIFY(!grid->visualRect(current).intersects(grid->viewport()->rect()));
        const int scrolled = scroll->value();
        const ImageViewFilter filter = page->filter();

        {
            auto store = core::ProjectStore::open(project.toStdString());
            QVERIFY(store);
            auto assigned = core::assignSplits(store.value(), {0.5, 0.5, 0.0}, 1);
            QVERIFY(assigned && assigned.value().assigned > 0);
        }
        Q_EMIT window.trainPage()->projectChanged();

        const auto split = window.session()->store().image(selected[1]).value().split;
        QVERIFY(split.has_value());
        const QString name = core::splitName(*split);
        QTRY_VERIFY2(previewDetails(page).contains("Split: " + name),
                     qPrintable(previewDetails(page)));
        QCOMPARE(page->model()->data(grid->currentIndex(), ImageListModel::SplitRole).toString(),
                 name);
        QCOMPARE(page->model()->record(grid->currentIndex().row()).id, selected[1]);
        for (int row = 0; row < page->model()->rowCount(); ++row) {
            const QModelIndex index = page->model()->index(row);
            const auto stored = window.session()->store().image(page->model()->record(row).id);
            const QString expected =
                stored.value().split ? QString(core::splitName(*stored.value().split)) : "";
            QCOMPARE(index.data(ImageListModel::SplitRole).toString(), expected);
            // Only labeled images wear a split badge (unlabeled ones are not trained on).
            QCOMPARE(index.data(ImageListModel::SplitBadgeRole).toString(),
                     stored.value().classId ? expected : QString());
            // An unlabeled image's split is where it goes once labeled, and says so.
            if (!stored.value().classId && stored.value().split) {
                QVERIFY2(
                    index.data(Qt::ToolTipRole).toString().contains(expected + " once labeled"),
                    qPrintable(index.data(Qt::ToolTipRole).toString()));
            }
        }
        QCOMPARE(page->selectedImageIds(), selected);
        QCOMPARE(scroll->value(), scrolled);
        QVERIFY(page->filter() == filter);

        // The Unlabeled row counts no splits (its images are neither trained nor validated
        // on); its tooltip says where they go once labeled.
        const ClassList* classes = page->classList();
        const QTreeWidgetItem* unlabeled = classes->topLevelItem(classes->topLevelItemCount() - 1);
        QCOMPARE(unlabeled->text(ClassList::NameColumn), QString("Unlabeled"));
        for (int column : {ClassList::TrainColumn, ClassList::ValColumn, ClassList::TestColumn}) {
            QVERIFY2(unlabeled->text(column).isEmpty(), qPrintable(unlabeled->text(column)));
            QVERIFY2(unlabeled->toolTip(column).contains("Once labeled"),
                     qPrintable(unlabeled->toolTip(column)));
        }
    }

    // Issue 21, the cause: the Train page's learning-rate range test gives every usable image
    // the train split through its own connection; the Data page shows it once the test ends.
    void splitsWrittenByTheLearningRateTestShowAtOnce() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(newProject(window, m_temp.path() + "/p-lr-splits"));
        QVERIFY(fovea::test::chooseSmallNetwork(window));
        DataPage* page = window.dataPage();
        qint64 labeled = -1;
        for (int row = 0; row < page->model()->rowCount() && labeled < 0; ++row) {
            const auto& record = page->model()->record(row);
            if (record.classId && !record.error) labeled = record.id;
        }
        page->selectImages({labeled});
        QCOMPARE(page->model()->record(page->grid()->currentIndex().row()).id, labeled);
        QVERIFY(previewDetails(page).contains("Split: <i>none</i>"));

        auto* train = window.trainPage();
        fovea::test::setShortRun(*train, 1);
        auto* finder = train->learningRateFinder();
        finder->setSteps(3);
        QSignalSpy finished(finder, &fovea::ui::LearningRateFinderPanel::finished);
        QString error;
        QVERIFY2(finder->start(&error), qPrintable(error));
        QVERIFY(finished.wait(180000));
        QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
        // The splits a run would give: the test keeps validation images out of training.
        core::ImageFilter validation;
        validation.split = core::Split::Val;
        QVERIFY(window.session()->store().imageCount(validation).value() > 0);
        const auto split = window.session()->store().image(labeled).value().split;
        QVERIFY(split.has_value());
        const QString splitName = core::splitName(*split);
        QTRY_VERIFY2(previewDetails(page).contains("Split: " + splitName),
                     qPrintable(previewDetails(page)));
        QCOMPARE(page->model()->data(page->grid()->currentIndex(), ImageListModel::SplitRole),
                 QVariant(splitName));
        QCOMPARE(page->selectedImageIds(), QList<qint64>{labeled});
    }

    // Issue 21: selecting another image, a labeled one, an unlabeled one or one that cannot be
    // read, keeps the picture where it was.
    void selectingAnotherImageKeepsThePreviewStill() {
        MainWindow window;
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(newProject(window, m_temp.path() + "/p-still"));
        DataPage* page = window.dataPage();
        auto* view = page->findChild<QWidget*>("previewView");
        QVERIFY(view);
        qint64 labeled = -1, unlabeled = -1, unreadable = -1;
        for (int row = 0; row < page->model()->rowCount(); ++row) {
            const auto& record = page->model()->record(row);
            if (record.error && unreadable < 0) unreadable = record.id;
            if (!record.error && record.classId && labeled < 0) labeled = record.id;
            if (!record.error && !record.classId && unlabeled < 0) unlabeled = record.id;
        }
        QVERIFY(labeled >= 0 && unlabeled >= 0 && unreadable >= 0);
        page->selectImages({labeled});
        QTest::qWait(100);
        const QRect first(view->mapTo(&window, QPoint(0, 0)), view->size());
        for (qint64 id : {unreadable, unlabeled, labeled}) {
            page->selectImages({id});
            QTest::qWait(100);
            QCOMPARE(QRect(view->mapTo(&window, QPoint(0, 0)), view->size()), first);
        }
    }

    // At the default window size the search field shows its whole placeholder whatever the
    // filter (Suggested adds its threshold beside it) and however long a class name: the
    // filter list was as wide as its longest entry and squeezed the field to "Search path…".
    void theSearchFieldKeepsItsPlaceholderInView() {
        MainWindow window;
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(newProject(window, m_temp.path() + "/p-search"));
        DataPage* page = window.dataPage();
        QVERIFY(page->addClass("Shoulder bags with a long strap"));
        auto* search = page->findChild<QLineEdit*>("pathSearch");
        QVERIFY(search);
        // The placeholder's width and the field's frame and text margins.
        const int needed = search->fontMetrics().horizontalAdvance(search->placeholderText()) + 12;
        for (auto kind : {ImageViewFilter::Kind::All, ImageViewFilter::Kind::Suggested,
                          ImageViewFilter::Kind::LabelNext, ImageViewFilter::Kind::Unreadable}) {
            ImageViewFilter filter;
            filter.kind = kind;
            page->setFilter(filter);
            QTest::qWait(20);
            QVERIFY2(search->width() >= needed,
                     qPrintable(QString("filter %1: the search field is %2 px, its placeholder "
                                        "needs %3 px")
                                    .arg(int(kind))
                                    .arg(search->width())
                                    .arg(needed)));
            QCOMPARE(window.width(), 1280);
        }
    }

    // A project opened while another page shows (the window restores the last page) still
    // fits the Data page's preview to the pane once that page appears: it was fitted to the
    // view's size before it was ever laid out, a 28 px image shown at 86 %.
    void thePreviewFitsWhenTheDataPageFirstAppears() {
        const QString project = m_temp.path() + "/p-fit-later";
        {
            MainWindow made;
            QVERIFY(newProject(made, project));
        }
        // Opened, not made: a new project starts on the Data page itself.
        MainWindow window;
        window.showPage("Train");
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QString error;
        QVERIFY2(window.openProject(project, &error), qPrintable(error));
        QCOMPARE(window.currentPageName(), QString("Train"));
        DataPage* page = window.dataPage();
        QTRY_VERIFY(page->model()->rowCount() > 0);
        qint64 readable = -1;
        for (int row = 0; row < page->model()->rowCount() && readable < 0; ++row) {
            if (!page->model()->record(row).error) readable = page->model()->record(row).id;
        }
        QVERIFY(readable >= 0);
        page->selectImages({readable});
        auto* zoom = page->findChild<QLabel*>("zoomLabel");
        QVERIFY(zoom);
        QTRY_VERIFY(!zoom->text().isEmpty());
        window.showPage("Data");
        QTest::qWait(100);
        const QString shown = zoom->text();
        page->findChild<QToolButton*>("zoomFitButton")->click();
        QCOMPARE(shown, zoom->text());
    }

    // Issue 21: a search that leaves nothing under the filter says why the grid is empty.
    void anEmptyGridSaysWhy() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(newProject(window, m_temp.path() + "/p-empty"));
        DataPage* page = window.dataPage();
        QCOMPARE(emptyGridMessage(page), QString());
        ImageViewFilter filter;
        filter.kind = ImageViewFilter::Kind::Unlabeled;
        page->setFilter(filter);
        QVERIFY(page->model()->rowCount() > 0);
        auto* search = page->findChild<QLineEdit*>("pathSearch");
        QTest::keyClicks(search, "abc~");  // "~" is in no path of this test
        QTRY_COMPARE(page->model()->rowCount(), 0);
        QCOMPARE(emptyGridMessage(page),
                 QString("No images match \"abc~\" among the unlabeled images — clear the "
                         "search or the filter."));
        // Clearing the search shows the images again, and no message.
        search->clear();
        QTRY_VERIFY(page->model()->rowCount() > 0);
        QCOMPARE(emptyGridMessage(page), QString());
        // A filter that leaves nothing by itself.
        filter.kind = ImageViewFilter::Kind::Split;
        filter.split = core::Split::Test;
        page->setFilter(filter);
        QCOMPARE(emptyGridMessage(page),
                 QString("There are no images in the test split — choose another filter."));
        // Suggested before any suggestion: it is not the threshold, it is Suggest Labels….
        filter.kind = ImageViewFilter::Kind::Suggested;
        page->setFilter(filter);
        QVERIFY2(emptyGridMessage(page).startsWith("No suggestions yet: Suggest Labels…"),
                 qPrintable(emptyGridMessage(page)));
    }

    // Issue 21: File ▸ Rescan Folders counts every unreadable file, those it knew already too.
    void rescanCountsEveryUnreadableFile() {
        MainWindow window;
        QVERIFY(newProject(window, m_temp.path() + "/p-rescan"));
        QSignalSpy finished(window.importJob(), &fovea::ui::BackgroundJob::finished);
        QString error;
        QVERIFY2(window.rescanProject(&error), qPrintable(error));
        QVERIFY(fovea::test::received(finished, 60000));
        QVERIFY(finished.first().at(0).toBool());
        const QString message = window.statusBar()->currentMessage();
        QVERIFY2(message.startsWith("Rescan: ") &&
                     message.contains(QString("; %1 unreadable").arg(m_written.broken)),
                 qPrintable(message));
    }

    void everyLabelIsThereAfterReopening() {
        const QString project = m_temp.path() + "/p-reopen";
        std::map<core::ImageId, std::optional<core::ClassId>> expected;
        {
            MainWindow window;
            window.show();
            QVERIFY(newProject(window, project));
            DataPage* page = window.dataPage();
            ImageViewFilter filter;
            filter.kind = ImageViewFilter::Kind::Unlabeled;
            page->setFilter(filter);
            page->grid()->setFocus();
            page->selectImages({page->model()->record(0).id});
            pressKey(page->grid(), Qt::Key_1);
            pressKey(page->grid(), Qt::Key_2);
            pressKey(page->grid(), Qt::Key_3);
            expected = storedLabels(window.projectFolder());
            // Closing never asks to save: there is nothing unsaved.
            QVERIFY(window.close());
        }
        MainWindow reopened;
        QString error;
        QVERIFY2(reopened.openProject(project, &error), qPrintable(error));
        QCOMPARE(storedLabels(reopened.projectFolder()), expected);
        int labeled = 0;
        for (const auto& [id, label] : expected) labeled += label.has_value();
        QCOMPARE(labeled, m_written.labeled + 3);
        // And the page shows them.
        ImageViewFilter filter;
        filter.kind = ImageViewFilter::Kind::Unlabeled;
        reopened.dataPage()->setFilter(filter);
        QCOMPARE(reopened.dataPage()->model()->rowCount(),
                 m_written.unlabeled + m_written.broken - 3);
    }

    void windowStateIsRemembered() {
        {
            MainWindow window;
            window.show();
            window.resize(1111, 777);
            window.showPage("Train");
            QVERIFY(window.close());
        }
        MainWindow later;
        QCOMPARE(later.size(), QSize(1111, 777));
        QCOMPARE(later.currentPageName(), QString("Train"));
    }

    void importCanBeCancelled() {
        MainWindow window;
        QSignalSpy finished(window.importJob(), &fovea::ui::BackgroundJob::finished);
        QString error;
        QVERIFY(window.createProject(m_temp.path() + "/p-cancel", {}, &error));
        QVERIFY(window.importImages(m_images, &error));
        window.importJob()->cancel();
        QVERIFY(finished.wait(60000));
        // Either it was quick enough to finish, or it stopped and changed nothing.
        const bool completed = finished.first().at(0).toBool();
        const auto count = window.session()->store().imageCount().value();
        QVERIFY(completed ? count > 0 : count == 0);
    }
};

QTEST_MAIN(DataPageTest)
#include "data_page_test.moc"
