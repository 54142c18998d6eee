#include "data/data_page.h"

#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QListView>
#include <QMenu>
#include <QSlider>
#include <QSplitter>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>

#include "data/annotation_command.h"
#include "data/box_editor.h"
#include "data/class_chooser.h"
#include "data/class_list.h"
#include "data/class_panel.h"
#include "data/image_filter_bar.h"
#include "data/image_grid_menu.h"
#include "data/image_list_model.h"
#include "data/labeling_commands.h"
#include "data/preview_pane.h"
#include "data/suggestion_bar.h"
#include "data/thumbnail_cache.h"
#include "data/thumbnail_delegate.h"
#include "page_header.h"
#include "project/project_session.h"
#include "widgets/menu_button.h"

namespace fovea::ui {

namespace {

const char* const kClassificationPurpose =
    "Label images with keys 1-9 (0 removes the label), with L and the start of a class name, or "
    "by dragging them onto a class; Enter accepts a model's suggestions; Ctrl+Z undoes.";
const char* const kDetectionPurpose =
    "Draw boxes around the objects on the image at the right (keys 1-9 choose the class); B "
    "marks an image without objects as background; Ctrl+Z undoes.";

// Thumbnails are decoded once at the largest size the slider offers and drawn smaller.
constexpr int kThumbnailSide = 192;
constexpr int kDefaultCellSide = 112;

std::vector<core::ImageId> toIds(const QList<qint64>& ids) {
    return std::vector<core::ImageId>(ids.begin(), ids.end());
}

QString imagesText(qsizetype count) {
    return count == 1 ? QString("1 image") : QString("%1 images").arg(count);
}

// The images `filter` lets through, as said in a sentence ("unlabeled images"); the search
// is not part of it.
QString filteredImagesText(const ImageViewFilter& filter, const ImageListModel& model) {
    switch (filter.kind) {
        case ImageViewFilter::Kind::All:
            return "images";
        case ImageViewFilter::Kind::Unlabeled:
        case ImageViewFilter::Kind::LabelNext:
            return model.isDetection() ? "images not annotated yet" : "unlabeled images";
        case ImageViewFilter::Kind::Suggested:
            return QString("unlabeled images with a suggestion ≥ %1 %")
                .arg(filter.minConfidencePercent);
        case ImageViewFilter::Kind::Unreadable:
            return "unreadable or missing images";
        case ImageViewFilter::Kind::Excluded:
            return "excluded images";
        case ImageViewFilter::Kind::Split:
            return QString("images in the %1 split").arg(core::splitName(filter.split));
        case ImageViewFilter::Kind::NoSplit:
            return "images without a split";
        case ImageViewFilter::Kind::Class:
            return QString("images of class \"%1\"").arg(model.className(filter.classId));
    }
    return "images";
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
    m_splitter = splitter;
    splitter->addWidget(buildClassPanel());
    splitter->addWidget(buildBrowser());
    m_preview = new PreviewPane(this);
    splitter->addWidget(m_preview);
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 1);
    splitter->setStretchFactor(2, 0);
    splitter->setSizes({260, 640, 300});

    auto* layout = new QVBoxLayout(this);
    QWidget* header = makePageHeader("Data", kClassificationPurpose, this);
    for (auto* label : header->findChildren<QLabel*>()) {
        if (label->text() == kClassificationPurpose) m_purpose = label;
    }
    layout->addWidget(header);
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
    // A reset (a new filter) drops the current image silently: the preview must let it go.
    connect(m_model, &QAbstractItemModel::modelReset, this, &DataPage::updatePreview);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &DataPage::updateStatus);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &DataPage::updateStatus);
    setSession(nullptr);
}

DataPage::~DataPage() = default;

ClassPanel* DataPage::buildClassPanel() {
    m_classPanel = new ClassPanel(m_model, this);
    m_classList = m_classPanel->list();
    connect(m_classPanel, &ClassPanel::addRequested, this, &DataPage::addClass);
    connect(m_classPanel, &ClassPanel::renameRequested, this, &DataPage::renameClass);
    connect(m_classPanel, &ClassPanel::mergeRequested, this, &DataPage::mergeClass);
    connect(m_classPanel, &ClassPanel::deleteRequested, this, &DataPage::deleteClass);
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
    return m_classPanel;
}

QWidget* DataPage::buildBrowser() {
    auto* panel = new QWidget(this);
    m_filterBar = new ImageFilterBar(panel);
    connect(m_filterBar, &ImageFilterBar::filterChosen, this, &DataPage::setFilter);
    connect(m_filterBar, &ImageFilterBar::searchChanged, this, [this](const QString& text) {
        ImageViewFilter filter = m_model->filter();
        filter.pathContains = text;
        setFilter(filter);
    });
    QToolButton* splitButton = buildSplitButton(panel);
    m_sizeSlider = buildSizeSlider(panel);
    m_grid = buildGrid(panel);
    m_status = new QLabel(panel);
    m_status->setObjectName("dataStatus");
    // Wrapped in a fixed two lines: elided, "Labeled 22 images with the suggested class (Ctrl+Z
    // u…" lost its point in the narrow middle column; a height that followed it moved the grid.
    m_status->setWordWrap(true);
    m_status->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_status->setFixedHeight(2 * m_status->fontMetrics().lineSpacing());
    m_status->installEventFilter(this);  // its width decides what of the last change fits
    m_counts = new QLabel(panel);
    m_counts->setObjectName("dataCounts");
    m_suggestionBar = new SuggestionBar(panel);
    connect(m_suggestionBar, &SuggestionBar::acceptRequested, this,
            [this](const QList<qint64>& ids) { acceptSuggestions(ids); });
    m_filterBar->setSuggestionThreshold(m_suggestionBar->acceptThresholdPercent());
    connect(m_suggestionBar, &SuggestionBar::thresholdChanged, this, [this] {
        m_filterBar->setSuggestionThreshold(m_suggestionBar->acceptThresholdPercent());
        if (m_model->filter().kind == ImageViewFilter::Kind::Suggested)
            setFilter(m_model->filter());
    });
    connect(m_suggestionBar, &SuggestionBar::suggestionsStored, this, [this] {
        // "Label next" has a new order: the grid was read again from the top.
        if (m_model->rowCount() > 0 && !m_grid->currentIndex().isValid()) {
            m_grid->setCurrentIndex(m_model->index(0));
        }
    });

    auto* tools = new QHBoxLayout;
    tools->addWidget(m_filterBar, 1);
    tools->addWidget(splitButton);
    tools->addWidget(m_sizeSlider);
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(tools);
    layout->addWidget(m_suggestionBar);
    layout->addWidget(m_grid, 1);
    // The counts beside the last change, never cut: as one elided line, a long change cut
    // the counts to "1 se…".
    auto* status = new QHBoxLayout;
    status->addWidget(m_status, 1);
    status->addWidget(m_counts, 0, Qt::AlignTop);
    layout->addLayout(status);
    return panel;
}

QToolButton* DataPage::buildSplitButton(QWidget* parent) {
    auto* splitButton = new QToolButton(parent);
    splitButton->setObjectName("splitButton");
    makeMenuButton(splitButton, "Split");
    splitButton->setToolTip("Move the selected images to a split");
    auto* splitMenu = new QMenu(splitButton);
    for (core::Split split : {core::Split::Train, core::Split::Val, core::Split::Test}) {
        splitMenu->addAction(QString("Move to %1").arg(core::splitName(split)), this,
                             [this, split] { moveSelectionToSplit(split); });
    }
    splitMenu->addAction("Remove from its split", this,
                         [this] { moveSelectionToSplit(std::nullopt); });
    splitButton->setMenu(splitMenu);
    return splitButton;
}

QSlider* DataPage::buildSizeSlider(QWidget* parent) {
    auto* slider = new QSlider(Qt::Horizontal, parent);
    slider->setObjectName("thumbnailSizeSlider");
    slider->setRange(64, kThumbnailSide);
    slider->setValue(kDefaultCellSide);
    slider->setMaximumWidth(120);
    slider->setToolTip("Thumbnail size");
    connect(slider, &QSlider::valueChanged, this, [this](int side) {
        m_delegate->setSide(side);
        fitGridColumns();
    });
    return slider;
}

QListView* DataPage::buildGrid(QWidget* parent) {
    auto* grid = new QListView(parent);
    grid->setObjectName("imageGrid");
    grid->setModel(m_model);
    grid->setItemDelegate(m_delegate);
    grid->setViewMode(QListView::IconMode);
    grid->setMovement(QListView::Static);
    grid->setResizeMode(QListView::Adjust);
    // Uniform sizes let the view lay out 50,000 cells by arithmetic instead of asking each.
    grid->setUniformItemSizes(true);
    grid->setLayoutMode(QListView::Batched);
    grid->setBatchSize(2000);
    grid->setSelectionMode(QAbstractItemView::ExtendedSelection);
    grid->setSelectionRectVisible(true);
    grid->setDragEnabled(true);
    grid->setDragDropMode(QAbstractItemView::DragOnly);
    grid->setDefaultDropAction(Qt::CopyAction);
    grid->setContextMenuPolicy(Qt::CustomContextMenu);
    grid->installEventFilter(this);
    grid->viewport()->installEventFilter(this);
    connect(grid, &QListView::customContextMenuRequested, this, &DataPage::showGridMenu);
    connect(grid->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateStatus();
        updatePreview();
    });
    connect(grid->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &DataPage::updatePreview);

    // Over the grid (not its viewport, whose children scroll with the cells).
    m_emptyMessage = new QLabel(grid);
    m_emptyMessage->setObjectName("emptyGridMessage");
    m_emptyMessage->setAlignment(Qt::AlignCenter);
    m_emptyMessage->setWordWrap(true);
    m_emptyMessage->setAttribute(Qt::WA_TransparentForMouseEvents);
    m_emptyMessage->setForegroundRole(QPalette::PlaceholderText);
    m_emptyMessage->hide();
    m_chooser = new ClassChooser(grid);
    connect(m_chooser, &ClassChooser::chosen, this, [this](core::ClassId id) {
        m_grid->setFocus(Qt::OtherFocusReason);
        labelSelection(id);
    });
    connect(m_chooser, &ClassChooser::dismissed, this,
            [this] { m_grid->setFocus(Qt::OtherFocusReason); });
    return grid;
}

void DataPage::setSession(ProjectSession* session) {
    if (m_session) {
        disconnect(m_session, nullptr, this, nullptr);
        disconnect(m_session->undoStack(), nullptr, this, nullptr);
    }
    m_session = session;
    m_lastChange.clear();
    m_chooser->dismiss();
    m_thumbnails->clear();
    if (session) {
        connect(session, &ProjectSession::labelsChanged, this, &DataPage::onLabelsChanged);
        connect(session, &ProjectSession::labelingUndone, this, [this](const QList<qint64>& ids) {
            // Only where the grid shows them: else the selection stays as it is.
            const bool shown = std::any_of(ids.begin(), ids.end(),
                                           [this](qint64 id) { return m_model->rowOf(id) >= 0; });
            if (shown) selectImages(ids);
        });
        connect(session, &ProjectSession::classesChanged, this, &DataPage::onClassesChanged);
        connect(session, &ProjectSession::imagesChanged, this, &DataPage::onImagesChanged);
        // An undo or redo says what it did (the stack moves after the labels did).
        m_stackIndex = session->undoStack()->index();
        m_nextRedo = nullptr;
        connect(session->undoStack(), &QUndoStack::indexChanged, this, &DataPage::onUndoStackMoved);
    }
    showPreviewFor(session && session->store().projectTask() == core::ProjectTask::Detection);
    m_filterBar->setSession(session);
    m_filterBar->clearSearch();
    m_model->setSession(session);
    m_classPanel->setSession(session);
    m_suggestionBar->setSession(session);
    rebuildFilterChoices();
    setEnabled(session != nullptr);
    if (m_model->rowCount() > 0) m_grid->setCurrentIndex(m_model->index(0));
    updateStatus();
    updatePreview();
}

const ImageViewFilter& DataPage::filter() const { return m_model->filter(); }

void DataPage::setFilter(const ImageViewFilter& given) {
    ImageViewFilter filter = given;
    if (filter.kind == ImageViewFilter::Kind::Suggested) {
        filter.minConfidencePercent = m_suggestionBar->acceptThresholdPercent();
    }
    m_model->setFilter(filter);
    rebuildFilterChoices();  // selects the entry that matches
    if (m_model->rowCount() > 0 && m_grid->selectionModel()->selectedIndexes().isEmpty()) {
        m_grid->setCurrentIndex(m_model->index(0));
    }
    updateStatus();
}

void DataPage::rebuildFilterChoices() { m_filterBar->showFilter(m_model->filter()); }

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
    if (m_grid->selectionModel()->selectedIndexes().isEmpty() || !m_session) return;
    // Move on to the first unselected image after the selection, as labeling tools do, so a
    // run of key presses labels image after image.
    int firstRow = 0;
    const std::optional<qint64> next = imageAfterSelection(&firstRow);
    const QList<qint64> ids = selectedImageIds();
    labelImages(ids, classId);
    moveOnFrom(ids, next, firstRow);
}

void DataPage::acceptSelectionSuggestions() {
    if (m_grid->selectionModel()->selectedIndexes().isEmpty() || !m_session) return;
    int firstRow = 0;
    const std::optional<qint64> next = imageAfterSelection(&firstRow);
    const QList<qint64> ids = selectedImageIds();
    if (acceptSuggestions(ids) > 0) moveOnFrom(ids, next, firstRow);
}

int DataPage::acceptSuggestions(const QList<qint64>& ids) {
    if (ids.isEmpty() || !m_session) return 0;
    auto* command = new AcceptSuggestionsCommand(*m_session, toIds(ids));
    // A command that labeled nothing is obsolete, and the stack deletes it; one that did is
    // the stack's newest, kept.
    if (!pushCommand(command)) {
        m_status->setText(ids.size() == 1 ? QString("This image has no suggestion to accept.")
                                          : QString("None of these images has a suggestion "
                                                    "to accept."));
        return 0;
    }
    const int accepted = static_cast<int>(command->accepted().size());
    noteChange(QString("Labeled %1 with the suggested class").arg(imagesText(accepted)));
    return accepted;
}

std::optional<qint64> DataPage::imageAfterSelection(int* firstRow) const {
    const QModelIndexList rows = m_grid->selectionModel()->selectedIndexes();
    int first = rows.isEmpty() ? 0 : rows.front().row();
    int last = first;
    for (const QModelIndex& index : rows) {
        first = std::min(first, index.row());
        last = std::max(last, index.row());
    }
    if (firstRow) *firstRow = first;
    for (int row = last + 1; row < m_model->rowCount(); ++row) {
        if (!m_grid->selectionModel()->isRowSelected(row, {})) return m_model->record(row).id;
    }
    return std::nullopt;
}

void DataPage::moveOnFrom(const QList<qint64>& ids, std::optional<qint64> next, int firstRow) {
    if (next) {
        moveTo(next, firstRow);
    } else {
        selectImages(ids);  // the last images: stay on them
    }
}

void DataPage::labelImages(const QList<qint64>& ids, std::optional<core::ClassId> classId) {
    if (ids.isEmpty() || !m_session) return;
    if (isDetection()) {
        // The store refuses image labels here; say what to do instead of an error.
        m_status->setText(
            "A detection project labels objects: draw boxes on the image at the "
            "right (B marks one without objects).");
        return;
    }
    const QString target = classId ? "\"" + m_model->className(classId) + "\"" : "unlabeled";
    const QString text = classId ? QString("Label %1 as %2").arg(imagesText(ids.size()), target)
                                 : QString("Remove the label of %1").arg(imagesText(ids.size()));
    if (!pushCommand(new SetLabelCommand(*m_session, toIds(ids), classId, text))) return;
    noteChange(classId ? QString("Labeled %1 as %2").arg(imagesText(ids.size()), target)
                       : QString("Removed the label of %1").arg(imagesText(ids.size())));
}

void DataPage::noteChange(const QString& change) {
    m_lastChange = change;
    m_lastChangeHint = "(Ctrl+Z undoes it)";
    m_lastChangeIndex = m_session ? m_session->undoStack()->index() : -1;
    updateStatus();
}

void DataPage::onUndoStackMoved(int index) {
    const QUndoStack* stack = m_session->undoStack();
    // A new command moves the stack up too: it is a redo only when the command now done is the
    // one that was next to redo. noteChange() says more about some new commands.
    if (index < m_stackIndex) {
        m_lastChange = "Undone: " + stack->text(index);
        m_lastChangeHint = "(Ctrl+Shift+Z redoes it)";
    } else if (index > m_stackIndex && index > 0) {
        const bool redone = m_nextRedo && stack->command(index - 1) == m_nextRedo;
        m_lastChange = (redone ? "Redone: " : QString()) + stack->text(index - 1);
        m_lastChangeHint = "(Ctrl+Z undoes it)";
    }
    m_stackIndex = index;
    m_nextRedo = index < stack->count() ? stack->command(index) : nullptr;
    m_lastChangeIndex = index;
    updateStatus();
}

void DataPage::moveSelectionToSplit(std::optional<core::Split> split) {
    const QList<qint64> ids = selectedImageIds();
    if (ids.isEmpty() || !m_session) return;
    const QString text =
        split ? QString("Move %1 to %2").arg(imagesText(ids.size()), core::splitName(*split))
              : QString("Remove %1 from their split").arg(imagesText(ids.size()));
    if (!pushCommand(new SetSplitCommand(*m_session, toIds(ids), split, text))) return;
    // Said as done, like labeling ("Moved 3 images to val"); the command's own text stays the
    // Edit menu's imperative ("Undo Move 3 images to val").
    noteChange(split
                   ? QString("Moved %1 to %2").arg(imagesText(ids.size()), core::splitName(*split))
                   : QString("Removed %1 from their split").arg(imagesText(ids.size())));
}

void DataPage::setSelectionExcluded(bool excluded) {
    const QList<qint64> ids = selectedImageIds();
    if (ids.isEmpty() || !m_session) return;
    const QString text = excluded ? QString("Exclude %1 from training").arg(imagesText(ids.size()))
                                  : QString("Include %1 in training").arg(imagesText(ids.size()));
    if (!pushCommand(new SetExcludedCommand(*m_session, toIds(ids), excluded, text))) return;
    noteChange(excluded ? QString("Excluded %1 from training").arg(imagesText(ids.size()))
                        : QString("Included %1 in training").arg(imagesText(ids.size())));
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
    if (!m_session) return false;
    // Classes typed in here must differ in more than case, or the L chooser (which ignores
    // case) could not tell them apart. The store allows it: folders on disk may.
    for (const QString& existing : m_session->classNames()) {
        if (existing != name.trimmed() &&
            existing.compare(name.trimmed(), Qt::CaseInsensitive) == 0) {
            return m_session->check(core::Result<void>(
                core::Error{"Cannot add class \"" + name.trimmed().toStdString() +
                            "\": a class named \"" + existing.toStdString() +
                            "\" already exists (names differing only in case are "
                            "confusing)"}));
        }
    }
    return pushCommand(new AddClassCommand(*m_session, name));
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

void DataPage::showLastChange(bool current) {
    const QString change = current ? m_lastChange : QString();
    const QString whole = change.isEmpty() ? change : change + " " + m_lastChangeHint;
    // The grid's column can be narrow (a detection project's box editor takes the room): where
    // the whole needs a third line, the key hint gives way first, then the change's end, so
    // that what is cut is never cut silently; the tooltip holds it whole.
    const QFontMetrics metrics = m_status->fontMetrics();
    const int width = m_status->contentsRect().width();
    const auto fits = [&](const QString& text) {
        return width <= 0 ||
               metrics.boundingRect(QRect(0, 0, width, 1 << 20), Qt::TextWordWrap, text).height() <=
                   m_status->contentsRect().height();
    };
    QString shown = whole;
    if (!fits(shown)) shown = change;
    while (!shown.isEmpty() && !fits(shown + "…")) shown.chop(1);
    if (shown != whole && shown != change) shown += "…";
    m_status->setText(shown);
    m_status->setToolTip(shown == whole ? QString() : whole);
}

bool DataPage::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_status && event->type() == QEvent::Resize && m_session) {
        updateStatus();
        return false;
    }
    if (watched == m_grid && event->type() == QEvent::KeyPress && isDetection()) {
        // Boxes instead of labels: 1-9 choose the class (of the selected box and of the next
        // one drawn), B marks background images; the other labeling keys do nothing.
        const auto* key = static_cast<QKeyEvent*>(event);
        const auto modifiers = key->modifiers() & ~Qt::KeypadModifier;
        if (modifiers == Qt::NoModifier && key->key() >= Qt::Key_0 && key->key() <= Qt::Key_9) {
            if (key->key() != Qt::Key_0) m_boxEditor->applyClassNumber(key->key() - Qt::Key_0);
            return true;
        }
        if (modifiers == Qt::NoModifier && key->key() == Qt::Key_B) {
            markSelectionBackground();
            return true;
        }
        if (modifiers == Qt::NoModifier &&
            (key->key() == Qt::Key_L || key->key() == Qt::Key_Return ||
             key->key() == Qt::Key_Enter)) {
            return true;
        }
    }
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
            if (number <= std::min<qsizetype>(order.size(), ClassList::kNumberedClasses)) {
                labelSelection(order[number - 1]);
            }
            return true;  // a key without a class does nothing (never type-ahead search)
        }
        if (modifiers == Qt::NoModifier &&
            (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter)) {
            acceptSelectionSuggestions();
            return true;
        }
        if (modifiers == Qt::NoModifier && key->key() == Qt::Key_W) {
            toggleSelectionWatched();
            return true;
        }
        if (modifiers == Qt::NoModifier && key->key() == Qt::Key_L) {
            openClassChooser();
            return true;
        }
    }
    if (watched == m_grid && event->type() == QEvent::Resize) placeEmptyMessage();
    if (m_grid && watched == m_grid->viewport() && event->type() == QEvent::Resize) {
        fitGridColumns();
    }
    return QWidget::eventFilter(watched, event);
}

void DataPage::fitGridColumns() {
    m_delegate->fitColumns(m_grid->viewport()->width());
    m_grid->doItemsLayout();
}

void DataPage::openClassChooser() {
    if (!m_session || m_grid->selectionModel()->selectedIndexes().isEmpty()) return;
    const QList<core::ClassId>& order = m_classList->classOrder();
    if (order.isEmpty()) return;
    QList<ClassChooser::Entry> entries;
    for (qsizetype i = 0; i < order.size(); ++i) {
        entries.push_back({order[i], m_model->className(order[i]),
                           i < ClassList::kNumberedClasses ? QString::number(i + 1) : QString()});
    }
    m_chooser->open(entries);
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
        m_counts->clear();
        return;
    }
    const int shown = m_model->rowCount();
    const int selected = static_cast<int>(m_grid->selectionModel()->selectedIndexes().size());
    QString counts = QString("%1 shown").arg(imagesText(shown));
    if (selected > 0) counts += QString(" · %1 selected").arg(selected);
    if (const int decoding = m_thumbnails->pendingCount(); decoding > 0) {
        counts += QString(" · decoding %1 thumbnails").arg(decoding);
    }
    // The last labeling: it answers "did that work?" right after Enter or a key.
    const bool changeCurrent =
        !m_lastChange.isEmpty() && m_session->undoStack()->index() == m_lastChangeIndex;
    const QString empty = emptyGridMessage();
    showLastChange(changeCurrent);
    m_counts->setText(counts);  // the grid says why it is empty
    m_emptyMessage->setText(empty);
    m_emptyMessage->setVisible(!empty.isEmpty());
    placeEmptyMessage();
}

QString DataPage::emptyGridMessage() const {
    if (!m_session || m_model->rowCount() > 0) return {};
    const ImageViewFilter& filter = m_model->filter();
    const QString& search = filter.pathContains;
    if (filter.kind == ImageViewFilter::Kind::All) {
        if (search.isEmpty()) return "No images yet: File ▸ Import Images… adds a folder.";
        return QString("No images match \"%1\" — clear the search.").arg(search);
    }
    const QString images = filteredImagesText(filter, *m_model);
    if (filter.kind == ImageViewFilter::Kind::Suggested && search.isEmpty()) {
        // None at any confidence: the threshold is not why (the first look at the filter).
        core::ImageFilter suggested = core::usableImages();
        suggested.suggested = core::Require::Yes;
        const auto any = m_session->store().imageCount(suggested);
        if (any && any.value() == 0) {
            return "No suggestions yet: Suggest Labels… (a trained model) or Refresh (the "
                   "labels so far) makes them.";
        }
    }
    if (search.isEmpty()) return QString("There are no %1 — choose another filter.").arg(images);
    return QString("No images match \"%1\" among the %2 — clear the search or the filter.")
        .arg(search, images);
}

void DataPage::placeEmptyMessage() {
    if (m_emptyMessage->isVisible()) {
        m_emptyMessage->setGeometry(m_grid->rect().adjusted(24, 24, -24, -24));
        m_emptyMessage->raise();
    }
}

void DataPage::updatePreview() {
    const QModelIndex current = m_grid->currentIndex();
    if (isDetection()) {
        m_boxEditor->showImage(current.isValid() ? std::optional(m_model->record(current.row()))
                                                 : std::nullopt);
        return;
    }
    if (!current.isValid() || !m_session) {
        m_preview->showImage(std::nullopt, {});
        return;
    }
    const core::ImageRecord& record = m_model->record(current.row());
    m_preview->showImage(
        record, m_model->className(record.classId),
        record.suggestion ? m_model->className(record.suggestion->classId) : QString());
}

void DataPage::showGridMenu(const QPoint& position) {
    if (!m_session) return;
    execImageGridMenu(*this, *m_session, m_grid->viewport()->mapToGlobal(position));
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
    // Rows change in place (empty `ids`, e.g. a training run assigned splits: every row is read
    // again), so the selection, the current image and the scroll position stay.
    const QModelIndexList selected = m_grid->selectionModel()->selectedIndexes();
    const int firstSelected =
        selected.isEmpty() ? -1
                           : std::min_element(selected.begin(), selected.end(),
                                              [](const QModelIndex& a, const QModelIndex& b) {
                                                  return a.row() < b.row();
                                              })
                                 ->row();
    m_model->refreshImages(ids);
    // Selected images that left the view (a redo in "Unlabeled"): the image now in their place
    // is selected, ready for the next key, as after labeling.
    if (firstSelected >= 0 && m_grid->selectionModel()->selectedIndexes().isEmpty() &&
        m_model->rowCount() > 0) {
        const QModelIndex index = m_model->index(std::min(firstSelected, m_model->rowCount() - 1));
        m_grid->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect);
    }
    m_classList->refresh();
    m_suggestionBar->refresh();
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

bool DataPage::isDetection() const {
    return m_boxEditor && m_session &&
           m_session->store().projectTask() == core::ProjectTask::Detection;
}

void DataPage::showPreviewFor(bool detection) {
    if (detection && !m_boxEditor) {
        // Made for the first detection project only, so a classification project keeps exactly
        // the page it had. Both previews share the splitter's third place (so its saved state
        // always has three): the one not in use is hidden.
        const QList<int> sizes = m_splitter->sizes();
        auto* area = new QWidget;
        area->setObjectName("previewArea");
        auto* layout = new QVBoxLayout(area);
        layout->setContentsMargins(0, 0, 0, 0);
        m_splitter->replaceWidget(m_splitter->indexOf(m_preview), area);
        layout->addWidget(m_preview);
        m_boxEditor = new BoxEditor(area);
        layout->addWidget(m_boxEditor);
        m_boxEditor->hide();
        m_splitter->setSizes(sizes);
        connect(m_boxEditor, &BoxEditor::backgroundRequested, this,
                &DataPage::markSelectionBackground);
    }
    if (m_boxEditor) m_boxEditor->setSession(detection ? m_session : nullptr);
    if (!m_boxEditor || detection == !m_boxEditor->isHidden()) return;
    m_preview->setVisible(!detection);
    m_boxEditor->setVisible(detection);
    // Model suggestions of classes are for classification projects.
    m_suggestionBar->setVisible(!detection);
    if (m_purpose) {
        m_purpose->setText(detection ? kDetectionPurpose : kClassificationPurpose);
    }
    // Drawing boxes wants the room the classification preview leaves to the grid (the
    // splitter shares out its width in these proportions); back to classification, the page as
    // it always was.
    m_splitter->setSizes(detection ? QList<int>{220, 420, 720} : QList<int>{260, 640, 300});
}

void DataPage::markSelectionBackground() {
    if (!isDetection()) return;
    const QList<qint64> ids = selectedImageIds();
    if (ids.isEmpty()) return;
    std::vector<AnnotationChange> changes;
    bool allBackground = true;
    for (qint64 id : ids) {
        auto annotation = m_session->store().annotation(id);
        if (!m_session->check(annotation)) return;
        if (!annotation.value().boxes.empty()) continue;  // has objects: left alone
        allBackground = allBackground && annotation.value().annotated;
        changes.push_back({id, annotation.value(), {}});
    }
    if (changes.empty()) {
        m_status->setText(ids.size() == 1 ? QString("This image has boxes: delete them first to "
                                                    "mark it as background.")
                                          : QString("These images have boxes: none was marked "
                                                    "as background."));
        return;
    }
    for (auto& change : changes) change.after.annotated = !allBackground;
    const QString images = imagesText(static_cast<qsizetype>(changes.size()));
    const QString text = allBackground ? QString("Mark %1 as not annotated").arg(images)
                                       : QString("Mark %1 as background").arg(images);
    int firstRow = 0;
    const std::optional<qint64> next = imageAfterSelection(&firstRow);
    if (!pushCommand(new SetAnnotationCommand(*m_session, std::move(changes), text))) return;
    // Marking moves on, as labeling does; taking it back stays on the image.
    if (!allBackground) moveOnFrom(ids, next, firstRow);
}

}  // namespace fovea::ui
