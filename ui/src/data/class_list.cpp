#include "data/class_list.h"

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QHeaderView>
#include <QMimeData>
#include <QPainter>
#include <QPixmap>

#include "data/class_chooser.h"
#include "data/image_list_model.h"
#include "project/project_session.h"

namespace fovea::ui {

namespace {

constexpr int kClassIdRole = Qt::UserRole + 1;  // qint64; absent on the "Unlabeled" row

QIcon colourSwatch(const QColor& colour) {
    QPixmap pixmap(14, 14);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setBrush(colour.isValid() ? colour : ClassList::unlabeledColour());
    painter.setPen(QColor(0, 0, 0, 90));
    painter.drawRoundedRect(QRectF(0.5, 0.5, 13, 13), 3, 3);
    return QIcon(pixmap);
}

QString countText(std::int64_t count) { return count == 0 ? QString("–") : QString::number(count); }

}  // namespace

ClassList::ClassList(QWidget* parent) : QTreeWidget(parent) {
    setObjectName("classList");
    setColumnCount(6);
    setHeaderLabels({"Key", "Class", "Images", "Train", "Val", "Test"});
    headerItem()->setToolTip(KeyColumn,
                             "Press this key in the image grid to give the selected "
                             "images this class (0: remove the label). L \"tr\": press L, type "
                             "\"tr\" (the start of the class's name) and Enter; this works for "
                             "every class.");
    headerItem()->setToolTip(TrainColumn, "Usable images in the training split.");
    setRootIsDecorated(false);
    setUniformRowHeights(true);
    setAlternatingRowColors(true);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setAcceptDrops(true);
    setDropIndicatorShown(true);
    viewport()->setAcceptDrops(true);
    header()->setStretchLastSection(false);
    header()->setSectionResizeMode(NameColumn, QHeaderView::Stretch);
    for (int column : {KeyColumn, TotalColumn, TrainColumn, ValColumn, TestColumn}) {
        header()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
    }
}

void ClassList::setSession(ProjectSession* session) {
    m_session = session;
    refresh();
}

void ClassList::refresh() {
    const std::optional<core::ClassId> selected = selectedClass();
    const bool hadSelection = currentItem() != nullptr;
    clear();
    m_order.clear();
    if (!m_session) return;
    auto classes = m_session->store().classes();
    auto counts = m_session->store().classCounts();
    if (!m_session->check(classes) || !m_session->check(counts)) return;

    auto addRow = [this](const QString& key, const QString& name, const QColor& colour,
                         const core::ClassCounts& count) {
        auto* item = new QTreeWidgetItem(this);
        item->setText(KeyColumn, key);
        item->setTextAlignment(KeyColumn, Qt::AlignCenter);
        item->setText(NameColumn, name);
        item->setIcon(NameColumn, colourSwatch(colour));
        item->setText(TotalColumn, QString::number(count.total));
        item->setText(TrainColumn, countText(count.train));
        item->setText(ValColumn, countText(count.val));
        item->setText(TestColumn, countText(count.test));
        for (int column = TotalColumn; column <= TestColumn; ++column) {
            item->setTextAlignment(column, Qt::AlignRight | Qt::AlignVCenter);
        }
        QStringList tip{QString("%1: %2 images").arg(name).arg(count.total)};
        if (count.unassigned > 0) tip << QString("%1 usable without a split").arg(count.unassigned);
        if (count.failed > 0) tip << QString("%1 unreadable").arg(count.failed);
        if (count.missing > 0) tip << QString("%1 missing from disk").arg(count.missing);
        if (count.excluded > 0) tip << QString("%1 excluded").arg(count.excluded);
        item->setToolTip(NameColumn, tip.join('\n'));
        return item;
    };

    const auto& classList = classes.value();
    QStringList names;
    for (const auto& info : classList) names << QString::fromStdString(info.name);
    if (names != m_keyNames) {
        m_keyNames = names;
        m_typedKeys.clear();
        for (qsizetype i = 0; i < names.size(); ++i) {
            m_typedKeys << (i < kNumberedClasses ? QString()
                                                 : ClassChooser::shortestPrefix(names, i));
        }
    }
    for (size_t i = 0; i < classList.size(); ++i) {
        const auto& info = classList[i];
        core::ClassCounts count;
        for (const auto& c : counts.value()) {
            if (c.classId == info.id) count = c;
        }
        const auto position = static_cast<qsizetype>(i);
        const bool numbered = position < kNumberedClasses;
        const QString& typed = m_typedKeys[position];
        QTreeWidgetItem* item =
            addRow(numbered ? QString::number(position + 1) : QString("L \"%1\"").arg(typed),
                   names[position], QColor(QString::fromStdString(info.colour)), count);
        if (!numbered) {
            item->setToolTip(
                KeyColumn, QString("In the image grid: L, then type \"%1\" and Enter").arg(typed));
        }
        item->setData(NameColumn, kClassIdRole, QVariant::fromValue<qint64>(info.id));
        item->setFlags(item->flags() | Qt::ItemIsDropEnabled);
        m_order << info.id;
    }
    core::ClassCounts unlabeled;
    for (const auto& c : counts.value()) {
        if (!c.classId) unlabeled = c;
    }
    QTreeWidgetItem* unlabeledItem = addRow("0", "Unlabeled", QColor(), unlabeled);
    QFont italic = unlabeledItem->font(NameColumn);
    italic.setItalic(true);
    unlabeledItem->setFont(NameColumn, italic);
    // Unlabeled images are not trained or validated on: split counts there read as if they
    // were. Their split is kept for when they get a label, and said in the tooltip.
    const QString keptSplits =
        QString(
            "Unlabeled images are not trained or validated on. Once labeled, %1 go to "
            "train, %2 to val and %3 to test.")
            .arg(unlabeled.train)
            .arg(unlabeled.val)
            .arg(unlabeled.test);
    for (int column = TrainColumn; column <= TestColumn; ++column) {
        unlabeledItem->setText(column, QString());
        unlabeledItem->setToolTip(column, keptSplits);
    }

    if (hadSelection) {
        if (QTreeWidgetItem* item = itemForClass(selected)) setCurrentItem(item);
    }
}

std::optional<core::ClassId> ClassList::classAt(const QTreeWidgetItem* item) const {
    if (!item) return std::nullopt;
    const QVariant id = item->data(NameColumn, kClassIdRole);
    if (!id.isValid()) return std::nullopt;
    return id.value<qint64>();
}

std::optional<core::ClassId> ClassList::selectedClass() const { return classAt(currentItem()); }

QTreeWidgetItem* ClassList::itemForClass(std::optional<core::ClassId> id) const {
    for (int row = 0; row < topLevelItemCount(); ++row) {
        QTreeWidgetItem* item = topLevelItem(row);
        if (classAt(item) == id) return item;
    }
    return nullptr;
}

void ClassList::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasFormat(ImageListModel::kImageIdsMimeType)) {
        event->acceptProposedAction();
    } else {
        event->ignore();
    }
}

void ClassList::dragMoveEvent(QDragMoveEvent* event) {
    const bool onRow = itemAt(event->position().toPoint()) != nullptr;
    if (onRow && event->mimeData()->hasFormat(ImageListModel::kImageIdsMimeType)) {
        event->acceptProposedAction();
    } else {
        event->ignore();
    }
}

void ClassList::dropEvent(QDropEvent* event) {
    QTreeWidgetItem* item = itemAt(event->position().toPoint());
    const QList<qint64> ids = ImageListModel::imageIdsFrom(event->mimeData());
    if (!item || ids.isEmpty()) {
        event->ignore();
        return;
    }
    event->acceptProposedAction();
    Q_EMIT imagesDropped(classAt(item), ids);
}

}  // namespace fovea::ui
