// Model-assisted labeling on the Data page (issue 22): a real tiny model, trained in seconds,
// suggests classes for a real project's unlabeled images from the window; the grid shows them
// apart from labels, the Suggested filter and Label next show what the database says, Enter and
// Accept all accept them as one undoable command each, and a hand-given label always wins.
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QHeaderView>
#include <QLabel>
#include <QListView>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>
#include <QUndoStack>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "data/data_page.h"
#include "data/image_list_model.h"
#include "data/suggestion_bar.h"
#include "fovea/core/session/label_refresh.h"
#include "fovea/ui/main_window.h"
#include "project/project_session.h"
#include "runs/run_choice_dialog.h"
#include "ui_test_project.h"
#include "ui_test_run.h"
#include "ui_test_window.h"
#include "widgets/background_job.h"

using fovea::ui::DataPage;
using fovea::ui::ImageListModel;
using fovea::ui::ImageViewFilter;
using fovea::ui::MainWindow;
using fovea::ui::SuggestionBar;
using fovea::ui::SuggestModelDialog;
namespace core = fovea::core;
namespace fs = std::filesystem;

namespace {

// Rewrites a run's metrics.csv with every epoch's validation accuracy at 1 %.
void lowerValidationAccuracy(const QString& runFolder) {
    const fs::path metrics = fs::path(runFolder.toStdString()) / "metrics.csv";
    std::ifstream in(metrics);
    std::string line, rewritten;
    std::getline(in, line);
    rewritten = line + "\n";
    while (std::getline(in, line)) {
        QStringList cells = QString::fromStdString(line).split(',');
        cells[4] = "0.01";  // val_accuracy
        rewritten += cells.join(',').toStdString() + "\n";
    }
    in.close();
    std::ofstream(metrics) << rewritten;
}

constexpr int kTrainingEpochs = 4;

// The project's database through a connection of its own, as another program would read it.
core::ProjectStore openStore(const QString& project) {
    return core::ProjectStore::open(project.toStdString()).value();
}

std::vector<core::ImageId> idsOf(const std::vector<core::ImageRecord>& records) {
    std::vector<core::ImageId> ids;
    for (const auto& record : records) ids.push_back(record.id);
    return ids;
}

// The images the grid shows, in its order.
std::vector<core::ImageId> gridIds(const DataPage& page) {
    std::vector<core::ImageId> ids;
    for (int row = 0; row < page.model()->rowCount(); ++row) {
        ids.push_back(page.model()->record(row).id);
    }
    return ids;
}

// Stored suggestions of the images that are still unlabeled, by image.
std::map<core::ImageId, core::LabelSuggestion> waitingSuggestions(const QString& project) {
    auto store = openStore(project);
    std::map<core::ImageId, core::LabelSuggestion> waiting;
    const auto suggestions = store.suggestions().value();
    for (const auto& suggestion : suggestions) {
        if (!store.image(suggestion.image).value().classId) waiting[suggestion.image] = suggestion;
    }
    return waiting;
}

// A threshold in percent that some of the waiting suggestions pass and some do not, as near
// the middle as their confidences allow; 0 when they are all within one percent.
int splittingPercent(const std::map<core::ImageId, core::LabelSuggestion>& waiting) {
    int best = 0;
    std::size_t bestDistance = waiting.size();
    for (int percent = 1; percent <= 100; ++percent) {
        const auto passing = static_cast<std::size_t>(std::count_if(
            waiting.begin(), waiting.end(),
            [percent](const auto& entry) { return entry.second.confidence >= percent / 100.0; }));
        if (passing == 0 || passing == waiting.size()) continue;
        const std::size_t distance = passing > waiting.size() / 2 ? passing - waiting.size() / 2
                                                                  : waiting.size() / 2 - passing;
        if (distance < bestDistance) {
            best = percent;
            bestDistance = distance;
        }
    }
    return best;
}

std::optional<core::ClassId> labelOf(const QString& project, core::ImageId id) {
    return openStore(project).image(id).value().classId;
}

QString previewDetails(DataPage* page) {
    auto* details = page->findChild<QLabel*>("previewDetails");
    return details ? details->text() : QString();
}

// Picks the filter bar's entry with `key` as a user would.
void chooseFilterEntry(DataPage* page, const QString& key) {
    auto* combo = page->findChild<QComboBox*>("filterCombo");
    const int index = combo->findData(key);
    QVERIFY2(index >= 0, qPrintable(key));
    combo->setCurrentIndex(index);
    Q_EMIT combo->activated(index);
}

// Answers the next modal message box with `answer` and keeps what it said.
void answerNextMessageBox(QObject* context, QMessageBox::StandardButton answer, QString* text) {
    QTimer::singleShot(100, context, [answer, text] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (!box) return;
        *text = box->text();
        box->button(answer)->click();
    });
}

}  // namespace

class SuggestionsTest : public QObject {
    Q_OBJECT
  private:
    QTemporaryDir m_temp;
    QString m_images;
    QString m_run;

    // A window with a new project over the test images and the tiny model's suggestions.
    bool projectWithSuggestions(MainWindow& window, const QString& project) {
        if (!fovea::test::importNewProject(window, project, m_images)) return false;
        SuggestionBar* bar = window.dataPage()->suggestionBar();
        QSignalSpy finished(bar->job(), &fovea::ui::BackgroundJob::finished);
        QString error;
        if (!bar->suggestLabels(m_run, &error)) {
            qWarning() << error;
            return false;
        }
        return fovea::test::received(finished, 60000) && finished.first().at(0).toBool();
    }

  private Q_SLOTS:
    // Issue 21: the progress counted the labeled images predicted for coverage with the
    // unlabeled ones, against a dialog that spoke of the unlabeled ones only.
    void suggestingCountsEachPartOnItsOwn() {
        using fovea::ui::suggestingProgressText;
        QCOMPARE(suggestingProgressText(20, 547, 49), QString("20 of 49 unlabeled images"));
        QCOMPARE(suggestingProgressText(49, 547, 49), QString("49 of 49 unlabeled images"));
        QCOMPARE(suggestingProgressText(320, 547, 49),
                 QString("labeled images for Label next: 271 of 498"));
    }

    void initTestCase() {
        fovea::test::useTestSettings("FoveaSuggestionsTest");
        QVERIFY(m_temp.isValid());
        m_images = m_temp.path() + "/images";
        QVERIFY(fovea::test::writeUiTestImages(m_images, 3, 8, 16).labeled > 0);
        m_run = m_temp.path() + "/run";
        // Four epochs: confidences that spread, as thresholds need.
        const QString error = fovea::test::trainTinyRun(m_images, m_run, 8, kTrainingEpochs);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }

    // The run list's columns are wide enough for their text at the dialog's size (one line per
    // run was cut at the dialog's edge), and choosing a row chooses that run's folder.
    void suggestDialogListsRunsInReadableColumns() {
        SuggestModelDialog dialog(m_temp.path());  // m_run is one of its folders
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QTreeWidget* runs = dialog.runList();
        QCOMPARE(runs->topLevelItemCount(), 1);
        const QTreeWidgetItem* item = runs->topLevelItem(0);
        QCOMPARE(item->text(0), QString("run"));
        QCOMPARE(item->text(1), QString("resnet18"));
        QVERIFY2(item->text(2).endsWith(" %"), qPrintable(item->text(2)));
        QCOMPARE(QDir::cleanPath(dialog.modelSource()), QDir::cleanPath(m_run));
        for (int column = 0; column < runs->columnCount(); ++column) {
            const int needed = runs->fontMetrics().horizontalAdvance(item->text(column));
            QVERIFY2(runs->header()->sectionSize(column) >= needed,
                     qPrintable(QString("column %1 (%2) is %3 px, its text %4 px")
                                    .arg(column)
                                    .arg(item->text(column))
                                    .arg(runs->header()->sectionSize(column))
                                    .arg(needed)));
        }
    }

    // With no model of its own the page's dialog opens on the most accurate run, not on the
    // newest: the newest run of a project is often an experiment that did worse.
    void suggestDialogOpensOnTheMostAccurateRun() {
        const QString runs = m_temp.path() + "/two-runs";
        fs::create_directories(runs.toStdString());
        for (const char* name : {"a-better", "b-worse"})
            fs::copy(m_run.toStdString(), (runs + "/" + name).toStdString(),
                     fs::copy_options::recursive);
        lowerValidationAccuracy(runs + "/b-worse");

        SuggestModelDialog dialog(runs);
        QCOMPARE(dialog.runList()->topLevelItemCount(), 2);
        QCOMPARE(dialog.runList()->topLevelItem(0)->text(0), QString("b-worse"));  // listed first
        QCOMPARE(QDir::cleanPath(dialog.modelSource()), QDir::cleanPath(runs + "/a-better"));
    }

    void suggestionsRunFromTheWindowAndShowInTheGrid() {
        MainWindow window;
        window.show();
        const QString project = m_temp.path() + "/p-run";
        QVERIFY(fovea::test::importNewProject(window, project, m_images));
        // A run of the project's own, where Suggest Labels… looks first.
        const QString run = project + "/runs/tiny";
        fs::create_directories((project + "/runs").toStdString());
        fs::copy(m_run.toStdString(), run.toStdString(), fs::copy_options::recursive);
        DataPage* page = window.dataPage();
        SuggestionBar* bar = page->suggestionBar();
        QVERIFY(bar->report().startsWith("No suggestions"));

        // The dialog offers the run, chosen already; Suggest starts the work.
        QString offered;
        int listed = 0;
        QTimer::singleShot(200, this, [&] {
            auto* dialog =
                qobject_cast<fovea::ui::SuggestModelDialog*>(QApplication::activeModalWidget());
            if (!dialog) return;
            listed = dialog->runList()->topLevelItemCount();
            offered = dialog->modelSource();
            dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
        });
        QSignalSpy finished(bar->job(), &fovea::ui::BackgroundJob::finished);
        page->findChild<QPushButton*>("suggestLabelsButton")->click();
        QCOMPARE(listed, 1);
        QCOMPARE(QDir::cleanPath(offered), QDir::cleanPath(run));
        QVERIFY(fovea::test::received(finished, 60000));
        QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));

        // Every unlabeled readable image got one, and the strip says so.
        const auto waiting = waitingSuggestions(project);
        QCOMPARE(int(waiting.size()), 16);
        QVERIFY2(bar->report().startsWith("Suggested labels for 16 images with tiny."),
                 qPrintable(bar->report()));

        // The grid's rows carry them: the suggested class's name and colour, the confidence;
        // labeled rows carry none (their label is what they show).
        const auto classes = openStore(project).classes().value();
        std::map<core::ClassId, core::ClassInfo> classById;
        for (const auto& info : classes) classById[info.id] = info;
        const ImageListModel* model = page->model();
        int withSuggestion = 0;
        for (int row = 0; row < model->rowCount(); ++row) {
            const QModelIndex index = model->index(row);
            const core::ImageId id = model->record(row).id;
            const QString name = index.data(ImageListModel::SuggestedClassNameRole).toString();
            auto it = waiting.find(id);
            if (it == waiting.end()) {
                QVERIFY(name.isEmpty());
                QVERIFY(!index.data(ImageListModel::SuggestionConfidenceRole).isValid());
                QVERIFY(!index.data(ImageListModel::SuggestedClassColourRole)
                             .value<QColor>()
                             .isValid());
                continue;
            }
            ++withSuggestion;
            const core::ClassInfo& info = classById.at(it->second.classId);
            QCOMPARE(name, QString::fromStdString(info.name));
            QCOMPARE(index.data(ImageListModel::SuggestedClassColourRole).value<QColor>(),
                     QColor(QString::fromStdString(info.colour)));
            QCOMPARE(index.data(ImageListModel::SuggestionConfidenceRole).toDouble(),
                     it->second.confidence);
            QVERIFY(index.data(ImageListModel::ClassNameRole).toString().isEmpty());
            QVERIFY(index.data(Qt::ToolTipRole).toString().contains("Suggested: " + name));
        }
        QCOMPARE(withSuggestion, 16);

        // The preview says what is suggested and how to take it.
        const core::ImageId first = waiting.begin()->first;
        page->grid()->setCurrentIndex(model->index(model->rowOf(first)));
        const QString percent =
            QString::number(qRound(waiting.begin()->second.confidence * 100)) + " %";
        const QString suggested =
            QString::fromStdString(classById.at(waiting.begin()->second.classId).name);
        QVERIFY2(previewDetails(page).contains("Suggested: <b>" + suggested + "</b> (" + percent +
                                               ") — Enter to accept"),
                 qPrintable(previewDetails(page)));

        if (qEnvironmentVariableIsSet("FOVEA_SUGGESTIONS_SHOT")) {
            window.resize(1500, 900);
            QTest::qWait(1500);  // thumbnails
            page->grab().save(qEnvironmentVariable("FOVEA_SUGGESTIONS_SHOT"));
        }
    }

    // At the default window size the suggestion strip fits the Data page's middle column:
    // while the model runs, its progress strip beside the buttons made the row wider than
    // the column and the window grew past the screen; and the report, wrapped to five lines
    // beside the buttons, moved the grid each time it changed.
    void theSuggestionStripKeepsTheWindowStill() {
        MainWindow window;
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(fovea::test::importNewProject(window, m_temp.path() + "/p-still", m_images));
        DataPage* page = window.dataPage();
        SuggestionBar* bar = page->suggestionBar();
        QTest::qWait(50);
        const auto gridTop = [&] { return page->grid()->mapTo(&window, QPoint(0, 0)).y(); };
        const int before = gridTop();
        QSignalSpy finished(bar->job(), &fovea::ui::BackgroundJob::finished);
        QVERIFY(bar->suggestLabels(m_run));
        QVERIFY2(window.minimumSizeHint().width() <= 1280,
                 qPrintable(QString("the window needs %1 px while suggesting")
                                .arg(window.minimumSizeHint().width())));
        QVERIFY(fovea::test::received(finished, 60000));
        QVERIFY(finished.first().at(0).toBool());
        QTest::qWait(50);
        QCOMPARE(window.width(), 1280);
        QVERIFY2(bar->report().startsWith("Suggested labels for"), qPrintable(bar->report()));
        QCOMPARE(gridTop(), before);
    }

    void suggestedFilterShowsWhatTheDatabaseSays() {
        MainWindow window;
        window.show();
        const QString project = m_temp.path() + "/p-filter";
        QVERIFY(projectWithSuggestions(window, project));
        DataPage* page = window.dataPage();
        // One threshold for Accept All and the Suggested filter: the grid shows what Accept
        // All would label.
        auto* threshold = page->findChild<QSpinBox*>("acceptThresholdSpin");
        QVERIFY(threshold->isVisible());

        // A threshold in the middle of what the model said, so some pass and some do not.
        const int percent = splittingPercent(waitingSuggestions(project));
        QVERIFY(percent > 0);

        chooseFilterEntry(page, "suggested");
        QCOMPARE(page->filter().kind, ImageViewFilter::Kind::Suggested);
        QCOMPARE(page->filter().minConfidencePercent, threshold->value());
        threshold->setValue(percent);
        QCOMPARE(page->filter().minConfidencePercent, percent);
        QCOMPARE(page->suggestionBar()->suggestedImages(percent).size(), page->model()->rowCount());

        // Exactly the query's images, in its order, and exactly those the suggestions give.
        core::ImageFilter query;
        query.suggested = core::Require::Yes;
        query.minSuggestionConfidence = percent / 100.0;
        const auto expected = idsOf(openStore(project).images(query).value());
        QCOMPARE(gridIds(*page), expected);
        std::vector<core::ImageId> fromSuggestions;
        for (const auto& [id, suggestion] : waitingSuggestions(project)) {
            if (suggestion.confidence >= percent / 100.0) fromSuggestions.push_back(id);
        }
        QCOMPARE(fromSuggestions, expected);
        QVERIFY(!expected.empty());
        QVERIFY(int(expected.size()) < 16);
        // matches() agrees with the query on every image of the project.
        const std::set<core::ImageId> shown(expected.begin(), expected.end());
        const auto images = openStore(project).images().value();
        for (const auto& record : images) {
            QCOMPARE(page->filter().matches(record), shown.count(record.id) == 1);
        }

        // A label takes an image out of the view, Ctrl+Z brings it back with its suggestion.
        QListView* grid = page->grid();
        grid->setFocus();
        page->selectImages({expected.front()});
        QTest::keyClick(grid, Qt::Key_1);
        QCOMPARE(page->model()->rowOf(expected.front()), -1);
        QTest::keyClick(grid, Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(gridIds(*page), expected);

        // The threshold is kept for the next time.
        chooseFilterEntry(page, "all");
        chooseFilterEntry(page, "suggested");
        QCOMPARE(page->filter().minConfidencePercent, percent);
        QCOMPARE(gridIds(*page), expected);
    }

    void enterAcceptsTheSelectionAsOneUndoableCommand() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QString project = m_temp.path() + "/p-enter";
        QVERIFY(projectWithSuggestions(window, project));
        DataPage* page = window.dataPage();
        const auto waiting = waitingSuggestions(project);
        auto it = waiting.begin();
        const core::ImageId a = (it++)->first;
        const core::ImageId b = (it++)->first;
        // And an image labeled already: Enter leaves its label alone.
        const core::ImageId labeled = page->model()->record(0).id;
        const auto labeledClass = labelOf(project, labeled);
        QVERIFY(labeledClass.has_value());

        QListView* grid = page->grid();
        grid->setFocus();
        page->selectImages({labeled, a, b});
        QUndoStack* undo = window.session()->undoStack();
        const int before = undo->index();
        QTest::keyClick(grid, Qt::Key_Return);
        QCOMPARE(undo->index(), before + 1);
        QCOMPARE(labelOf(project, a), std::optional(waiting.at(a).classId));
        QCOMPARE(labelOf(project, b), std::optional(waiting.at(b).classId));
        QCOMPARE(labelOf(project, labeled), labeledClass);
        QCOMPARE(undo->text(undo->index() - 1), QString("Accept the suggestions for 2 images"));
        // The grid shows them as labels now: filled band, no suggestion.
        const QModelIndex row = page->model()->index(page->model()->rowOf(a));
        QCOMPARE(row.data(ImageListModel::ClassNameRole).toString(),
                 window.session()->classNames().value(waiting.at(a).classId));
        QVERIFY(row.data(ImageListModel::SuggestedClassNameRole).toString().isEmpty());
        // It moved on past the selection, as a label key does.
        QCOMPARE(page->selectedImageIds().size(), 1);
        QVERIFY(!QList<qint64>({labeled, a, b}).contains(page->selectedImageIds().front()));

        // One Ctrl+Z: both unlabeled again, their suggestions back in the grid.
        QTest::keyClick(grid, Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(undo->index(), before);
        QCOMPARE(labelOf(project, a), std::nullopt);
        QCOMPARE(labelOf(project, b), std::nullopt);
        QCOMPARE(labelOf(project, labeled), labeledClass);
        const QModelIndex back = page->model()->index(page->model()->rowOf(a));
        QVERIFY(!back.data(ImageListModel::SuggestedClassNameRole).toString().isEmpty());
        QVERIFY(back.data(ImageListModel::ClassNameRole).toString().isEmpty());
        // Ctrl+Shift+Z: the same labels again.
        QTest::keyClick(grid, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
        QCOMPARE(labelOf(project, a), std::optional(waiting.at(a).classId));
        QCOMPARE(labelOf(project, b), std::optional(waiting.at(b).classId));

        // Enter on images without a suggestion changes nothing and adds no undo step.
        page->selectImages({labeled});
        const int now = undo->index();
        QTest::keyClick(grid, Qt::Key_Enter);
        QCOMPARE(undo->index(), now);
        QCOMPARE(labelOf(project, labeled), labeledClass);
    }

    void acceptAllSaysHowManyBeforeItLabels() {
        MainWindow window;
        window.show();
        const QString project = m_temp.path() + "/p-all";
        QVERIFY(projectWithSuggestions(window, project));
        DataPage* page = window.dataPage();
        SuggestionBar* bar = page->suggestionBar();
        const auto waiting = waitingSuggestions(project);
        const int percent = splittingPercent(waiting);
        QVERIFY(percent > 0);
        auto* spin = page->findChild<QSpinBox*>("acceptThresholdSpin");
        spin->setValue(percent);
        auto* button = page->findChild<QPushButton*>("acceptAllButton");
        QCOMPARE(button->text(), QString("Accept All…"));
        QCOMPARE(spin->text(), QString("≥ %1 %").arg(percent));
        // The Suggested filter applies the same threshold, and says so.
        auto* combo = page->findChild<QComboBox*>("filterCombo");
        QCOMPARE(combo->itemText(combo->findData("suggested")),
                 QString("Suggested ≥ %1 %").arg(percent));
        std::vector<core::ImageId> expected;
        for (const auto& [id, suggestion] : waiting) {
            if (suggestion.confidence >= percent / 100.0) expected.push_back(id);
        }
        QVERIFY(!expected.empty() && expected.size() < waiting.size());
        const QString question = QString(
                                     "Label %1 images with their suggestions (confidence ≥ "
                                     "%2 %)?")
                                     .arg(expected.size())
                                     .arg(percent);

        // No: it asked with the count, and labeled nothing.
        QUndoStack* undo = window.session()->undoStack();
        const int before = undo->index();
        QString asked;
        answerNextMessageBox(this, QMessageBox::No, &asked);
        button->click();
        QCOMPARE(asked, question);
        QCOMPARE(waitingSuggestions(project).size(), waiting.size());
        QCOMPARE(undo->index(), before);

        // Yes: exactly those images, with their suggested classes, as one command.
        answerNextMessageBox(this, QMessageBox::Yes, &asked);
        button->click();
        QCOMPARE(asked, question);
        QCOMPARE(undo->index(), before + 1);
        for (const auto& [id, suggestion] : waiting) {
            const bool taken = std::count(expected.begin(), expected.end(), id) == 1;
            QCOMPARE(labelOf(project, id),
                     taken ? std::optional(suggestion.classId) : std::nullopt);
        }
        QCOMPARE(bar->suggestedImages(percent).size(), 0);
        // The status line says what happened, until it is undone.
        auto* status = page->findChild<QLabel*>("dataStatus");
        const QString done =
            QString("Labeled %1 images with the suggested class (Ctrl+Z undoes it)")
                .arg(expected.size());
        QVERIFY2(status->text().startsWith(done), qPrintable(status->text()));
        // ... whole, on up to two lines (elided, it lost "undoes it"), beside the counts,
        // which stay whole too (one elided line cut them to "1 se…").
        QVERIFY2(status->heightForWidth(status->width()) <= status->height(),
                 qPrintable(status->text()));
        auto* counts = page->findChild<QLabel*>("dataCounts");
        QVERIFY2(counts->text().contains("shown"), qPrintable(counts->text()));
        QTRY_VERIFY2(counts->width() >= counts->fontMetrics().horizontalAdvance(counts->text()),
                     qPrintable(counts->text()));
        // One Ctrl+Z puts every one of them back: the window has the focus again once the
        // question closed (without a window manager nothing gave it back, and the keys went
        // nowhere).
        QTRY_COMPARE(QApplication::activeWindow(), &window);
        QWidget* focused = QApplication::focusWidget();
        QTest::keyClick(focused ? focused : &window, Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(undo->index(), before);
        QCOMPARE(waitingSuggestions(project).size(), waiting.size());
        QVERIFY2(!status->text().contains("Labeled"), qPrintable(status->text()));
        // ... and says what the undo did, and how to redo it.
        QVERIFY2(status->text().startsWith("Undone: Accept the suggestions for") &&
                     status->text().endsWith("(Ctrl+Shift+Z redoes it)"),
                 qPrintable(status->text()));
        undo->redo();
        QVERIFY2(status->text().startsWith("Redone: Accept the suggestions for"),
                 qPrintable(status->text()));
    }

    void aHandLabelAlwaysWins() {
        MainWindow window;
        window.show();
        const QString project = m_temp.path() + "/p-hand";
        QVERIFY(projectWithSuggestions(window, project));
        DataPage* page = window.dataPage();
        const auto waiting = waitingSuggestions(project);
        const auto classes = openStore(project).classes().value();
        // A hand label that disagrees with the model.
        const core::ImageId image = waiting.begin()->first;
        const core::ClassId suggestedClass = waiting.begin()->second.classId;
        const int other = classes[0].id == suggestedClass ? 1 : 0;
        QListView* grid = page->grid();
        grid->setFocus();
        page->selectImages({image});
        QTest::keyClick(grid, Qt::Key(Qt::Key_1 + other));
        QCOMPARE(labelOf(project, image), std::optional(classes[other].id));
        const QModelIndex row = page->model()->index(page->model()->rowOf(image));
        QCOMPARE(row.data(ImageListModel::ClassNameRole).toString(),
                 QString::fromStdString(classes[other].name));
        QVERIFY(row.data(ImageListModel::SuggestedClassNameRole).toString().isEmpty());

        // Enter on it, and Accept all at the lowest threshold, leave it as it is.
        page->selectImages({image});
        QTest::keyClick(grid, Qt::Key_Return);
        QCOMPARE(labelOf(project, image), std::optional(classes[other].id));
        page->findChild<QSpinBox*>("acceptThresholdSpin")->setValue(1);
        QString asked;
        answerNextMessageBox(this, QMessageBox::Yes, &asked);
        page->findChild<QPushButton*>("acceptAllButton")->click();
        QCOMPARE(asked, QString("Label %1 images with their suggestions (confidence ≥ 1 %)?")
                            .arg(waiting.size() - 1));
        QCOMPARE(labelOf(project, image), std::optional(classes[other].id));

        // New suggestions leave it too, and the grid still shows the hand label.
        SuggestionBar* bar = page->suggestionBar();
        QSignalSpy finished(bar->job(), &fovea::ui::BackgroundJob::finished);
        QVERIFY(bar->suggestLabels(m_run));
        QVERIFY(fovea::test::received(finished, 60000));
        QCOMPARE(labelOf(project, image), std::optional(classes[other].id));
        const QModelIndex after = page->model()->index(page->model()->rowOf(image));
        QCOMPARE(after.data(ImageListModel::ClassNameRole).toString(),
                 QString::fromStdString(classes[other].name));
        QVERIFY(after.data(ImageListModel::SuggestedClassNameRole).toString().isEmpty());
    }

    void labelNextFollowsTheStoredOrder() {
        MainWindow window;
        window.show();
        const QString project = m_temp.path() + "/p-next";
        QVERIFY(projectWithSuggestions(window, project));
        DataPage* page = window.dataPage();
        chooseFilterEntry(page, "labelnext");
        QCOMPARE(page->filter().kind, ImageViewFilter::Kind::LabelNext);

        // The query's order: the unlabeled images in the order the suggestion run stored (most
        // useful first), then those without a suggestion (the broken file) by id.
        core::ImageFilter query;
        query.labeled = core::Require::No;
        query.order = core::ImageOrder::LabelNext;
        const auto expected = idsOf(openStore(project).images(query).value());
        QCOMPARE(gridIds(*page), expected);
        const auto waiting = waitingSuggestions(project);
        QCOMPARE(expected.size(), waiting.size() + 1);
        for (std::size_t i = 0; i < waiting.size(); ++i) {
            QCOMPARE(waiting.at(expected[i]).labelOrder,
                     std::optional<std::int64_t>(std::int64_t(i)));
        }
        QVERIFY(!waiting.count(expected.back()));

        // Labeling the first moves on to the second, which is now first.
        QListView* grid = page->grid();
        grid->setFocus();
        page->selectImages({expected[0]});
        QTest::keyClick(grid, Qt::Key_Return);
        QCOMPARE(gridIds(*page), std::vector<core::ImageId>(expected.begin() + 1, expected.end()));
        QCOMPARE(page->selectedImageIds(), QList<qint64>{expected[1]});
        QTest::keyClick(grid, Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(gridIds(*page), expected);
        // The image given back its suggestion is the one selected again, as before Enter.
        QCOMPARE(page->selectedImageIds(), QList<qint64>{expected[0]});
    }

    // Refresh: no model chosen; the labels so far teach a head on the offline backbone, every
    // unlabeled image gets a suggestion, and "Label next" follows the new order at once.
    void refreshSuggestsFromTheLabelsSoFar() {
        MainWindow window;
        window.show();
        const QString project = m_temp.path() + "/p-refresh";
        QVERIFY(fovea::test::importNewProject(window, project, m_images));
        DataPage* page = window.dataPage();
        chooseFilterEntry(page, "labelnext");
        SuggestionBar* bar = page->suggestionBar();
        QSignalSpy finished(bar->job(), &fovea::ui::BackgroundJob::finished);
        // Entropy as the measure, from the Order menu beside Refresh.
        QCOMPARE(bar->uncertaintyMeasure(), core::UncertaintyMeasure::Margin);
        page->findChild<QAction*>("entropyMeasureAction")->trigger();
        QCOMPARE(bar->uncertaintyMeasure(), core::UncertaintyMeasure::Entropy);
        page->findChild<QPushButton*>("refreshSuggestionsButton")->click();
        QVERIFY(fovea::test::received(finished, 120000));
        QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
        QVERIFY2(bar->report().startsWith("Refreshed: a head fitted on 24 labeled images suggests "
                                          "a class for 16 images"),
                 qPrintable(bar->report()));
        const auto waiting = waitingSuggestions(project);
        QCOMPARE(int(waiting.size()), 16);
        for (const auto& [id, suggestion] : waiting) {
            QVERIFY2(QString::fromStdString(suggestion.model).startsWith("refresh: "),
                     suggestion.model.c_str());
        }
        core::ImageFilter query;
        query.labeled = core::Require::No;
        query.order = core::ImageOrder::LabelNext;
        const auto expected = idsOf(openStore(project).images(query).value());
        QCOMPARE(gridIds(*page), expected);
        QCOMPARE(waiting.at(expected[0]).labelOrder, std::optional<std::int64_t>(0));

        // The order is entropy's: the same Refresh by margin orders differently, by entropy
        // the same (the head's fit is deterministic).
        const auto orderBy = [&](core::UncertaintyMeasure measure) {
            core::RefreshOptions options;
            options.measure = measure;
            const auto refreshed = core::refreshSuggestions(project.toStdString(), options);
            std::map<core::ImageId, std::int64_t> order;
            if (!refreshed) return order;
            for (const auto& [id, suggestion] : waitingSuggestions(project))
                order[id] = suggestion.labelOrder.value_or(-1);
            return order;
        };
        std::map<core::ImageId, std::int64_t> shown;
        for (const auto& [id, suggestion] : waiting) shown[id] = *suggestion.labelOrder;
        QVERIFY(orderBy(core::UncertaintyMeasure::Margin) != shown);
        QVERIFY(orderBy(core::UncertaintyMeasure::Entropy) == shown);
    }
};

QTEST_MAIN(SuggestionsTest)
#include "suggestions_test.moc"
