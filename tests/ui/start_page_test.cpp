// The window without a project: the start page with the recent projects instead of greyed
// pages, opening the most recent project at launch, and the demo project made from Debian's
// Fashion-MNIST in one click.
#include <QCommandLineParser>
#include <QFile>
#include <QLabel>
#include <QListWidget>
#include <QSettings>
#include <QSignalSpy>
#include <QStackedWidget>
#include <QTemporaryDir>
#include <QTest>

#include "fovea/core/project/folder_import.h"
#include "fovea/core/project/project_store.h"
#include "fovea/ui/main_window.h"
#include "fovea/ui/start_arguments.h"
#include "model/model_page.h"
#include "project/project_session.h"
#include "start_page.h"
#include "train/train_page.h"
#include "train/training_request.h"
#include "ui_test_project.h"
#include "ui_test_run.h"
#include "ui_test_window.h"
#include "widgets/background_job.h"

using fovea::ui::MainWindow;
namespace core = fovea::core;
using fovea::ui::StartPage;

class StartPageTest : public QObject {
    Q_OBJECT
  private:
    QTemporaryDir m_temp;

    static QWidget* shownRoot(MainWindow& window) {
        return window.findChild<QStackedWidget*>("rootStack")->currentWidget();
    }

  private Q_SLOTS:
    void initTestCase() { fovea::test::useTestSettings("FoveaStartPageTest"); }

    void withoutAProjectTheStartPageListsTheRecentOnes() {
        const QString first = m_temp.path() + "/first";
        const QString second = m_temp.path() + "/second";
        {
            MainWindow window;
            window.show();
            QCOMPARE(shownRoot(window)->objectName(), QString("startPage"));
            QVERIFY(window.findChild<QLabel*>("noRecentProjectsLabel")->isVisible());
            QVERIFY(!window.openMostRecentProject());  // none yet: the start page stays
            QVERIFY(window.createProject(first));
            QVERIFY(window.createProject(second));
            QCOMPARE(shownRoot(window)->objectName(), QString("mainWorkbench"));
        }
        MainWindow window;
        window.show();
        auto* recent = window.findChild<QListWidget*>("recentProjectsList");
        QCOMPARE(recent->count(), 2);
        QCOMPARE(recent->item(0)->data(Qt::UserRole).toString(), second);
        QVERIFY(recent->isVisible());
        // Enter on a recent project opens it.
        recent->setCurrentRow(1);
        recent->setFocus();
        QTest::keyClick(recent, Qt::Key_Return);
        QCOMPARE(window.projectFolder(), first);
        QCOMPARE(shownRoot(window)->objectName(), QString("mainWorkbench"));
    }

    // `fovea FOLDER` opens FOLDER as --project does (it was ignored, and the start page said
    // there were no recent projects); two projects are an error, not a silent choice.
    void theCommandLineNamesTheProjectEitherWay() {
        const auto read = [](const QStringList& arguments) {
            QCommandLineParser parser;
            fovea::ui::describeStartArguments(parser);
            if (!parser.parse(QStringList{"fovea"} + arguments)) return fovea::ui::StartArguments{};
            return fovea::ui::readStartArguments(parser);
        };
        QCOMPARE(read({"/data/shop"}).project, QString("/data/shop"));
        QCOMPARE(read({"--project", "/data/shop"}).project, QString("/data/shop"));
        const auto withPage = read({"--page", "Health", "/data/shop"});
        QCOMPARE(withPage.page, QString("Health"));
        QCOMPARE(withPage.project, QString("/data/shop"));
        // Any case names the page; an unknown one is said, and the window opens anyway.
        QCOMPARE(read({"--page", "evaluate"}).page, QString("Evaluate"));
        const auto unknown = read({"--page", "Foo"});
        QVERIFY(unknown.page.isEmpty());
        QVERIFY(unknown.error.isEmpty());
        QVERIFY2(unknown.warning.contains("\"Foo\"") && unknown.warning.contains("Export"),
                 qPrintable(unknown.warning));
        QVERIFY(read({}).project.isEmpty());
        const auto two = read({"--project", "/a", "/b"});
        QVERIFY(two.project.isEmpty());
        QVERIFY2(two.error.contains("/a, /b"), qPrintable(two.error));
    }

    void launchingOpensTheMostRecentProject() {
        MainWindow window;
        window.show();
        QVERIFY(window.openMostRecentProject());
        QCOMPARE(window.projectFolder(), m_temp.path() + "/first");  // opened last above
    }

    void aRecentProjectThatCannotOpenSaysWhyOnTheStartPage() {
        const QString broken = m_temp.path() + "/broken";
        {
            MainWindow window;
            QVERIFY(window.createProject(broken));
        }
        // Its database replaced by something that is not one.
        QFile database(broken + "/" + fovea::core::kProjectDatabaseName);
        QVERIFY(database.open(QIODevice::WriteOnly | QIODevice::Truncate));
        database.write("not a database, just text that is long enough to be read as a header");
        database.close();
        MainWindow window;
        window.show();
        QVERIFY(!window.openMostRecentProject());
        QCOMPARE(shownRoot(window)->objectName(), QString("startPage"));
        auto* message = window.findChild<QLabel*>("startMessage");
        QVERIFY(message->isVisible());
        QVERIFY2(message->text().contains("broken"), qPrintable(message->text()));
    }

    void theDemoProjectIsMadeOnceAndOpensReadyToTrain() {
        const QString demo = m_temp.path() + "/demo";
        {
            MainWindow window;
            window.show();
            QSignalSpy imported(window.importJob(), &fovea::ui::BackgroundJob::finished);
            QString error;
            QVERIFY2(window.openDemoProject(demo, &error), qPrintable(error));
            QVERIFY(imported.wait(120000));
            QVERIFY(imported.first().at(0).toBool());
            QCOMPARE(window.projectFolder(), demo + "/Fashion-MNIST demo");
            QVERIFY(window.windowTitle().startsWith("Fashion-MNIST demo"));
            const auto images = window.session()->store().imageCount();
            QVERIFY(images);
            QCOMPARE(images.value(), 550);  // 10 classes x 50, and 50 to label
            QCOMPARE(window.modelPage()->selection().imageSize, 96);
            QCOMPARE(window.modelPage()->selection().architecture, QString("mobilenet_v2_keras"));
        }
        MainWindow window;
        QSignalSpy imported(window.importJob(), &fovea::ui::BackgroundJob::finished);
        QString error;
        QVERIFY2(window.openDemoProject(demo, &error), qPrintable(error));
        QCOMPARE(window.projectFolder(), demo + "/Fashion-MNIST demo");
        QTest::qWait(200);
        QCOMPARE(imported.count(), 0);  // opened as it is, not made again
    }

    // The recent projects sit right under their heading, in a list as tall as its rows: no
    // empty box down to the window's bottom edge.
    void theRecentProjectsListIsCompact() {
        QSettings().clear();
        for (const char* name : {"one", "two", "three"}) {
            MainWindow window;
            QVERIFY(window.createProject(m_temp.path() + "/compact/" + name));
        }
        MainWindow window;
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* page = window.findChild<StartPage*>("startPage");
        auto* heading = page->findChild<QLabel*>("recentProjectsHeading");
        auto* recent = page->recentList();
        QVERIFY(heading);
        QCOMPARE(recent->count(), 3);
        QTest::qWait(50);  // the layout settles
        const int headingBottom = heading->mapTo(page, QPoint(0, heading->height())).y();
        const int listTop = recent->mapTo(page, QPoint(0, 0)).y();
        QVERIFY2(
            listTop - headingBottom >= 0 && listTop - headingBottom < 16,
            qPrintable(QString("%1 px from the heading to the list").arg(listTop - headingBottom)));
        // Every row whole in view, and little below the last.
        const QRect last = recent->visualItemRect(recent->item(recent->count() - 1));
        QVERIFY(recent->viewport()->rect().contains(last));
        const int below = recent->viewport()->height() - last.bottom();
        QVERIFY2(below < 16,
                 qPrintable(QString("%1 px of empty list below the last row").arg(below)));
    }

    // A project made and trained by fovea-cli (as `fovea-cli demo` does) has runs but no
    // workbench settings: its pages go on from its newest run (the demo's 96 px), rather than
    // from the defaults (the weights' 224 px).
    void aProjectTrainedByTheCliOpensWithItsRunsSettings() {
        const QString images = m_temp.path() + "/cli-images";
        QVERIFY(fovea::test::writeUiTestImages(images, 3, 6, 0).labeled > 0);
        const QString project = m_temp.path() + "/cli-project";
        {
            auto store = core::ProjectStore::create(project.toStdString());
            QVERIFY(store);
            QVERIFY(core::importFolder(store.value(), images.toStdString()));
        }
        const QString error = fovea::test::trainTinyRun(project, project + "/runs/first", 8, 3);
        QVERIFY2(error.isEmpty(), qPrintable(error));

        fovea::ui::MainWindow window;
        window.show();
        QString opened;
        QVERIFY2(window.openProject(project, &opened), qPrintable(opened));
        const fovea::ui::ModelSelection selection = window.modelPage()->selection();
        QCOMPARE(selection.architecture, QString("resnet18"));
        QCOMPARE(selection.weights, QString("none"));
        QCOMPARE(selection.imageSize, 32);
        QCOMPARE(window.trainPage()->request().settings.training.epochs, std::int64_t{3});
    }
};

QTEST_MAIN(StartPageTest)
#include "start_page_test.moc"
