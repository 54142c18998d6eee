#include "data/class_chooser.h"

#include <QFocusEvent>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QVBoxLayout>
#include <algorithm>

namespace fovea::ui {

namespace {

constexpr int kIdRole = Qt::UserRole + 1;  // qint64: the class
// A dozen rows show data sets of up to twelve classes (Fashion-MNIST's ten, CIFAR-10's) whole;
// longer lists scroll.
constexpr int kMaxVisibleRows = 12;
constexpr int kMaxWidth = 340;
constexpr int kMargin = 8;  // from the grid's edges

}  // namespace

ClassChooser::ClassChooser(QWidget* parent)
    : QFrame(parent), m_edit(new QLineEdit(this)), m_matches(new QListWidget(this)) {
    setObjectName("classChooser");
    setFrameShape(QFrame::StyledPanel);
    setFrameShadow(QFrame::Raised);
    setAutoFillBackground(true);

    auto* title = new QLabel("Label the selection as:", this);
    m_edit->setObjectName("classChooserEdit");
    m_edit->setPlaceholderText("Type the start of a class name");
    m_edit->installEventFilter(this);
    connect(m_edit, &QLineEdit::textChanged, this, &ClassChooser::showMatches);
    m_matches->setObjectName("classChooserMatches");
    // The typing stays in the line edit; a click still chooses.
    m_matches->setFocusPolicy(Qt::NoFocus);
    m_matches->setUniformItemSizes(true);
    connect(m_matches, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
        m_matches->setCurrentItem(item);
        choose();
    });
    auto* hint = new QLabel("Enter labels · Esc closes", this);
    hint->setEnabled(false);  // drawn as a secondary note

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->setSpacing(4);
    layout->addWidget(title);
    layout->addWidget(m_edit);
    layout->addWidget(m_matches);
    layout->addWidget(hint);
    parent->installEventFilter(this);  // follows the grid's size
    hide();
}

void ClassChooser::open(const QList<Entry>& classes) {
    m_classes = classes;
    m_edit->clear();
    showMatches();
    show();
    raise();
    m_edit->setFocus(Qt::ShortcutFocusReason);
}

void ClassChooser::dismiss() {
    if (!isVisible()) return;
    hide();
    Q_EMIT dismissed();
}

QList<qsizetype> ClassChooser::rankNames(const QStringList& names, const QString& text) {
    // The whole name first, so every class can be chosen even when its name starts another
    // (e.g. "Shirt" after "Shirt, long"); "boot" still finds "Ankle boot".
    QList<qsizetype> exact;
    QList<qsizetype> starting;
    QList<qsizetype> containing;
    for (qsizetype i = 0; i < names.size(); ++i) {
        if (names[i].compare(text, Qt::CaseInsensitive) == 0) {
            exact << i;
        } else if (names[i].startsWith(text, Qt::CaseInsensitive)) {
            starting << i;
        } else if (names[i].contains(text, Qt::CaseInsensitive)) {
            containing << i;
        }
    }
    return exact + starting + containing;
}

QString ClassChooser::shortestPrefix(const QStringList& names, qsizetype index) {
    const QString& name = names[index];
    for (qsizetype length = 1; length < name.size(); ++length) {
        const QString prefix = name.left(length).toLower();
        if (prefix.trimmed() == prefix && rankNames(names, prefix).value(0, -1) == index) {
            return prefix;
        }
    }
    return name.toLower();
}

void ClassChooser::showMatches() {
    const QString text = m_edit->text().trimmed();
    QStringList names;
    for (const Entry& entry : m_classes) names << entry.name;
    m_matches->clear();
    for (qsizetype i : rankNames(names, text)) {
        const Entry* entry = &m_classes[i];
        const QString label = entry->key.isEmpty()
                                  ? entry->name
                                  : QString("%1   (key %2)").arg(entry->name, entry->key);
        auto* item = new QListWidgetItem(label, m_matches);
        item->setData(kIdRole, QVariant::fromValue<qint64>(entry->id));
    }
    if (m_matches->count() > 0) {
        m_matches->setCurrentRow(0);
    } else {
        auto* none = new QListWidgetItem(QString("No class name has \"%1\"").arg(text), m_matches);
        none->setFlags(Qt::NoItemFlags);
    }
    place();
}

void ClassChooser::choose() {
    QListWidgetItem* item = m_matches->currentItem();
    if (!item || !item->data(kIdRole).isValid()) return;  // nothing matches: stay open
    const core::ClassId id = item->data(kIdRole).value<qint64>();
    hide();
    Q_EMIT chosen(id);
}

void ClassChooser::place() {
    QWidget* area = parentWidget();
    int rows = std::clamp(m_matches->count(), 1, kMaxVisibleRows);
    const int hinted = m_matches->sizeHintForRow(0);
    const int rowHeight = hinted > 0 ? hinted : fontMetrics().height() + 4;
    const auto setRows = [&] {
        m_matches->setFixedHeight(rows * rowHeight + 2 * m_matches->frameWidth());
    };
    setRows();
    // In a short grid, fewer rows (that scroll) rather than a box cut off at its bottom.
    const int excess = sizeHint().height() - (area->height() - 2 * kMargin);
    if (excess > 0 && rows > 1) {
        rows = std::max(1, rows - (excess + rowHeight - 1) / rowHeight);
        setRows();
    }
    const int width = std::max(160, std::min(kMaxWidth, area->width() - 2 * kMargin));
    resize(width, sizeHint().height());
    move((area->width() - width) / 2, kMargin);
}

bool ClassChooser::eventFilter(QObject* watched, QEvent* event) {
    if (watched == parentWidget() && event->type() == QEvent::Resize && isVisible()) place();
    if (watched != m_edit) return QFrame::eventFilter(watched, event);
    if (event->type() == QEvent::FocusOut) {
        // Clicking elsewhere closes it; another window (a message box) taking focus does not.
        const auto reason = static_cast<QFocusEvent*>(event)->reason();
        if (reason != Qt::ActiveWindowFocusReason && reason != Qt::PopupFocusReason) dismiss();
        return false;
    }
    if (event->type() != QEvent::KeyPress) return false;
    const auto* key = static_cast<QKeyEvent*>(event);
    const int count = m_matches->count();
    const int row = m_matches->currentRow();
    switch (key->key()) {
        case Qt::Key_Escape:
            dismiss();
            return true;
        case Qt::Key_Return:
        case Qt::Key_Enter:
            choose();
            return true;
        case Qt::Key_Down:
            if (count > 0) m_matches->setCurrentRow(std::min(row + 1, count - 1));
            return true;
        case Qt::Key_Up:
            if (count > 0) m_matches->setCurrentRow(std::max(row - 1, 0));
            return true;
        case Qt::Key_PageDown:
            if (count > 0) m_matches->setCurrentRow(std::min(row + kMaxVisibleRows, count - 1));
            return true;
        case Qt::Key_PageUp:
            if (count > 0) m_matches->setCurrentRow(std::max(row - kMaxVisibleRows, 0));
            return true;
        default:
            return false;
    }
}

}  // namespace fovea::ui
