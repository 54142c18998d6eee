#include "health/unreadable_view.h"

#include <QHeaderView>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace fovea::ui {

namespace {
constexpr int kImageIdRole = Qt::UserRole + 1;
}

UnreadableView::UnreadableView(QWidget* parent) : QWidget(parent) {
    setObjectName("unreadableView");
    m_summary = new QLabel(this);
    m_summary->setObjectName("unreadableSummary");
    m_summary->setWordWrap(true);
    m_list = new QTreeWidget(this);
    m_list->setObjectName("unreadableList");
    m_list->setColumnCount(ColumnCount);
    m_list->setHeaderLabels({"File", "Problem"});
    m_list->setRootIsDecorated(false);
    m_list->setColumnWidth(FileColumn, 420);
    connect(m_list, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* item) {
        Q_EMIT imageActivated(item->data(FileColumn, kImageIdRole).toLongLong());
    });
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_summary);
    layout->addWidget(m_list, 1);
    showFiles({});
}

void UnreadableView::showFiles(const std::vector<core::UnreadableImage>& files) {
    m_list->clear();
    for (const core::UnreadableImage& file : files) {
        const QString path = QString::fromStdString(file.path.string());
        // Core's message names the file first; the File column has it already.
        QString error = QString::fromStdString(file.error);
        if (error.startsWith(path + ": ")) error = error.mid(path.size() + 2);
        auto* item = new QTreeWidgetItem(m_list, {path, error});
        item->setData(FileColumn, kImageIdRole, static_cast<qint64>(file.image));
        item->setToolTip(FileColumn, path);
        item->setToolTip(ErrorColumn, error);
    }
    if (files.empty()) {
        m_summary->setText("Every file was read and decoded in full.");
    } else if (files.size() == 1) {
        m_summary->setText(
            "1 file cannot be read: training leaves it out. Replace or remove it, then rescan "
            "the folders (File ▸ Rescan Folders).");
    } else {
        m_summary->setText(QString("%1 files cannot be read: training leaves them out. Replace "
                                   "or remove them, then rescan the folders (File ▸ Rescan "
                                   "Folders).")
                               .arg(files.size()));
    }
}

}  // namespace fovea::ui
