#include "data/data_page.h"

#include <QColorDialog>
#include <QComboBox>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSlider>
#include <QSplitter>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>

#include "data/class_list.h"
#include "data/image_list_model.h"
#include "data/labeling_commands.h"
#include "data/preview_pane.h"
#include "data/thumbnail_cache.h"
#include "data/thumbnail_delegate.h"
#include "page_header.h"
#include "project/project_session.h"

namespace fovea::ui {

namespace {

// Thumbnails are decoded once at the largest size the slider offers and drawn smaller.
constexpr int kThumbnailSide = 192;
constexpr int kDefaultCellSide = 112;

std::vector<core::ImageId> toIds(const QList<qint64>& ids) {
    return std::vector<core::ImageId>(ids.begin(), ids.end());
}

QString imagesText(qsizetype count) {
    return count == 1 ? QString("1 image") : QString("%1 images").arg(count);
}

}  // namespace

DataPage::DataPage(QWidget* parent)
    : QWidget(parent),
      m_thumbnails(new ThumbnailCache(kThumbnailSide, this)),
      m_model(new ImageListModel(m_thumbnails, this)),
      m_delegate(new ThumbnailDelegate(kDefaultCellSide, this)) {
    setObjectName("dataPage");
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName("dataSplitter");
    splitter->addWidget(buildClassPanel());
    splitter->addWidget(buildBrowser());
    m_preview = new PreviewPane(this);
    splitter->addWidget(m_preview);
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 1);
    splitter->setStretchFactor(2, 0);
    splitter->setSizes({260, 640, 300});

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(makePageHeader("Data",
                                     "Label images with keys 1-9 (0 removes the label) or by "
                                     "dragging them onto a class; Ctrl+Z undoes.",
                                     this));
    layout->addWidget(splitter, 1);

    connect(m_thumbnails, &ThumbnailCache::thumbnailFailed, this, &DataPage::onThumbnailFailed);
    // The status line counts thumbnails still decoding; refreshed a few times a second at most.
    auto* statusDelay = new QTimer(this);
    statusDelay->setSingleShot(true);
    statusDelay->setInterval(200);
    connect(statusDelay, &QTimer::timeout, this, &DataPage::updateStatus);
    connect(m_thumbnails, &ThumbnailCache::thumbnailReady, statusDelay, [statusDelay] {
        if (!statusDelay->isActive()) statusDelay->start();
    });
    connect(m_model, &QAbstractItemModel::modelReset, this, &DataPage::updateStatus);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &DataPage::updateStatus);
    setSession(nullptr);
}

DataPage::~DataPage() = default;

QWidget* DataPage::buildClassPanel() {
    auto* panel = new QWidget(this);
    m_classList = new ClassList(panel);
    m_classList->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_classList, &ClassList::customContextMenuRequested, this, &DataPage::showClassMenu);
    connect(m_classList, &ClassList::imagesDropped, this,
            [this](std::optional<core::ClassId> classId, const QList<qint64>& ids) {
                labelImages(ids, classId);
            });
    // Clicking a class shows its images (the Unlabeled row: the unlabeled ones).
    connect(m_classList, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item) {
        ImageViewFilter filter = m_model->filter();
        const auto classId = m_classList->classAt(item);
        filter.kind = classId ? ImageViewFilter::Kind::Class : ImageViewFilter::Kind::Unlabeled;
        filter.classId = classId.value_or(0);
        setFilter(filter);
    });

    auto button = [panel](const QString& text, const QString& name, const QString& tip) {
        auto* b = new QPushButton(text, panel);
        b->setObjectName(name);
        b->setToolTip(tip);
        return b;
    };
    QPushButton* add = button("Add…", "addClassButton", "Add a class (it gets the next key)");
    QPushButton* rename = button("Rename…", "renameClassButton", "Rename the selected class");
    QPushButton* merge =
        button("Merge…", "mergeClassButton", "Give the selected class's images another class");
    QPushButton* remove = button("Delete", "deleteClassButton",
                                 "Delete the selected class; its images stay, unlabeled");
    connect(add, &QPushButton::clicked, this, &DataPage::askAddClass);
    connect(rename, &QPushButton::clicked, this, &DataPage::askRenameClass);
    connect(merge, &QPushButton::clicked, this, &DataPage::askMergeClass);
    connect(remove, &QPushButton::clicked, this, &DataPage::askDeleteClass);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(add);
    buttons->addWidget(rename);
    buttons->addWidget(merge);
    buttons->addWidget(remove);
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel("<b>Classes</b>", panel));
    layout->addWidget(m_classList, 1);
    layout->addLayout(buttons);
    return panel;
}

QWidget* DataPage::buildBrowser() {
    auto* panel = new QWidget(this);
    m_filterCombo = new QComboBox(panel);
    m_filterCombo->setObjectName("filterCombo");
    m_filterCombo->setToolTip("Which images the grid shows");
    m_filterCombo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(m_filterCombo, &QComboBox::activated, this, &DataPage::applyFilterChoice);

    m_search = new QLineEdit(panel);
    m_search->setObjectName("pathSearch");
    m_search->setPlaceholderText("Search paths…");
    m_search->setClearButtonEnabled(true);
    // Typing filters after a short pause, not on every key (a query over 50,000 paths).
    auto* searchDelay = new QTimer(this);
    searchDelay->setSingleShot(true);
    searchDelay->setInterval(250);
    connect(m_search, &QLineEdit::textChanged, searchDelay, qOverload<>(&QTimer::start));
    connect(searchDelay, &QTimer::timeout, this, [this] {
        ImageViewFilter filter = m_model->filter();
        filter.pathContains = m_search->text();
        setFilter(filter);
    });

    auto* splitButton = new QToolButton(panel);
    splitButton->setObjectName("splitButton");
    splitButton->setText("Split");
    splitButton->setToolTip("Move the selected images to a split");
    splitButton->setPopupMode(QToolButton::InstantPopup);
    auto* splitMenu = new QMenu(splitButton);
    for (core::Split split : {core::Split::Train, core::Split::Val, core::Split::Test}) {
        splitMenu->addAction(QString("Move to %1").arg(core::splitName(split)), this,
                             [this, split] { moveSelectionToSplit(split); });
    }
    splitMenu->addAction("Remove from its split", this,
                         [this] { moveSelectionToSplit(std::nullopt); });
    splitButton->setMenu(splitMenu);

    m_sizeSlider = new QSlider(Qt::Horizontal, panel);
    m_sizeSlider->setObjectName("thumbnailSizeSlider");
    m_sizeSlider->setRange(64, kThumbnailSide);
    m_sizeSlider->setValue(kDefaultCellSide);
    m_sizeSlider->setMaximumWidth(120);
    m_sizeSlider->setToolTip("Thumbnail size");

    m_grid = new QListView(panel);
    m_grid->setObjectName("imageGrid");
    m_grid->setModel(m_model);
    m_grid->setItemDelegate(m_delegate);
    m_grid->setViewMode(QListView::IconMode);
    m_grid->setMovement(QListView::Static);
    m_grid->setResizeMode(QListView::Adjust);
    // Uniform sizes let the view lay out 50,000 cells by arithmetic instead of asking each.
    m_grid->setUniformItemSizes(true);
    m_grid->setLayoutMode(QListView::Batched);
    m_grid->setBatchSize(2000);
    m_grid->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_grid->setSelectionRectVisible(true);
    m_grid->setDragEnabled(true);
    m_grid->setDragDropMode(QAbstractItemView::DragOnly);
    m_grid->setDefaultDropAction(Qt::CopyAction);
    m_grid->setContextMenuPolicy(Qt::CustomContextMenu);
    m_grid->installEventFilter(this);
    connect(m_grid, &QListView::customContextMenuRequested, this, &DataPage::showGridMenu);
    connect(m_grid->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateStatus();
        updatePreview();
    });
    connect(m_grid->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &DataPage::updatePreview);
    connect(m_sizeSlider, &QSlider::valueChanged, this, [this](int side) {
        m_delegate->setSide(side);
        m_grid->doItemsLayout();
    });

    m_status = new QLabel(panel);
    m_status->setObjectName("dataStatus");

    auto* tools = new QHBoxLayout;
    tools->addWidget(m_filterCombo);
    tools->addWidget(m_search, 1);
    tools->addWidget(splitButton);
    tools->addWidget(m_sizeSlider);
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(tools);
    layout->addWidget(m_grid, 1);
    layout->addWidget(m_status);
    return panel;
}

void DataPage::setSession(ProjectSession* session) {
    if (m_session) disconnect(m_session, nullptr, this, nullptr);
    m_session = session;
    m_thumbnails->clear();
    if (session) {
        connect(session, &ProjectSession::labelsChanged, this, &DataPage::onLabelsChanged);
        connect(session, &ProjectSession::classesChanged, this, &DataPage::onClassesChanged);
        connect(session, &ProjectSession::imagesChanged, this, &DataPage::onImagesChanged);
    }
    m_search->clear();
    m_model->setSession(session);
    m_classList->setSession(session);
    rebuildFilterChoices();
    setEnabled(session != nullptr);
    if (m_model->rowCount() > 0) m_grid->setCurrentIndex(m_model->index(0));
    updateStatus();
    updatePreview();
}

const ImageViewFilter& DataPage::filter() const { return m_model->filter(); }

void DataPage::setFilter(const ImageViewFilter& filter) {
    m_model->setFilter(filter);
    rebuildFilterChoices();  // selects the entry that matches
    if (m_model->rowCount() > 0 && m_grid->selectionModel()->selectedIndexes().isEmpty()) {
        m_grid->setCurrentIndex(m_model->index(0));
    }
    updateStatus();
}

void DataPage::rebuildFilterChoices() {
    m_filterCombo->clear();
    m_filterCombo->addItem("All images", "all");
    m_filterCombo->addItem("Unlabeled", "unlabeled");
    m_filterCombo->addItem("Unreadable or missing", "unreadable");
    for (core::Split split : {core::Split::Train, core::Split::Val, core::Split::Test}) {
        m_filterCombo->addItem(QString("Split: %1").arg(core::splitName(split)),
                               QString("split:%1").arg(core::splitName(split)));
    }
    m_filterCombo->addItem("No split", "nosplit");
    if (m_session) {
        if (auto classes = m_session->store().classes()) {
            m_filterCombo->insertSeparator(m_filterCombo->count());
            for (const auto& info : classes.value()) {
                m_filterCombo->addItem("Class: " + QString::fromStdString(info.name),
                                       QString("class:%1").arg(info.id));
            }
        }
    }
    const ImageViewFilter& current = m_model->filter();
    QString key;
    switch (current.kind) {
        case ImageViewFilter::Kind::All:
            key = "all";
            break;
        case ImageViewFilter::Kind::Unlabeled:
            key = "unlabeled";
            break;
        case ImageViewFilter::Kind::Unreadable:
            key = "unreadable";
            break;
        case ImageViewFilter::Kind::Split:
            key = QString("split:%1").arg(core::splitName(current.split));
            break;
        case ImageViewFilter::Kind::NoSplit:
            key = "nosplit";
            break;
        case ImageViewFilter::Kind::Class:
            key = QString("class:%1").arg(current.classId);
            break;
    }
    m_filterCombo->setCurrentIndex(std::max(0, m_filterCombo->findData(key)));
}

void DataPage::applyFilterChoice() {
    const QString key = m_filterCombo->currentData().toString();
    ImageViewFilter filter;
    filter.pathContains = m_search->text();
    if (key == "unlabeled") {
        filter.kind = ImageViewFilter::Kind::Unlabeled;
    } else if (key == "unreadable") {
        filter.kind = ImageViewFilter::Kind::Unreadable;
    } else if (key == "nosplit") {
        filter.kind = ImageViewFilter::Kind::NoSplit;
    } else if (key.startsWith("split:")) {
        filter.kind = ImageViewFilter::Kind::Split;
        filter.split = core::parseSplitName(key.mid(6).toStdString()).value_or(core::Split::Train);
    } else if (key.startsWith("class:")) {
        filter.kind = ImageViewFilter::Kind::Class;
        filter.classId = key.mid(6).toLongLong();
    }
    setFilter(filter);
}

QList<qint64> DataPage::selectedImageIds() const {
    QList<qint64> ids;
    QModelIndexList rows = m_grid->selectionModel()->selectedIndexes();
    std::sort(rows.begin(), rows.end(),
              [](const QModelIndex& a, const QModelIndex& b) { return a.row() < b.row(); });
    for (const QModelIndex& index : rows) ids << m_model->record(index.row()).id;
    return ids;
}

void DataPage::selectImages(const QList<qint64>& ids) {
    QItemSelection selection;
    int firstRow = -1;
    for (qint64 id : ids) {
        const int row = m_model->rowOf(id);
        if (row < 0) continue;
        selection.select(m_model->index(row), m_model->index(row));
        if (firstRow < 0) firstRow = row;
    }
    auto* selectionModel = m_grid->selectionModel();
    selectionModel->select(selection, QItemSelectionModel::ClearAndSelect);
    if (firstRow >= 0) {
        selectionModel->setCurrentIndex(m_model->index(firstRow), QItemSelectionModel::NoUpdate);
        m_grid->scrollTo(m_model->index(firstRow));
    }
}

void DataPage::labelSelection(std::optional<core::ClassId> classId) {
    const QModelIndexList rows = m_grid->selectionModel()->selectedIndexes();
    if (rows.isEmpty() || !m_session) return;
    // Move on to the first unselected image after the selection, as labeling tools do, so a
    // run of key presses labels image after image.
    int firstRow = rows.front().row();
    int lastRow = firstRow;
    for (const QModelIndex& index : rows) {
        firstRow = std::min(firstRow, index.row());
        lastRow = std::max(lastRow, index.row());
    }
    std::optional<qint64> next;
    for (int row = lastRow + 1; row < m_model->rowCount(); ++row) {
        if (!m_grid->selectionModel()->isRowSelected(row, {})) {
            next = m_model->record(row).id;
            break;
        }
    }
    const QList<qint64> ids = selectedImageIds();
    labelImages(ids, classId);
    if (next) {
        moveTo(next, firstRow);
    } else {
        selectImages(ids);  // the last images: stay on them
    }
}

void DataPage::labelImages(const QList<qint64>& ids, std::optional<core::ClassId> classId) {
    if (ids.isEmpty() || !m_session) return;
    const QString target = classId ? "\"" + m_model->className(classId) + "\"" : "unlabeled";
    const QString text = classId ? QString("Label %1 as %2").arg(imagesText(ids.size()), target)
                                 : QString("Remove the label of %1").arg(imagesText(ids.size()));
    pushCommand(new SetLabelCommand(*m_session, toIds(ids), classId, text));
}

void DataPage::moveSelectionToSplit(std::optional<core::Split> split) {
    const QList<qint64> ids = selectedImageIds();
    if (ids.isEmpty() || !m_session) return;
    const QString text =
        split ? QString("Move %1 to %2").arg(imagesText(ids.size()), core::splitName(*split))
              : QString("Remove %1 from their split").arg(imagesText(ids.size()));
    pushCommand(new SetSplitCommand(*m_session, toIds(ids), split, text));
}

void DataPage::setSelectionExcluded(bool excluded) {
    const QList<qint64> ids = selectedImageIds();
    if (ids.isEmpty() || !m_session) return;
    const QString text = excluded ? QString("Exclude %1 from training").arg(imagesText(ids.size()))
                                  : QString("Include %1 in training").arg(imagesText(ids.size()));
    pushCommand(new SetExcludedCommand(*m_session, toIds(ids), excluded, text));
}

// A command whose first redo() fails marks itself obsolete and QUndoStack deletes it at once,
// so success is read off the stack's index, never off the command.
bool DataPage::pushCommand(QUndoCommand* command) {
    if (!m_session) {
        delete command;
        return false;
    }
    QUndoStack* stack = m_session->undoStack();
    const int before = stack->index();
    stack->push(command);
    return stack->index() > before;
}

bool DataPage::addClass(const QString& name) {
    return m_session && pushCommand(new AddClassCommand(*m_session, name));
}

bool DataPage::renameClass(core::ClassId id, const QString& name) {
    return m_session && pushCommand(new RenameClassCommand(*m_session, id, name));
}

bool DataPage::mergeClass(core::ClassId from, core::ClassId into) {
    return m_session && from != into && pushCommand(new RemoveClassCommand(*m_session, from, into));
}

bool DataPage::deleteClass(core::ClassId id) {
    return m_session && pushCommand(new RemoveClassCommand(*m_session, id, std::nullopt));
}

void DataPage::toggleSelectionWatched() {
    if (!m_session) return;
    const QList<qint64> selected = selectedImageIds();
    if (selected.isEmpty()) return;
    const QList<qint64> watched = m_session->watchedImages();
    const bool allWatched = std::all_of(selected.begin(), selected.end(),
                                        [&](qint64 id) { return watched.contains(id); });
    m_session->setWatched(selected, !allWatched);
}

bool DataPage::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_grid && event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        const auto modifiers = key->modifiers() & ~Qt::KeypadModifier;
        if (modifiers == Qt::NoModifier && key->key() >= Qt::Key_0 && key->key() <= Qt::Key_9) {
            const int number = key->key() - Qt::Key_0;
            if (number == 0) {
                labelSelection(std::nullopt);
                return true;
            }
            const auto& order = m_classList->classOrder();
            if (number <= order.size()) labelSelection(order[number - 1]);
            return true;  // a key without a class does nothing (never type-ahead search)
        }
        if (modifiers == Qt::NoModifier && key->key() == Qt::Key_W) {
            toggleSelectionWatched();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

void DataPage::moveTo(std::optional<qint64> id, int fallbackRow) {
    int row = id ? m_model->rowOf(*id) : -1;
    if (row < 0) row = std::min(fallbackRow, m_model->rowCount() - 1);
    if (row < 0) return;
    const QModelIndex index = m_model->index(row);
    m_grid->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect);
    m_grid->scrollTo(index);
}

void DataPage::updateStatus() {
    if (!m_session) {
        m_status->setText("Open or create a project (File menu) to see its images.");
        return;
    }
    const int shown = m_model->rowCount();
    const int selected = static_cast<int>(m_grid->selectionModel()->selectedIndexes().size());
    QString text = QString("%1 shown").arg(imagesText(shown));
    if (selected > 0) text += QString(" · %1 selected").arg(selected);
    if (const int decoding = m_thumbnails->pendingCount(); decoding > 0) {
        text += QString(" · decoding %1 thumbnails").arg(decoding);
    }
    if (shown == 0 && m_model->filter().kind == ImageViewFilter::Kind::All) {
        text = "No images yet: File ▸ Import Images… adds a folder.";
    }
    m_status->setText(text);
}

void DataPage::updatePreview() {
    const QModelIndex current = m_grid->currentIndex();
    if (!current.isValid() || !m_session) {
        m_preview->showImage(std::nullopt, {});
        return;
    }
    const core::ImageRecord& record = m_model->record(current.row());
    m_preview->showImage(record, m_model->className(record.classId));
}

void DataPage::showGridMenu(const QPoint& position) {
    if (!m_session) return;
    QMenu menu(this);
    const bool hasSelection = !selectedImageIds().isEmpty();
    QMenu* labelMenu = menu.addMenu("Label as");
    labelMenu->setEnabled(hasSelection);
    if (auto classes = m_session->store().classes()) {
        int number = 1;
        for (const auto& info : classes.value()) {
            const QString key = number <= 9 ? QString("\t%1").arg(number) : QString();
            labelMenu->addAction(QString::fromStdString(info.name) + key, this,
                                 [this, id = info.id] { labelSelection(id); });
            ++number;
        }
    }
    menu.addAction("Remove label\t0", this, [this] { labelSelection(std::nullopt); })
        ->setEnabled(hasSelection);
    QMenu* splitMenu = menu.addMenu("Move to split");
    splitMenu->setEnabled(hasSelection);
    for (core::Split split : {core::Split::Train, core::Split::Val, core::Split::Test}) {
        splitMenu->addAction(core::splitName(split), this,
                             [this, split] { moveSelectionToSplit(split); });
    }
    splitMenu->addAction("(none)", this, [this] { moveSelectionToSplit(std::nullopt); });
    menu.addSeparator();
    menu.addAction("Exclude from training", this, [this] { setSelectionExcluded(true); })
        ->setEnabled(hasSelection);
    menu.addAction("Include in training", this, [this] { setSelectionExcluded(false); })
        ->setEnabled(hasSelection);
    menu.addSeparator();
    const QList<qint64> watched = m_session->watchedImages();
    const QList<qint64> selected = selectedImageIds();
    const bool allWatched =
        hasSelection && std::all_of(selected.begin(), selected.end(),
                                    [&](qint64 id) { return watched.contains(id); });
    menu.addAction(allWatched ? "Stop watching during training\tW" : "Watch during training\tW",
                   this, &DataPage::toggleSelectionWatched)
        ->setEnabled(hasSelection);
    menu.addSeparator();
    menu.addAction("Select all shown", m_grid, &QListView::selectAll);
    menu.exec(m_grid->viewport()->mapToGlobal(position));
}

void DataPage::showClassMenu(const QPoint& position) {
    if (!m_session) return;
    QMenu menu(this);
    const bool onClass = m_classList->classAt(m_classList->itemAt(position)).has_value();
    menu.addAction("Add class…", this, &DataPage::askAddClass);
    menu.addAction("Rename…", this, &DataPage::askRenameClass)->setEnabled(onClass);
    menu.addAction("Colour…", this, &DataPage::askClassColour)->setEnabled(onClass);
    menu.addAction("Merge into…", this, &DataPage::askMergeClass)->setEnabled(onClass);
    menu.addAction("Delete", this, &DataPage::askDeleteClass)->setEnabled(onClass);
    menu.exec(m_classList->viewport()->mapToGlobal(position));
}

void DataPage::askAddClass() {
    if (!m_session) return;
    bool ok = false;
    const QString name = QInputDialog::getText(
        this, "Add Class", "Name of the new class:", QLineEdit::Normal, {}, &ok);
    if (ok && !name.trimmed().isEmpty()) addClass(name);
}

void DataPage::askRenameClass() {
    const auto id = m_classList->selectedClass();
    if (!id || !m_session) return;
    bool ok = false;
    const QString name = QInputDialog::getText(this, "Rename Class", "New name:", QLineEdit::Normal,
                                               m_model->className(id), &ok);
    if (ok && !name.trimmed().isEmpty()) renameClass(*id, name);
}

void DataPage::askMergeClass() {
    const auto id = m_classList->selectedClass();
    if (!id || !m_session) return;
    auto classes = m_session->store().classes();
    if (!m_session->check(classes)) return;
    QStringList names;
    QList<core::ClassId> ids;
    for (const auto& info : classes.value()) {
        if (info.id == *id) continue;
        names << QString::fromStdString(info.name);
        ids << info.id;
    }
    if (names.isEmpty()) return;
    bool ok = false;
    const QString choice = QInputDialog::getItem(
        this, "Merge Class",
        QString("Give the images of \"%1\" the class:").arg(m_model->className(id)), names, 0,
        false, &ok);
    if (ok) mergeClass(*id, ids[names.indexOf(choice)]);
}

void DataPage::askDeleteClass() {
    const auto id = m_classList->selectedClass();
    if (!id || !m_session) return;
    const auto answer = QMessageBox::question(
        this, "Delete Class",
        QString("Delete the class \"%1\"? Its images stay in the project, unlabeled. "
                "Edit ▸ Undo brings it back.")
            .arg(m_model->className(id)));
    if (answer == QMessageBox::Yes) deleteClass(*id);
}

void DataPage::askClassColour() {
    const auto id = m_classList->selectedClass();
    if (!id || !m_session) return;
    const QColor colour = QColorDialog::getColor(Qt::white, this, "Class Colour");
    if (!colour.isValid()) return;
    if (m_session->check(
            m_session->store().setClassColour(*id, colour.name(QColor::HexRgb).toStdString()))) {
        Q_EMIT m_session->classesChanged();
    }
}

void DataPage::onThumbnailFailed(qint64 id, const QString& message) {
    // Training cannot read it either: record it, so it is counted and filtered as unreadable.
    if (!m_session) return;
    if (m_session->check(m_session->store().recordImageError(id, message.toStdString()))) {
        m_model->refreshImages({id});
        m_classList->refresh();
    }
}

void DataPage::onLabelsChanged(const QList<qint64>& ids) {
    if (ids.isEmpty()) {
        // Possibly every image changed (e.g. a training run assigned splits): the grid reloads,
        // and the user's selection stays.
        const QList<qint64> selected = selectedImageIds();
        m_model->refreshImages(ids);
        selectImages(selected);
    } else {
        m_model->refreshImages(ids);
    }
    m_classList->refresh();
    updatePreview();
    updateStatus();
}

void DataPage::onClassesChanged() {
    // A filter on a class that is gone falls back to every image.
    ImageViewFilter filter = m_model->filter();
    if (filter.kind == ImageViewFilter::Kind::Class) {
        bool exists = false;
        if (auto classes = m_session->store().classes()) {
            for (const auto& info : classes.value()) exists = exists || info.id == filter.classId;
        }
        if (!exists) {
            const QString search = filter.pathContains;
            filter = {};
            filter.pathContains = search;
        }
    }
    const QList<qint64> selected = selectedImageIds();
    m_model->setFilter(filter);
    m_model->reload();
    selectImages(selected);
    m_classList->refresh();
    rebuildFilterChoices();
    updateStatus();
}

void DataPage::onImagesChanged() {
    const QList<qint64> selected = selectedImageIds();
    m_model->reload();
    selectImages(selected);
    m_classList->refresh();
    updateStatus();
}

}  // namespace fovea::ui
