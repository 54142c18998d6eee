#include "model/freeze_map.h"

#include <QAction>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QPushButton>
#include <QStyledItemDelegate>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace fovea::ui {
namespace {

constexpr int kNameColumn = 0;
constexpr int kParametersColumn = 1;
constexpr int kMultiplierColumn = 2;
constexpr int kBlockRole = Qt::UserRole;  // the block name, on block and layer rows
constexpr double kMinimumMultiplier = 0.001;
constexpr double kMaximumMultiplier = 100.0;
const char* const kHeadBlock = "head";

const char* const kMultiplierHelp =
    "Learning-rate multiplier of this block: the optimiser's learning rate times this factor. "
    "Smaller values for early blocks keep their general features nearly as they are while the "
    "later blocks and the head adapt (discriminative fine-tuning, Howard & Ruder 2018). Has no "
    "effect while the block is frozen.";

bool isBlockItem(const QTreeWidgetItem* item) { return item && !item->parent(); }

// `path` ("Mixed_5b.branch1x1.conv") without the module path of its block ("Mixed_5b") it
// starts with; as it is when it starts with none of them.
QString pathWithinBlock(const std::string& path, const std::vector<std::string>& blockPaths) {
    for (const std::string& prefix : blockPaths) {
        if (path.size() > prefix.size() + 1 && path.compare(0, prefix.size(), prefix) == 0 &&
            path[prefix.size()] == '.') {
            return QString::fromStdString(path.substr(prefix.size() + 1));
        }
    }
    return QString::fromStdString(path);
}

QString qs(const std::string& text) { return QString::fromStdString(text); }

QString joined(const std::vector<std::string>& parts, const QString& separator) {
    QStringList list;
    for (const auto& part : parts) list << qs(part);
    return list.join(separator);
}

std::set<std::string> stdSet(const QSet<QString>& names) {
    std::set<std::string> set;
    for (const QString& name : names) set.insert(name.toStdString());
    return set;
}

// Draws the head's disabled box as disabled and edits multipliers with a spin box.
class FreezeMapDelegate : public QStyledItemDelegate {
  public:
    using QStyledItemDelegate::QStyledItemDelegate;

    QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem&,
                          const QModelIndex& index) const override {
        if (index.column() != kMultiplierColumn || index.parent().isValid()) return nullptr;
        auto* spin = new QDoubleSpinBox(parent);
        spin->setObjectName("multiplierEditor");
        spin->setRange(kMinimumMultiplier, kMaximumMultiplier);
        spin->setDecimals(3);
        spin->setSingleStep(0.1);
        spin->setPrefix("× ");
        spin->setFrame(false);
        spin->setToolTip(kMultiplierHelp);
        return spin;
    }

    void setEditorData(QWidget* editor, const QModelIndex& index) const override {
        static_cast<QDoubleSpinBox*>(editor)->setValue(index.data(Qt::EditRole).toDouble());
    }

    void setModelData(QWidget* editor, QAbstractItemModel* model,
                      const QModelIndex& index) const override {
        auto* spin = static_cast<QDoubleSpinBox*>(editor);
        spin->interpretText();
        model->setData(index, spin->value(), Qt::EditRole);
    }

    QString displayText(const QVariant& value, const QLocale& locale) const override {
        if (value.typeId() == QMetaType::Double) {
            return "× " + locale.toString(value.toDouble(), 'g', 4);
        }
        if (value.typeId() == QMetaType::LongLong) {
            // Grouped as in the counts label below the tree, whatever the view's locale says.
            return QLocale().toString(value.toLongLong());
        }
        return QStyledItemDelegate::displayText(value, locale);
    }

  protected:
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override {
        QStyledItemDelegate::initStyleOption(option, index);
        const bool blockRow = !index.parent().isValid();
        if (blockRow && index.column() == kNameColumn &&
            !(index.flags() & Qt::ItemIsUserCheckable)) {
            option->state &= ~QStyle::State_Enabled;
        }
    }
};

QString percentOf(qint64 part, qint64 whole) {
    if (whole <= 0) return "0";
    return QLocale().toString(100.0 * static_cast<double>(part) / static_cast<double>(whole), 'f',
                              1);
}

}  // namespace

FreezeMap::FreezeMap(QWidget* parent) : QWidget(parent) {
    setObjectName("freezeMap");
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    m_messageLabel = new QLabel(this);
    m_messageLabel->setObjectName("freezeMapMessage");
    m_messageLabel->setAlignment(Qt::AlignCenter);
    m_messageLabel->setWordWrap(true);
    m_messageLabel->setForegroundRole(QPalette::PlaceholderText);
    layout->addWidget(m_messageLabel, 1);
    buildTree();
    layout->addWidget(m_tree, 1);
    layout->addLayout(buildButtons());

    m_countsLabel = new QLabel(this);
    m_countsLabel->setObjectName("parameterCountsLabel");
    m_countsLabel->setToolTip(
        "Parameters the training updates, of all the network's learnable parameters. Fewer "
        "trainable parameters train faster and overfit less on small data sets.");
    m_countsLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Wraps rather than widening the map at the architecture table's expense, in room for
    // two lines, so the tree above keeps its height whether the counts take one or two.
    m_countsLabel->setWordWrap(true);
    m_countsLabel->setMinimumHeight(2 * m_countsLabel->fontMetrics().lineSpacing());
    m_countsLabel->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    layout->addWidget(m_countsLabel);

    clearNetwork({});
}

void FreezeMap::buildTree() {
    m_tree = new QTreeWidget(this);
    m_tree->setObjectName("freezeTree");
    m_tree->setColumnCount(3);
    m_tree->setHeaderLabels({"Block / layer", "Parameters", "LR multiplier"});
    m_tree->headerItem()->setToolTip(
        kNameColumn,
        "The network's named blocks, from the input to the head. A ticked block is frozen: its "
        "parameters get no gradient and its BatchNorm statistics stay as loaded. Expand a block "
        "to see its layers.");
    m_tree->headerItem()->setToolTip(kParametersColumn,
                                     "Learnable parameters (weights and biases; BatchNorm's "
                                     "running statistics are buffers and not counted).");
    m_tree->headerItem()->setToolTip(kMultiplierColumn, kMultiplierHelp);
    m_tree->headerItem()->setTextAlignment(kParametersColumn, Qt::AlignRight | Qt::AlignVCenter);
    m_tree->setItemDelegate(new FreezeMapDelegate(m_tree));
    m_tree->setEditTriggers(QAbstractItemView::NoEditTriggers);  // editMultiplier() decides
    m_tree->setSelectionMode(QAbstractItemView::SingleSelection);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->setContextMenuPolicy(Qt::CustomContextMenu);
    m_tree->header()->setStretchLastSection(false);
    // Layer paths are long ("features.2.conv.0.0 (Conv2d)"): cut in the middle, both the block
    // they start with and the type they end with stay readable.
    m_tree->setTextElideMode(Qt::ElideMiddle);
    m_tree->header()->setSectionResizeMode(kNameColumn, QHeaderView::Stretch);
    m_tree->header()->setSectionResizeMode(kParametersColumn, QHeaderView::ResizeToContents);
    m_tree->header()->setSectionResizeMode(kMultiplierColumn, QHeaderView::ResizeToContents);
    m_tree->installEventFilter(this);
    m_tree->hide();

    m_freezeUpToAction = new QAction("Freeze up to here", m_tree);
    m_freezeUpToAction->setObjectName("freezeUpToAction");
    m_freezeUpToAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_U));
    m_freezeUpToAction->setShortcutContext(Qt::WidgetShortcut);
    m_tree->addAction(m_freezeUpToAction);
    connect(m_freezeUpToAction, &QAction::triggered, this, [this] { freezeUpTo(currentBlock()); });

    connect(m_tree, &QTreeWidget::itemChanged, this, &FreezeMap::onItemChanged);
    connect(m_tree, &QTreeWidget::currentItemChanged, this, [this] { updateActions(); });
    connect(m_tree, &QTreeWidget::itemDoubleClicked, this,
            [this](QTreeWidgetItem* item, int column) {
                if (column == kMultiplierColumn && isBlockItem(item)) editMultiplier(item);
            });
    connect(m_tree, &QTreeWidget::customContextMenuRequested, this, &FreezeMap::showContextMenu);
}

QHBoxLayout* FreezeMap::buildButtons() {
    m_freezeUpToButton = new QPushButton("Freeze up to here", this);
    m_freezeUpToButton->setObjectName("freezeUpToButton");
    m_freezeUpToButton->setToolTip(
        "Freeze every block from the input through the selected one, and train the rest "
        "(Ctrl+U in the tree). Early blocks detect edges and textures that suit any task; later "
        "ones are specific to what the weights were trained on.");
    m_recommendedButton = new QPushButton("Recommended", this);
    m_recommendedButton->setObjectName("recommendedButton");
    m_unfreezeAllButton = new QPushButton("Unfreeze all", this);
    m_unfreezeAllButton->setObjectName("unfreezeAllButton");
    m_unfreezeAllButton->setToolTip(
        "Train every block (full fine-tuning): best with many images per class; consider "
        "learning-rate multipliers below 1 for the early blocks.");
    connect(m_freezeUpToButton, &QPushButton::clicked, this,
            [this] { freezeUpTo(currentBlock()); });
    connect(m_recommendedButton, &QPushButton::clicked, this, &FreezeMap::applyRecommendation);
    connect(m_unfreezeAllButton, &QPushButton::clicked, this, &FreezeMap::unfreezeAll);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_freezeUpToButton);
    buttons->addWidget(m_recommendedButton);
    buttons->addWidget(m_unfreezeAllButton);
    buttons->addStretch(1);
    return buttons;
}

FreezeMap::~FreezeMap() {
    // An open multiplier editor commits when it loses focus, which can happen while QWidget
    // deletes the tree after this destructor: the tree must not call back into this object.
    disconnect(m_tree, nullptr, this, nullptr);
    m_tree->removeEventFilter(this);
}

void FreezeMap::setNetwork(const NetworkSummary& network) {
    m_network = network;
    m_hasNetwork = true;
    QSet<QString> known;
    for (const auto& block : m_network.blocks) {
        const QString name = qs(block.name);
        if (name != kHeadBlock && m_frozen.contains(name)) known.insert(name);
    }
    m_frozen = known;
    for (auto it = m_multipliers.begin(); it != m_multipliers.end();) {
        it = m_network.hasBlock(it.key().toStdString()) ? std::next(it) : m_multipliers.erase(it);
    }
    m_messageLabel->hide();
    m_tree->show();
    rebuildTree();
    updateCounts();
    updateActions();
}

void FreezeMap::clearNetwork(const QString& message) {
    m_hasNetwork = false;
    m_network = {};
    m_updatingTree = true;
    m_tree->clear();
    m_updatingTree = false;
    m_tree->hide();
    m_messageLabel->setText(message);
    m_messageLabel->show();
    updateCounts();
    updateActions();
}

void FreezeMap::setFrozenBlocks(const QStringList& blocks) {
    QSet<QString> frozen(blocks.begin(), blocks.end());
    frozen.remove(kHeadBlock);
    if (m_hasNetwork) {
        for (auto it = frozen.begin(); it != frozen.end();) {
            it = m_network.hasBlock(it->toStdString()) ? std::next(it) : frozen.erase(it);
        }
    }
    m_frozen = frozen;
    syncTreeFromState();
    updateCounts();
    updateActions();
}

QStringList FreezeMap::frozenBlocks() const {
    QStringList ordered;
    if (!m_hasNetwork) {
        ordered = QStringList(m_frozen.begin(), m_frozen.end());
        ordered.sort();
        return ordered;
    }
    for (const auto& block : m_network.blocks) {
        if (m_frozen.contains(qs(block.name))) ordered << qs(block.name);
    }
    return ordered;
}

void FreezeMap::setLearningRateMultipliers(const QMap<QString, double>& multipliers) {
    m_multipliers.clear();
    for (auto it = multipliers.begin(); it != multipliers.end(); ++it) {
        if (it.value() != 1.0) m_multipliers.insert(it.key(), it.value());
    }
    syncTreeFromState();
}

QMap<QString, double> FreezeMap::learningRateMultipliers() const { return m_multipliers; }

void FreezeMap::setRecommendation(const QStringList& blocks, const QString& reason) {
    m_recommendation = blocks;
    m_recommendedButton->setToolTip(reason);
    updateActions();
}

qint64 FreezeMap::trainableParameters() const {
    return m_hasNetwork ? m_network.trainableParameters(stdSet(m_frozen)) : 0;
}

qint64 FreezeMap::totalParameters() const { return m_hasNetwork ? m_network.totalParameters() : 0; }

void FreezeMap::freezeUpTo(const QString& block) {
    if (!m_hasNetwork || block.isEmpty() || block == kHeadBlock) return;
    QSet<QString> blocks;
    for (const auto& name : m_network.blocksUpTo(block.toStdString())) blocks.insert(qs(name));
    if (blocks.isEmpty()) return;
    applyFrozen(blocks);
}

void FreezeMap::applyRecommendation() {
    applyFrozen(QSet<QString>(m_recommendation.begin(), m_recommendation.end()));
}

void FreezeMap::unfreezeAll() { applyFrozen({}); }

void FreezeMap::applyFrozen(QSet<QString> frozen) {
    frozen.remove(kHeadBlock);
    if (frozen == m_frozen) return;
    m_frozen = frozen;
    syncTreeFromState();
    updateCounts();
    updateActions();
    Q_EMIT changed();
}

void FreezeMap::rebuildTree() {
    m_updatingTree = true;
    const QString current = currentBlock();
    m_tree->clear();
    const qint64 total = m_network.totalParameters();
    for (const auto& block : m_network.blocks) {
        const QString name = qs(block.name);
        const bool head = name == kHeadBlock;
        auto* item = new QTreeWidgetItem(m_tree);
        item->setText(kNameColumn, name);
        item->setData(kNameColumn, kBlockRole, name);
        item->setData(kParametersColumn, Qt::DisplayRole, qint64{block.parameters});
        item->setTextAlignment(kParametersColumn, Qt::AlignRight | Qt::AlignVCenter);
        item->setToolTip(
            kParametersColumn,
            QString("%1% of the network's parameters").arg(percentOf(block.parameters, total)));
        item->setToolTip(kMultiplierColumn, kMultiplierHelp);
        Qt::ItemFlags flags = Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsEditable;
        if (!head) flags |= Qt::ItemIsUserCheckable;
        item->setFlags(flags);
        item->setToolTip(
            kNameColumn,
            head ? QString("The new classifier for the project's classes. It always trains: "
                           "freezing it would leave nothing to learn.")
                 : QString("Modules: %1\nTick to freeze (Space): no gradient, and BatchNorm "
                           "statistics stay as loaded.")
                       .arg(joined(block.modulePaths, ", ")));
        for (const auto& layer : block.layers) {
            auto* child = new QTreeWidgetItem(item);
            // Under its block the block's own path says nothing: "branch1x1.conv (Conv2d)",
            // not seven rows cut to "Mixed…nv2d)".
            const QString path = pathWithinBlock(layer.path, block.modulePaths);
            child->setText(kNameColumn, layer.type.empty()
                                            ? path
                                            : QString("%1 (%2)").arg(path, qs(layer.type)));
            child->setData(kNameColumn, kBlockRole, name);
            child->setData(kParametersColumn, Qt::DisplayRole, qint64{layer.parameters});
            child->setTextAlignment(kParametersColumn, Qt::AlignRight | Qt::AlignVCenter);
            child->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
            // The whole path too: the column shows it within the block, and may cut it.
            const QString wholePath = layer.type.empty()
                                          ? qs(layer.path)
                                          : QString("%1 (%2)").arg(qs(layer.path), qs(layer.type));
            child->setToolTip(kNameColumn,
                              QString("%1\nFollows its block '%2' (freezing works per block).\n%3")
                                  .arg(wholePath, name, joined(layer.tensors, "\n")));
        }
        if (name == current) m_tree->setCurrentItem(item);
    }
    m_updatingTree = false;
    syncTreeFromState();
}

void FreezeMap::syncTreeFromState() {
    m_updatingTree = true;
    const QColor muted = palette().color(QPalette::Disabled, QPalette::Text);
    for (int i = 0; i < m_tree->topLevelItemCount(); ++i) {
        QTreeWidgetItem* item = m_tree->topLevelItem(i);
        const QString block = item->data(kNameColumn, kBlockRole).toString();
        const bool frozen = m_frozen.contains(block);
        const Qt::CheckState state = frozen ? Qt::Checked : Qt::Unchecked;
        item->setCheckState(kNameColumn, state);
        for (int c = 0; c < item->childCount(); ++c) {
            item->child(c)->setCheckState(kNameColumn, state);
        }
        const double multiplier = m_multipliers.value(block, 1.0);
        item->setData(kMultiplierColumn, Qt::EditRole, multiplier);
        QFont font = item->font(kMultiplierColumn);
        font.setBold(multiplier != 1.0);
        item->setFont(kMultiplierColumn, font);
        // A frozen block's multiplier does nothing; say so by muting it.
        item->setForeground(kMultiplierColumn, frozen ? QBrush(muted) : QBrush());
    }
    m_updatingTree = false;
}

void FreezeMap::updateCounts() {
    if (!m_hasNetwork) {
        m_countsLabel->clear();
        return;
    }
    const qint64 trainable = trainableParameters();
    const qint64 total = totalParameters();
    const QLocale locale;
    m_countsLabel->setText(
        // Two lines, each whole: one wrapped line broke at "· 0 of 14 blocks frozen".
        QString("Trainable: %1 of %2 parameters (%3%)\n%4 of %5 blocks frozen")
            .arg(locale.toString(trainable), locale.toString(total), percentOf(trainable, total))
            .arg(m_frozen.size())
            .arg(static_cast<qint64>(m_network.blocks.size())));
}

void FreezeMap::updateActions() {
    const QString block = currentBlock();
    const bool canFreezeUpTo = m_hasNetwork && !block.isEmpty() && block != kHeadBlock;
    m_freezeUpToButton->setEnabled(canFreezeUpTo);
    m_freezeUpToAction->setEnabled(canFreezeUpTo);
    m_freezeUpToButton->setText(canFreezeUpTo ? QString("Freeze up to %1").arg(block)
                                              : QString("Freeze up to here"));
    // As wide as its longest text for this network, so that choosing another block moves
    // neither it nor the buttons beside it.
    const QFontMetrics metrics(m_freezeUpToButton->font());
    const int padding = m_freezeUpToButton->sizeHint().width() -
                        metrics.horizontalAdvance(m_freezeUpToButton->text());
    int widest = metrics.horizontalAdvance("Freeze up to here");
    for (const auto& name : m_network.blocks) {
        widest = std::max(
            widest, metrics.horizontalAdvance("Freeze up to " + QString::fromStdString(name.name)));
    }
    m_freezeUpToButton->setMinimumWidth(widest + padding);
    m_recommendedButton->setEnabled(m_hasNetwork);
    m_unfreezeAllButton->setEnabled(m_hasNetwork && !m_frozen.isEmpty());
}

void FreezeMap::onItemChanged(QTreeWidgetItem* item, int column) {
    if (m_updatingTree || !isBlockItem(item)) return;
    const QString block = item->data(kNameColumn, kBlockRole).toString();
    if (column == kNameColumn) {
        setBlockFrozen(block, item->checkState(kNameColumn) == Qt::Checked);
    } else if (column == kMultiplierColumn) {
        const double value = std::clamp(item->data(kMultiplierColumn, Qt::EditRole).toDouble(),
                                        kMinimumMultiplier, kMaximumMultiplier);
        if (value == m_multipliers.value(block, 1.0)) return;
        if (value == 1.0) {
            m_multipliers.remove(block);
        } else {
            m_multipliers.insert(block, value);
        }
        syncTreeFromState();
        Q_EMIT changed();
    }
}

void FreezeMap::setBlockFrozen(const QString& block, bool frozen) {
    QSet<QString> next = m_frozen;
    if (frozen) {
        next.insert(block);
    } else {
        next.remove(block);
    }
    applyFrozen(next);
}

void FreezeMap::editMultiplier(QTreeWidgetItem* blockItem) {
    if (!blockItem) return;
    m_tree->setCurrentItem(blockItem, kMultiplierColumn);
    m_tree->editItem(blockItem, kMultiplierColumn);
}

QTreeWidgetItem* FreezeMap::currentBlockItem() const {
    QTreeWidgetItem* item = m_tree->currentItem();
    while (item && item->parent()) item = item->parent();
    return item;
}

QString FreezeMap::currentBlock() const {
    const QTreeWidgetItem* item = currentBlockItem();
    return item ? item->data(kNameColumn, kBlockRole).toString() : QString();
}

void FreezeMap::showContextMenu(const QPoint& position) {
    QTreeWidgetItem* item = m_tree->itemAt(position);
    if (!item) return;
    m_tree->setCurrentItem(item);
    QTreeWidgetItem* blockItem = currentBlockItem();
    const QString block = currentBlock();
    const bool head = block == kHeadBlock;

    QMenu menu(this);
    menu.addAction(m_freezeUpToAction);
    QAction* toggle = menu.addAction(m_frozen.contains(block) ? QString("Unfreeze %1").arg(block)
                                                              : QString("Freeze %1").arg(block));
    toggle->setEnabled(!head);
    connect(toggle, &QAction::triggered, this,
            [this, block] { setBlockFrozen(block, !m_frozen.contains(block)); });
    QAction* edit = menu.addAction("Set learning-rate multiplier...");
    edit->setShortcut(QKeySequence(Qt::Key_F2));
    connect(edit, &QAction::triggered, this, [this, blockItem] { editMultiplier(blockItem); });
    QAction* reset = menu.addAction("Reset learning-rate multiplier");
    reset->setEnabled(m_multipliers.contains(block));
    connect(reset, &QAction::triggered, this, [this, blockItem] {
        blockItem->setData(kMultiplierColumn, Qt::EditRole, 1.0);  // onItemChanged records it
    });
    menu.addSeparator();
    QAction* recommended = menu.addAction("Recommended freezing");
    recommended->setToolTip(m_recommendedButton->toolTip());
    connect(recommended, &QAction::triggered, this, &FreezeMap::applyRecommendation);
    QAction* unfreeze = menu.addAction("Unfreeze all");
    unfreeze->setEnabled(!m_frozen.isEmpty());
    connect(unfreeze, &QAction::triggered, this, &FreezeMap::unfreezeAll);
    menu.addSeparator();
    connect(menu.addAction("Expand all"), &QAction::triggered, m_tree, &QTreeWidget::expandAll);
    connect(menu.addAction("Collapse all"), &QAction::triggered, m_tree, &QTreeWidget::collapseAll);
    menu.exec(m_tree->viewport()->mapToGlobal(position));
}

bool FreezeMap::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_tree && event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        QTreeWidgetItem* blockItem = currentBlockItem();
        // Whatever column is current, Space acts on the block's box and F2 on its multiplier.
        if (key->key() == Qt::Key_Space && key->modifiers() == Qt::NoModifier && blockItem) {
            if (blockItem->flags() & Qt::ItemIsUserCheckable) {
                const QString block = currentBlock();
                setBlockFrozen(block, !m_frozen.contains(block));
            }
            return true;
        }
        if (key->key() == Qt::Key_F2 && blockItem) {
            editMultiplier(blockItem);
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

}  // namespace fovea::ui
