// Opens the real workbench window offscreen and uses it through its menus and widgets.
#include <QAction>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QScreen>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>

#include "fovea/core/threads.h"
#include "fovea/core/torch_runtime.h"
#include "fovea/core/version.h"
#include "fovea/ui/main_window.h"
#include "project/new_project_dialog.h"
#include "widgets/elided_label.h"

using fovea::ui::ElidedLabel;
using fovea::ui::MainWindow;

namespace {

// The texts of the labels in `dialog` that are drawn in red: the errors it shows.
QStringList errorsShownIn(QWidget* dialog) {
    QStringList errors;
    for (QLabel* label : dialog->findChildren<QLabel*>()) {
        if (label->isVisible() && label->text().contains("color='#c03020'")) {
            errors << label->text();
        }
    }
    return errors;
}

}  // namespace

class MainWindowTest : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() {
        // Keeps the user's real settings (recent projects) out of the test.
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName("FoveaTest");
        QCoreApplication::setApplicationName("FoveaTest");
        QSettings().clear();
    }

    void opensWithTheSixPagesAndClosesAgain() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.pageNames(), QStringList({"Data", "Health", "Model", "Train", "Runs",
                                                  "Evaluate", "Predict", "Export"}));
        QCOMPARE(window.currentPageName(), QString("Data"));
        QVERIFY(window.close());
        QVERIFY(!window.isVisible());
    }

    void clickingAPageNameShowsThatPage() {
        MainWindow window;
        window.show();
        auto* list = window.findChild<QListWidget*>("pageList");
        auto* pages = window.findChild<QStackedWidget*>("pages");
        QVERIFY(list && pages);
        for (int row = 0; row < list->count(); ++row) {
            const QRect rect = list->visualItemRect(list->item(row));
            QTest::mouseClick(list->viewport(), Qt::LeftButton, {}, rect.center());
            QCOMPARE(pages->currentIndex(), row);
            QCOMPARE(window.currentPageName(), list->item(row)->text());
        }
        window.showPage("Train");
        QCOMPARE(pages->currentWidget()->objectName(), QString("trainPage"));
        QVERIFY(pages->currentWidget()->findChild<QWidget*>("lossPlot"));
    }

    void statusBarShowsDeviceAndThreads() {
        MainWindow window;
        const auto runtime = fovea::core::queryTorchRuntime();
        auto* device = window.findChild<QLabel*>("deviceLabel");
        auto* threads = window.findChild<QLabel*>("threadsLabel");
        QVERIFY(device && threads);
        QCOMPARE(device->text(),
                 "Device: " + QString::fromStdString(fovea::core::defaultDeviceLabel(runtime)));
        QCOMPARE(threads->text(), QString("Threads: %1").arg(fovea::core::intraOpThreads()));
    }

    // Status messages and the project's folder are never cut at the window's edge: when they
    // do not fit, they are elided and the tooltip holds them whole.
    void longStatusLinesAreElidedWithTheWholeTextInTheTooltip() {
        MainWindow window;
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTemporaryDir folder;
        QString deep = folder.path();
        for (int level = 0; level < 12; ++level) deep += "/a-folder-with-a-long-name";
        QVERIFY(window.createProject(deep + "/project"));
        QStatusBar* bar = window.statusBar();
        auto* project = bar->findChild<ElidedLabel*>("projectLabel");
        auto* device = bar->findChild<QLabel*>("deviceLabel");
        QVERIFY(project && device);
        QTest::qWait(50);  // the layout settles
        const auto fitsBesideTheDevice = [&](ElidedLabel* label) {
            const int right = label->mapTo(bar, QPoint(label->width(), 0)).x();
            return label->isVisible() && right <= device->mapTo(bar, QPoint(0, 0)).x() &&
                   label->fontMetrics().horizontalAdvance(label->shownText()) <=
                       label->contentsRect().width();
        };
        QCOMPARE(project->text(), "Project: " + window.projectFolder());
        QVERIFY(project->isElided());
        QVERIFY(fitsBesideTheDevice(project));
        QCOMPARE(project->toolTip(), project->text());
        QCOMPARE(window.size(), QSize(1280, 800));

        QString message = "Import: 550 new images, 10 new classes; 3 files could not be read:";
        for (int file = 1; file <= 3; ++file) {
            message += QString(" %1/images/unreadable-file-number-%2.png").arg(deep).arg(file);
        }
        bar->showMessage(message, 300);
        auto* shown = bar->findChild<ElidedLabel*>("statusMessageLabel");
        QVERIFY(shown);
        QTest::qWait(50);
        QCOMPARE(shown->text(), message);
        QVERIFY(shown->isElided());
        QVERIFY(fitsBesideTheDevice(shown));
        QCOMPARE(shown->toolTip(), message);
        QVERIFY(!project->isVisible());  // the message takes its place for a while
        QTRY_VERIFY(!shown->isVisible());
        QVERIFY(project->isVisible());

        // A message that fits is shown whole, without a tooltip.
        bar->showMessage("Import cancelled; the project is as it was.");
        QTest::qWait(50);
        QVERIFY(shown->isVisible());
        QVERIFY(!shown->isElided());
        QVERIFY(shown->toolTip().isEmpty());
        bar->clearMessage();
        QVERIFY(!shown->isVisible());
    }

    // A key bound twice (two actions, or one action listing it twice) is ambiguous in Qt and
    // does nothing: every shortcut of the window must be unique. Redo is checked under the
    // keys of the platform's own binding too (Ctrl+Shift+Z on X11 desktops).
    void everyShortcutIsBoundOnce() {
        MainWindow window;
        window.show();
        QMap<QString, QString> owner;
        for (QAction* action : window.findChildren<QAction*>()) {
            for (const QKeySequence& key : action->shortcuts()) {
                if (key.isEmpty()) continue;
                const QString text = key.toString();
                QVERIFY2(!owner.contains(text),
                         qPrintable(QString("%1 is bound to %2 and to %3")
                                        .arg(text, owner.value(text), action->objectName())));
                owner[text] = action->objectName();
            }
        }
        QCOMPARE(owner.value("Ctrl+Shift+Z"), QString("redoAction"));
    }

    // Every page fits a 1280 x 800 screen: the window never needs to grow past it. Nor, in
    // height, past 700: what a 1366 x 768 laptop screen leaves under its panel and title bar.
    void everyPageFitsTheDefaultWindowSize() {
        MainWindow window;
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTemporaryDir folder;
        QVERIFY(window.createProject(folder.path() + "/fits"));
        for (const QString& page : window.pageNames()) {
            window.showPage(page);
            QTest::qWait(50);
            const QSize needed = window.minimumSizeHint().expandedTo(window.minimumSize());
            QVERIFY2(needed.width() <= 1280 && needed.height() <= 700,
                     qPrintable(QString("%1 needs %2 x %3")
                                    .arg(page)
                                    .arg(needed.width())
                                    .arg(needed.height())));
            QCOMPARE(window.size(), QSize(1280, 800));
        }
    }

    // A window saved larger than the screen (a page once pushed it wider, or it was on a
    // bigger monitor) comes back within the screen, not cut off at its right and bottom.
    void aWindowSavedLargerThanTheScreenComesBackWithinIt() {
        {
            MainWindow window;
            window.show();
            QVERIFY(QTest::qWaitForWindowExposed(&window));
            window.resize(2600, 1500);
            QTest::qWait(20);
            QVERIFY(window.close());  // saves its geometry
        }
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QRect available = window.screen()->availableGeometry();
        QVERIFY2(available.contains(window.frameGeometry()),
                 qPrintable(QString("the window is %1 x %2 at %3,%4 on a %5 x %6 screen")
                                .arg(window.frameGeometry().width())
                                .arg(window.frameGeometry().height())
                                .arg(window.frameGeometry().x())
                                .arg(window.frameGeometry().y())
                                .arg(available.width())
                                .arg(available.height())));
        window.resize(1280, 800);
        QVERIFY(window.close());
    }

    void fileMenuHasTheUsualActions() {
        MainWindow window;
        for (const char* name :
             {"newProjectAction", "openProjectAction", "quitAction", "aboutAction"}) {
            QVERIFY2(window.findChild<QAction*>(name), name);
        }
        QVERIFY(window.findChild<QMenu*>("recentMenu"));
        QCOMPARE(window.findChild<QAction*>("newProjectAction")->shortcut(),
                 QKeySequence(QKeySequence::New));
    }

    void newProjectIsOpenedAndRemembered() {
        QTemporaryDir temp;
        const QString folder = temp.path() + "/my project/åäö";
        {
            MainWindow window;
            window.showPage("Export");  // where the last project was left
            QSignalSpy changed(&window, &MainWindow::projectChanged);
            QString error;
            QVERIFY2(window.createProject(folder, {}, &error), qPrintable(error));
            QCOMPARE(changed.count(), 1);
            QCOMPARE(window.currentPageName(), QString("Data"));  // a new project starts there
            QCOMPARE(window.projectFolder(), QDir(folder).canonicalPath());
            QVERIFY(window.windowTitle().startsWith("åäö"));
        }
        // A new window (a later start) offers it under File > Open Recent.
        MainWindow later;
        auto* recent = later.findChild<QMenu*>("recentMenu");
        QStringList entries;
        for (QAction* action : recent->actions()) entries << action->text();
        QVERIFY2(entries.contains(QDir(folder).canonicalPath()), qPrintable(entries.join(", ")));
        // Choosing the entry opens the project.
        for (QAction* action : recent->actions()) {
            if (action->text() != QDir(folder).canonicalPath()) continue;
            action->trigger();
            break;
        }
        QCOMPARE(later.projectFolder(), QDir(folder).canonicalPath());
    }

    // Issue 21: no error over a dialog that was just opened with its fields empty; errors
    // appear once the user typed or pressed Create.
    void newProjectDialogShowsErrorsOnceTheUserActed() {
        QTemporaryDir temp;
        MainWindow window;
        window.show();
        {
            fovea::ui::NewProjectDialog dialog(&window);
            dialog.show();
            QVERIFY(QTest::qWaitForWindowExposed(&dialog));
            QCOMPARE(errorsShownIn(&dialog), QStringList());
            // Create with nothing chosen: the dialog stays and says what is missing.
            auto* create = dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
            QVERIFY(create->isEnabled());
            QTest::mouseClick(create, Qt::LeftButton);
            QVERIFY(dialog.isVisible());
            QCOMPARE(dialog.result(), int(QDialog::Rejected));
            QCOMPARE(errorsShownIn(&dialog).size(), 1);
            // Images first, as the form asks for them.
            QVERIFY2(errorsShownIn(&dialog).first().contains("Choose a folder of images"),
                     qPrintable(errorsShownIn(&dialog).first()));
            QVERIFY(!create->isEnabled());
            // Typing a usable folder clears it; Create then accepts.
            auto* project = dialog.findChild<QLineEdit*>("projectFolderEdit");
            QTest::keyClicks(project, temp.path() + "/new");
            QCOMPARE(errorsShownIn(&dialog), QStringList());
            QVERIFY(create->isEnabled());
            QTest::mouseClick(create, Qt::LeftButton);
            QCOMPARE(dialog.result(), int(QDialog::Accepted));
        }
        {
            // Typing shows errors at once: an image folder that is not there.
            fovea::ui::NewProjectDialog dialog(&window);
            dialog.show();
            QVERIFY(QTest::qWaitForWindowExposed(&dialog));
            QCOMPARE(errorsShownIn(&dialog), QStringList());
            QTest::keyClicks(dialog.findChild<QLineEdit*>("imagesFolderEdit"),
                             temp.path() + "/absent");
            QCOMPARE(errorsShownIn(&dialog).size(), 1);
            QVERIFY2(errorsShownIn(&dialog).first().contains("is not a folder"),
                     qPrintable(errorsShownIn(&dialog).first()));
        }
        {
            // The project goes with the images unless another folder is typed: the field stays
            // empty (its placeholder says where), so typing there starts a new path instead of
            // appending to the images one.
            fovea::ui::NewProjectDialog dialog(&window);
            dialog.show();
            QVERIFY(QTest::qWaitForWindowExposed(&dialog));
            auto* images = dialog.findChild<QLineEdit*>("imagesFolderEdit");
            auto* project = dialog.findChild<QLineEdit*>("projectFolderEdit");
            QTest::keyClicks(images, temp.path());
            QCOMPARE(project->text(), QString());
            QVERIFY2(project->placeholderText().contains(temp.path()),
                     qPrintable(project->placeholderText()));
            QCOMPARE(dialog.projectFolder(), temp.path());
            QTest::keyClicks(project, temp.path() + "/elsewhere");
            QCOMPARE(dialog.projectFolder(), temp.path() + "/elsewhere");
            QCOMPARE(dialog.imagesFolder(), temp.path());
        }
    }

    void openingAMissingFolderFailsWithItsName() {
        MainWindow window;
        QString error;
        const QString missing = "/nonexistent/fovea-project";
        QVERIFY(!window.openProject(missing, &error));
        QVERIFY2(error.contains(missing), qPrintable(error));
        QVERIFY(window.projectFolder().isEmpty());
    }

    void openingAFolderWithoutAProjectSaysSo() {
        QTemporaryDir temp;
        MainWindow window;
        QString error;
        QVERIFY(!window.openProject(temp.path(), &error));
        QVERIFY2(error.contains(temp.path()) && error.contains("no Fovea project"),
                 qPrintable(error));
        QVERIFY(window.projectFolder().isEmpty());
    }

    void aboutShowsVersionsAndCloses() {
        MainWindow window;
        window.show();
        window.findChild<QAction*>("aboutAction")->trigger();
        auto* about = window.findChild<QMessageBox*>("aboutDialog");
        QVERIFY(about);
        QVERIFY(QTest::qWaitForWindowExposed(about));
        QVERIFY(about->text().contains(fovea::core::kFoveaVersion));
        for (const char* field : {"LibTorch", "Device", "Threads", "BLAS", "OpenCV", "Qt"}) {
            QVERIFY2(about->text().contains(field), field);
        }
        QTest::keyClick(about, Qt::Key_Escape);
        QTRY_VERIFY(window.findChild<QMessageBox*>("aboutDialog") == nullptr);
    }

    void quitClosesTheWindow() {
        auto* window = new MainWindow;
        window->setAttribute(Qt::WA_DeleteOnClose);
        window->show();
        QPointer<MainWindow> guard(window);
        window->findChild<QAction*>("quitAction")->trigger();
        QTRY_VERIFY(guard.isNull());
    }
};

QTEST_MAIN(MainWindowTest)
#include "main_window_test.moc"
