#include "data/image_grid_menu.h"

#include <QListView>
#include <QMenu>
#include <algorithm>

#include "data/data_page.h"
#include "project/project_session.h"

namespace fovea::ui {

void execImageGridMenu(DataPage& page, ProjectSession& session, const QPoint& globalPosition) {
    QMenu menu(&page);
    const bool hasSelection = !page.selectedImageIds().isEmpty();
    QMenu* labelMenu = menu.addMenu("Label as");
    labelMenu->setEnabled(hasSelection);
    if (auto classes = session.store().classes()) {
        int number = 1;
        for (const auto& info : classes.value()) {
            const QString key = number <= 9 ? QString("\t%1").arg(number) : QString();
            labelMenu->addAction(QString::fromStdString(info.name) + key, &page,
                                 [&page, id = info.id] { page.labelSelection(id); });
            ++number;
        }
    }
    menu.addAction("Remove label\t0", &page, [&page] { page.labelSelection(std::nullopt); })
        ->setEnabled(hasSelection);
    menu.addAction("Accept suggestions\tEnter", &page, &DataPage::acceptSelectionSuggestions)
        ->setEnabled(hasSelection);
    QMenu* splitMenu = menu.addMenu("Move to split");
    splitMenu->setEnabled(hasSelection);
    for (core::Split split : {core::Split::Train, core::Split::Val, core::Split::Test}) {
        splitMenu->addAction(core::splitName(split), &page,
                             [&page, split] { page.moveSelectionToSplit(split); });
    }
    splitMenu->addAction("(none)", &page, [&page] { page.moveSelectionToSplit(std::nullopt); });
    menu.addSeparator();
    menu.addAction("Exclude from training", &page, [&page] { page.setSelectionExcluded(true); })
        ->setEnabled(hasSelection);
    menu.addAction("Include in training", &page, [&page] { page.setSelectionExcluded(false); })
        ->setEnabled(hasSelection);
    menu.addSeparator();
    const QList<qint64> watched = session.watchedImages();
    const QList<qint64> selected = page.selectedImageIds();
    const bool allWatched =
        hasSelection && std::all_of(selected.begin(), selected.end(),
                                    [&](qint64 id) { return watched.contains(id); });
    menu.addAction(allWatched ? "Stop watching during training\tW" : "Watch during training\tW",
                   &page, &DataPage::toggleSelectionWatched)
        ->setEnabled(hasSelection);
    menu.addSeparator();
    menu.addAction("Select all shown", page.grid(), &QListView::selectAll);
    menu.exec(globalPosition);
}

}  // namespace fovea::ui
