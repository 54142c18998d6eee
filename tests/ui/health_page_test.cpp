// The Health page on a real project (issue 22): Fashion-MNIST images with an exact copy planted
// in the validation split, labels moved to the wrong class and a file cut short, checked from
// the page with the offline backbone. The duplicate shows as a leak and Exclude Extras excludes
// only the copy, undoably; a suspected label is relabeled with a key and undone; the classes,
// the unreadable file and the embedding map show what the project holds, and the map's points
// answer hovering and clicking.
#include <QApplication>
#include <QFileInfo>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <QUndoStack>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "data/data_page.h"
#include "data/thumbnail_cache.h"
#include "fovea/core/project/fashion_mnist.h"
#include "fovea/ui/main_window.h"
#include "health/class_balance_view.h"
#include "health/duplicates_view.h"
#include "health/embedding_map_view.h"
#include "health/health_page.h"
#include "health/label_issues_view.h"
#include "health/map_projection_bar.h"
#include "health/unreadable_view.h"
#include "project/project_session.h"
#include "qcustomplot_wrapper.h"
#include "ui_test_window.h"
#include "widgets/background_job.h"

using fovea::ui::HealthPage;
using fovea::ui::MainWindow;
using fovea::ui::MapProjectionBar;
namespace core = fovea::core;
namespace fs = std::filesystem;

namespace {

constexpr int kPerClass = 30;
const std::vector<int> kClasses = {0, 1, 5, 8};  // T-shirt/top, Trouser, Sandal, Bag
constexpr int kUnlabeled = 6;

// The images of the project by file name, as the database holds them now.
std::map<std::string, core::ImageRecord> recordsByName(MainWindow& window) {
    std::map<std::string, core::ImageRecord> records;
    const auto images = window.session()->store().images().value();
    for (const auto& record : images) {
        records[record.path.filename().string()] = record;
    }
    return records;
}

std::set<core::ImageId> excludedImages(MainWindow& window) {
    std::set<core::ImageId> excluded;
    const auto images = window.session()->store().images().value();
    for (const auto& record : images) {
        if (record.excluded) excluded.insert(record.id);
    }
    return excluded;
}

std::optional<core::ClassId> labelOf(MainWindow& window, core::ImageId id) {
    return window.session()->store().image(id).value().classId;
}

}  // namespace

class HealthPageTest : public QObject {
    Q_OBJECT
  private Q_SLOTS:
    void initTestCase() { fovea::test::useTestSettings("FoveaHealthPageTest"); }

    // A group of many look-alikes shows its first tiles and how many more, and stays within the
    // view, so its Exclude Extras button is in sight without scrolling sideways.
    void aLargeDuplicateGroupFitsTheView() {
        fovea::ui::ThumbnailCache thumbnails(72);
        fovea::ui::DuplicatesView view(&thumbnails);
        view.resize(900, 500);
        view.show();
        core::DuplicateFinding finding;
        finding.kind = core::DuplicateKind::Near;
        for (int i = 0; i < 15; ++i) {
            finding.images.push_back(i + 1);
            finding.paths.push_back("/nowhere/look-alike-" + std::to_string(i) + ".png");
            finding.splits.push_back(core::Split::Train);
        }
        view.showFindings({finding});
        QTRY_VERIFY(view.groupWidget(0) != nullptr);
        QWidget* group = view.groupWidget(0);
        auto* more = group->findChild<QLabel*>("moreTiles");
        QVERIFY(more);
        QVERIFY2(more->text().startsWith("and 9 more"), qPrintable(more->text()));
        QTest::qWait(20);
        auto* exclude = group->findChild<QPushButton*>("excludeExtrasButton");
        const QPoint right = exclude->mapTo(&view, QPoint(exclude->width(), 0));
        QVERIFY2(right.x() <= view.width(), qPrintable(QString::number(right.x())));
    }

    void checksAProjectAndFixesWhatItFinds() {
        QTemporaryDir temp;
        const fs::path images = fs::path(temp.path().toStdString()) / "images";
        core::FashionMnistFolderOptions options;
        options.classes = kClasses;
        options.imagesPerClass = kPerClass;
        options.unlabeledImages = kUnlabeled;
        options.seed = 11;
        auto written = core::writeFashionMnistFolder(images, options);
        QVERIFY2(written.ok(), written.ok() ? "" : written.error().message.c_str());
        // An exact copy of a Trouser (to go to the validation split), and a PNG cut short.
        fs::path original;
        for (const auto& file : written.value()) {
            if (file.labeled && file.path.parent_path().filename() == "Trouser") {
                original = file.path;
                break;
            }
        }
        QVERIFY(!original.empty());
        fs::copy_file(original, original.parent_path() / "copy-of-trouser.png");
        {
            std::ifstream in(written.value().back().path, std::ios::binary);
            std::string bytes((std::istreambuf_iterator<char>(in)), {});
            std::ofstream(images / "cut-short.png", std::ios::binary)
                << bytes.substr(0, bytes.size() / 2);
        }

        MainWindow window;
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(fovea::test::importNewProject(window, temp.path() + "/project",
                                              QString::fromStdString(images.string())));
        auto records = recordsByName(window);
        const core::ImageId originalId = records.at(original.filename().string()).id;
        const core::ImageId copyId = records.at("copy-of-trouser.png").id;
        auto& store = window.session()->store();
        // Every image in training, the copy in validation: a leak.
        std::vector<core::ImageId> all;
        for (const auto& [name, record] : records) all.push_back(record.id);
        QVERIFY(store.setSplit(all, core::Split::Train).ok());
        QVERIFY(store.setSplit({copyId}, core::Split::Val).ok());
        // Every tenth image of each class (not the Trouser pair) moved to the next class.
        const auto classes = store.classes().value();
        std::set<core::ImageId> planted;
        std::map<core::ClassId, int> seen;
        for (const auto& [name, record] : records) {
            if (!record.classId || record.id == originalId || record.id == copyId) continue;
            if (++seen[*record.classId] % 10 != 0) continue;
            std::size_t position = 0;
            while (classes[position].id != *record.classId) ++position;
            QVERIFY(store.setLabel({record.id}, classes[(position + 1) % classes.size()].id).ok());
            planted.insert(record.id);
        }
        QVERIFY(planted.size() >= 10);  // 11: the Trouser pair is left alone
        records = recordsByName(window);

        window.showPage("Health");
        HealthPage* page = window.healthPage();
        QCOMPARE(window.currentPageName(), QString("Health"));
        // Before a check nothing claims there are no duplicates.
        const QString before = page->findChild<QLabel*>("duplicatesSummary")->text();
        QVERIFY2(before.endsWith("show after a check."), qPrintable(before));
        // ... and the page says what a check finds once (its header), not in every label.
        int sayingWhatItFinds = 0;
        for (const QLabel* label : page->findChildren<QLabel*>()) {
            if (label->isVisible() && label->text().contains("look wrong")) ++sayingWhatItFinds;
        }
        QCOMPARE(sayingWhatItFinds, 1);
        QVERIFY(page->findChild<QLabel*>("healthNote")->text().startsWith("Not checked yet."));
        QSignalSpy checked(page, &HealthPage::checked);
        auto* check = page->findChild<QPushButton*>("checkDatasetButton");
        QVERIFY(check && check->isEnabled());
        QTest::mouseClick(check, Qt::LeftButton);
        QVERIFY(page->job()->isRunning());
        QVERIFY(!check->isEnabled());
        QVERIFY(checked.wait(300000));
        QVERIFY2(checked.first().at(0).toBool(), qPrintable(checked.first().at(1).toString()));
        QVERIFY(page->checkup().has_value());
        const auto& report = page->checkup()->report;
        const QString note = page->findChild<QLabel*>("healthNote")->text();
        QVERIFY2(note.contains(QString::fromStdString(report.backbone)), qPrintable(note));
        QVERIFY2(note.contains("from the cache"), qPrintable(note));
        const auto usable = static_cast<qint64>(records.size() - report.health.unreadable.size());
        QCOMPARE(report.embeddingsComputed + report.embeddingsCached, usable);

        checkDuplicates(window, page, originalId, copyId);
        checkLabelIssues(window, page, planted);
        checkClasses(window, page);
        checkUnreadable(page);
        checkMap(window, page, usable);
        grabTabs(window, page);

        // Another project, not checked yet: no findings, and no empty map axes.
        QVERIFY(fovea::test::importNewProject(window, temp.path() + "/other",
                                              QString::fromStdString(images.string())));
        QVERIFY(!page->checkup().has_value());
        window.showPage("Health");  // a new project opens on the Data page
        page->tabs()->setCurrentIndex(HealthPage::MapTab);
        QVERIFY(!page->map()->plot()->isVisible());
        QVERIFY(page->map()->findChild<QLabel*>("mapNote")->isVisible());
    }

  private:
    void checkDuplicates(MainWindow& window, HealthPage* page, core::ImageId originalId,
                         core::ImageId copyId) {
        page->tabs()->setCurrentIndex(HealthPage::DuplicatesTab);
        auto* view = page->duplicates();
        int leakGroup = -1;
        const auto& findings = page->checkup()->report.health.duplicates;
        for (int g = 0; g < view->groupCount(); ++g) {
            const auto& ids = findings[g].images;
            if (std::find(ids.begin(), ids.end(), copyId) == ids.end()) continue;
            leakGroup = g;
            QCOMPARE(findings[g].kind, core::DuplicateKind::Exact);
            QVERIFY(std::find(ids.begin(), ids.end(), originalId) != ids.end());
        }
        QVERIFY(leakGroup >= 0);
        // The groups' widgets are built a few per turn of the event loop.
        QTRY_VERIFY(view->groupWidget(leakGroup) != nullptr);
        QWidget* group = view->groupWidget(leakGroup);
        QVERIFY(group->isVisible());
        auto* badge = group->findChild<QLabel*>("leakBadge");
        QVERIFY(badge && badge->isVisible());
        QCOMPARE(badge->text(), QString("Leak: train and validation"));
        QVERIFY(group->findChild<QLabel*>("duplicateKind")->text().contains("Exact"));

        const auto before = excludedImages(window);
        QVERIFY(!before.count(copyId));
        auto* exclude = group->findChild<QPushButton*>("excludeExtrasButton");
        QVERIFY(exclude && exclude->isEnabled());
        QUndoStack* undo = window.session()->undoStack();
        const int steps = undo->count();
        QTest::mouseClick(exclude, Qt::LeftButton);
        // Exactly the copy in validation, the training copy kept, as one step.
        auto after = before;
        after.insert(copyId);
        QCOMPARE(excludedImages(window), after);
        QCOMPARE(undo->count(), steps + 1);
        QVERIFY(!exclude->isEnabled());
        QStringList captions;
        for (auto* caption : group->findChildren<QLabel*>("tileCaption")) {
            captions << caption->text();
        }
        QVERIFY2(captions.contains("validation · excluded"), qPrintable(captions.join(", ")));
        QVERIFY2(captions.contains("train · kept"), qPrintable(captions.join(", ")));
        // Ctrl+Z through the window's Edit menu gives it back.
        QTest::keyClick(&window, Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(excludedImages(window), before);
        QVERIFY(exclude->isEnabled());
    }

    void checkLabelIssues(MainWindow& window, HealthPage* page,
                          const std::set<core::ImageId>& planted) {
        page->tabs()->setCurrentIndex(HealthPage::LabelIssuesTab);
        const auto& issues = page->checkup()->report.health.labelIssues;
        QVERIFY(!issues.empty());
        QVERIFY(page->tabs()
                    ->tabText(HealthPage::LabelIssuesTab)
                    .contains(QString::number(issues.size())));
        // Some of the planted wrong labels are among the suspects.
        const auto found = std::count_if(issues.begin(), issues.end(), [&](const auto& issue) {
            return planted.count(issue.image) > 0;
        });
        QVERIFY2(found >= 1, qPrintable(QString("%1 suspects").arg(issues.size())));
        QTreeWidget* list = page->labelIssues()->list();
        QCOMPARE(list->topLevelItemCount(), static_cast<int>(issues.size()));
        const QString text = list->topLevelItem(0)->text(fovea::ui::LabelIssuesView::ProblemColumn);
        QCOMPARE(text, QString("labeled %1, looks like %2")
                           .arg(QString::fromStdString(issues[0].givenName),
                                QString::fromStdString(issues[0].suggestedName)));

        // Enter relabels the selected (first) one and moves on to the next.
        list->setFocus();
        QCOMPARE(list->currentItem(), list->topLevelItem(0));
        QTest::keyClick(list, Qt::Key_Return);
        QCOMPARE(labelOf(window, issues[0].image), std::optional(issues[0].suggested));
        QVERIFY(list->topLevelItem(0)->text(1).startsWith("relabeled"));
        if (issues.size() > 1) QCOMPARE(list->currentItem(), list->topLevelItem(1));
        // Undo puts the given label back, and the row says so.
        window.session()->undoStack()->undo();
        QCOMPARE(labelOf(window, issues[0].image), std::optional(issues[0].given));
        QCOMPARE(list->topLevelItem(0)->text(1), text);
        // R does the same as Enter.
        list->setCurrentItem(list->topLevelItem(0));
        QTest::keyClick(list, Qt::Key_R);
        QCOMPARE(labelOf(window, issues[0].image), std::optional(issues[0].suggested));
        window.session()->undoStack()->undo();
        QCOMPARE(labelOf(window, issues[0].image), std::optional(issues[0].given));
    }

    void checkClasses(MainWindow& window, HealthPage* page) {
        page->tabs()->setCurrentIndex(HealthPage::ClassesTab);
        QTableWidget* table = page->classes()->table();
        // Per class, the usable images labeled with it: all in train, but the Trouser copy.
        std::map<std::string, int> expected;
        std::map<std::string, int> inVal;
        std::map<core::ClassId, std::string> names;
        const auto classes = window.session()->store().classes().value();
        for (const auto& info : classes) names[info.id] = info.name;
        const auto images = window.session()->store().images().value();
        for (const auto& record : images) {
            if (!record.classId) continue;
            ++expected[names[*record.classId]];
            if (record.split == core::Split::Val) ++inVal[names[*record.classId]];
        }
        int rows = 0;
        for (int row = 0; row < table->rowCount(); ++row) {
            const std::string name = table->item(row, 0)->text().toStdString();
            if (!expected.count(name)) continue;
            ++rows;
            QCOMPARE(table->item(row, fovea::ui::ClassBalanceView::ImagesColumn)->text().toInt(),
                     expected[name]);
            QCOMPARE(table->item(row, fovea::ui::ClassBalanceView::ValColumn)->text().toInt(),
                     inVal[name]);
        }
        QCOMPARE(rows, static_cast<int>(kClasses.size()));
        QVERIFY(page->classes()->advice()->text().contains("Largest class over smallest"));
        // Said to count what training reads, unlike the Data page's class list.
        QVERIFY(page->classes()->advice()->text().startsWith("Usable images only"));
    }

    void checkUnreadable(HealthPage* page) {
        page->tabs()->setCurrentIndex(HealthPage::UnreadableTab);
        QTreeWidget* list = page->unreadable()->list();
        QStringList files;
        for (int row = 0; row < list->topLevelItemCount(); ++row) {
            files << QFileInfo(list->topLevelItem(row)->text(0)).fileName();
            QVERIFY(!list->topLevelItem(row)->text(1).isEmpty());
        }
        QVERIFY2(files.contains("cut-short.png"), qPrintable(files.join(", ")));
    }

    void checkMap(MainWindow& window, HealthPage* page, qint64 usable) {
        page->tabs()->setCurrentIndex(HealthPage::MapTab);
        auto* map = page->map();
        QTest::qWait(50);
        QCOMPARE(map->pointCount(), static_cast<int>(usable));
        int drawn = 0;
        for (int i = 0; i < map->plot()->graphCount(); ++i) {
            const QString name = map->plot()->graph(i)->name();
            if (name != "ringed: outlier" && name != "selected")
                drawn += map->plot()->graph(i)->dataCount();
        }
        QCOMPARE(drawn, map->pointCount());
        // A point no other one covers: hovering shows its file, clicking selects it.
        const auto& images = page->checkup()->mapImages;
        std::optional<qint64> target;
        QPoint at;
        for (core::ImageId id : images) {
            const auto pixel = map->pixelOf(id);
            QVERIFY(pixel.has_value());
            if (map->imageAt(*pixel) == id && map->plot()->rect().contains(*pixel)) {
                target = id;
                at = *pixel;
                break;
            }
        }
        QVERIFY(target.has_value());
        const QString file = QString::fromStdString(
            window.session()->store().image(*target).value().path.filename().string());
        QTest::mouseMove(map->plot(), at);
        QTRY_VERIFY(map->hoverCard()->isVisible());
        QVERIFY(map->hoverCard()->findChild<QLabel*>("mapHoverText")->text().contains(file));
        QSignalSpy selected(map, &fovea::ui::EmbeddingMapView::imageSelected);
        QTest::mouseClick(map->plot(), Qt::LeftButton, {}, at);
        QCOMPARE(selected.count(), 1);
        QCOMPARE(selected.first().at(0).toLongLong(), *target);
        QCOMPARE(map->selectedImage(), target);
        // A double-click shows it on the Data page.
        QTest::mouseDClick(map->plot(), Qt::LeftButton, {}, at);
        QCOMPARE(window.currentPageName(), QString("Data"));
        QCOMPARE(window.dataPage()->selectedImageIds(), QList<qint64>{*target});
        window.showPage("Health");

        // t-SNE instead of principal components: computed in the background, the same images
        // at other places, the axes named for it; back to PCA without computing again.
        const auto pcaPlace = map->pixelOf(*target);
        MapProjectionBar* projection = page->projection();
        QSignalSpy projected(projection->job(), &fovea::ui::BackgroundJob::finished);
        QVERIFY(projection->setProjection(MapProjectionBar::Tsne));
        QVERIFY(fovea::test::received(projected, 120000));
        QVERIFY2(projected.first().at(0).toBool(), qPrintable(projected.first().at(1).toString()));
        QCOMPARE(map->pointCount(), static_cast<int>(usable));
        QCOMPARE(map->plot()->xAxis->label(), QString("1st t-SNE axis"));
        QVERIFY(map->pixelOf(*target) != pcaPlace);
        QVERIFY(projection->setProjection(MapProjectionBar::PrincipalComponents));
        QCOMPARE(map->plot()->xAxis->label(), QString("1st principal component"));
        QCOMPARE(map->pixelOf(*target), pcaPlace);
        QVERIFY(projection->setProjection(MapProjectionBar::Tsne));
        QVERIFY(!projection->job()->isRunning());  // kept from the first time
        QCOMPARE(map->plot()->xAxis->label(), QString("1st t-SNE axis"));
    }

    // Each tab at the window's default size, for a look (not compared).
    void grabTabs(MainWindow& window, HealthPage* page) {
        const char* names[] = {"duplicates", "label-issues", "classes", "unreadable", "map"};
        for (int tab = 0; tab < page->tabs()->count(); ++tab) {
            page->tabs()->setCurrentIndex(tab);
            QTest::qWait(100);
            window.grab().save(QString("/tmp/health-%1.png").arg(names[tab]));
        }
    }
};

QTEST_MAIN(HealthPageTest)
#include "health_page_test.moc"
