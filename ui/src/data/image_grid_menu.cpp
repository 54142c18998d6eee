#include "data/image_grid_menu.h"

#include <QListView>
#include <QMenu>
#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "data/class_chooser.h"
#include "data/data_page.h"
#include "data/image_list_model.h"
#include "project/project_session.h"

namespace fovea::ui {

namespace {

// What the selected images have in common, so the menu shows their state: the class and split
// they all share get a check mark, and actions with nothing to do are greyed.
struct SelectionState {
    std::vector<core::ImageRecord> images;

    template <class Value, class Get>
    std::optional<Value> shared(Get get) const {
        if (images.empty()) return std::nullopt;
        const std::optional<Value> first = get(images.front());
        for (const core::ImageRecord& image : images) {
            if (get(image) != first) return std::nullopt;
        }
        return first;
    }
    template <class Test>
    bool any(Test test) const {
        return std::any_of(images.begin(), images.end(), test);
    }
};

SelectionState selectionOf(const DataPage& page) {
    SelectionState state;
    const ImageListModel& model = *page.model();
    for (qint64 id : page.selectedImageIds()) {
        const int row = model.rowOf(id);
        if (row >= 0) state.images.push_back(model.record(row));
    }
    return state;
}

}  // namespace

QMenu* buildImageGridMenu(DataPage& page, ProjectSession& session) {
    auto* built = new QMenu(&page);
    QMenu& menu = *built;
    const SelectionState selection = selectionOf(page);
    const bool hasSelection = !selection.images.empty();
    // What the entries act on; with mixed classes or splits nothing is checked, and the count
    // says why.
    if (selection.images.size() > 1) {
        menu.addSection(QString("%1 selected images").arg(selection.images.size()));
    }
    const auto sharedClass = selection.shared<core::ClassId>(
        [](const core::ImageRecord& image) { return image.classId; });
    QMenu* labelMenu = menu.addMenu("Label as");
    labelMenu->setEnabled(hasSelection);
    if (auto classes = session.store().classes()) {
        QStringList names;
        for (const auto& info : classes.value()) names << QString::fromStdString(info.name);
        int number = 1;
        for (const auto& info : classes.value()) {
            // Keys 1-9 label at once; the others as the class list says: L and the start of the
            // name that tells it apart (L "tr").
            const QString key =
                number <= 9
                    ? QString("\t%1").arg(number)
                    : QString("\tL \"%1\"").arg(ClassChooser::shortestPrefix(names, number - 1));
            QAction* action =
                labelMenu->addAction(QString::fromStdString(info.name) + key, &page,
                                     [&page, id = info.id] { page.labelSelection(id); });
            action->setCheckable(true);
            action->setChecked(sharedClass == info.id);
            ++number;
        }
    }
    menu.addAction("Remove label\t0", &page, [&page] { page.labelSelection(std::nullopt); })
        ->setEnabled(selection.any([](const core::ImageRecord& image) { return image.classId; }));
    menu.addAction("Accept suggestions\tEnter", &page, &DataPage::acceptSelectionSuggestions)
        ->setEnabled(selection.any(
            [](const core::ImageRecord& image) { return image.suggestion && !image.classId; }));
    QMenu* splitMenu = menu.addMenu("Move to split");
    splitMenu->setEnabled(hasSelection);
    const auto sharedSplit = selection.shared<std::optional<core::Split>>(
        [](const core::ImageRecord& image) { return std::optional(image.split); });
    const auto addSplit = [&](const QString& name, std::optional<core::Split> split) {
        QAction* action =
            splitMenu->addAction(name, &page, [&page, split] { page.moveSelectionToSplit(split); });
        action->setCheckable(true);
        action->setChecked(sharedSplit && *sharedSplit == split);
    };
    for (core::Split split : {core::Split::Train, core::Split::Val, core::Split::Test}) {
        addSplit(core::splitName(split), split);
    }
    addSplit("(none)", std::nullopt);
    menu.addSeparator();
    menu.addAction("Exclude from training", &page, [&page] { page.setSelectionExcluded(true); })
        ->setEnabled(selection.any([](const core::ImageRecord& image) { return !image.excluded; }));
    menu.addAction("Include in training", &page, [&page] { page.setSelectionExcluded(false); })
        ->setEnabled(selection.any([](const core::ImageRecord& image) { return image.excluded; }));
    menu.addSeparator();
    const QList<qint64> watched = session.watchedImages();
    const bool allWatched =
        hasSelection &&
        std::all_of(selection.images.begin(), selection.images.end(),
                    [&](const core::ImageRecord& image) { return watched.contains(image.id); });
    menu.addAction(allWatched ? "Stop watching during training\tW" : "Watch during training\tW",
                   &page, &DataPage::toggleSelectionWatched)
        ->setEnabled(hasSelection);
    menu.addSeparator();
    menu.addAction("Select all shown", page.grid(), &QListView::selectAll);
    return built;
}

void execImageGridMenu(DataPage& page, ProjectSession& session, const QPoint& globalPosition) {
    std::unique_ptr<QMenu> menu(buildImageGridMenu(page, session));
    menu->exec(globalPosition);
}

}  // namespace fovea::ui
