#include "train/watch_set_view.h"

#include <QFileInfo>
#include <QHeaderView>
#include <QPainter>
#include <QPixmap>

#include "data/thumbnail_cache.h"
#include "project/project_session.h"

namespace fovea::ui {

namespace {

constexpr int kThumbnailSide = 48;
const QColor kRightColour(198, 239, 206);
const QColor kWrongColour(255, 199, 206);

}  // namespace

WatchSetView::WatchSetView(QWidget* parent)
    : QTableWidget(parent), m_thumbnails(new ThumbnailCache(kThumbnailSide, this)) {
    setObjectName("watchSetView");
    setColumnCount(0);
    setEditTriggers(QAbstractItemView::NoEditTriggers);
    setSelectionMode(QAbstractItemView::NoSelection);
    setIconSize(QSize(kThumbnailSide, kThumbnailSide));
    verticalHeader()->setDefaultSectionSize(kThumbnailSide + 6);
    horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    setToolTip(
        "Images pinned on the Data page (key W): the network's guess for each, before training "
        "and after every epoch.");
    connect(m_thumbnails, &ThumbnailCache::thumbnailReady, this, [this](qint64 id) {
        const int row = static_cast<int>(m_ids.indexOf(id));
        if (row < 0 || !verticalHeaderItem(row)) return;
        verticalHeaderItem(row)->setIcon(
            QPixmap::fromImage(m_thumbnails->request(id, m_files[row])));
    });
}

void WatchSetView::setSession(ProjectSession* session) {
    if (m_session) disconnect(m_session, nullptr, this, nullptr);
    m_session = session;
    m_thumbnails->clear();
    if (m_session) {
        connect(m_session, &ProjectSession::watchSetChanged, this, &WatchSetView::reload);
        connect(m_session, &ProjectSession::labelsChanged, this, &WatchSetView::reload);
        connect(m_session, &ProjectSession::classesChanged, this, &WatchSetView::reload);
    }
    reload();
}

void WatchSetView::reload() {
    QList<qint64> ids;
    QStringList files;
    QStringList labels;
    if (m_session) {
        const QHash<core::ClassId, QString> classNames = m_session->classNames();
        for (qint64 id : m_session->watchedImages()) {
            auto record = m_session->store().image(id);
            if (!record) continue;
            ids << id;
            files << QString::fromStdString(record.value().path.string());
            const auto classId = record.value().classId;
            labels << (classId ? classNames.value(*classId) : QString());
        }
    }
    // The same images (e.g. one was relabeled): the predictions so far stay.
    const bool sameImages = ids == m_ids;
    m_ids = ids;
    m_files = files;
    m_labels = labels;
    // Otherwise the columns no longer match the rows; a changed set starts over.
    if (!sameImages) setColumnCount(0);
    setRowCount(static_cast<int>(m_ids.size()));
    // Each image in the row header, which stays in view however many epochs there are.
    for (int row = 0; row < m_ids.size(); ++row) {
        const QString text =
            QString("%1\n%2").arg(QFileInfo(m_files[row]).fileName(),
                                  m_labels[row].isEmpty() ? "(unlabeled)" : m_labels[row]);
        auto* header = new QTableWidgetItem(text);
        header->setToolTip(m_files[row]);
        header->setTextAlignment(Qt::AlignLeft | Qt::AlignVCenter);
        const QImage thumbnail = m_thumbnails->request(m_ids[row], m_files[row]);
        if (!thumbnail.isNull()) header->setIcon(QPixmap::fromImage(thumbnail));
        setVerticalHeaderItem(row, header);
    }
}

void WatchSetView::clearPredictions() {
    setColumnCount(0);
    m_runFiles = m_files;
}

void WatchSetView::addPredictions(qint64 epoch, const QVector<WatchPrediction>& predictions) {
    // The set changed while the run went on: these predictions are for other rows.
    if (m_runFiles != m_files || rowCount() == 0) return;
    // The newest first, where it is seen without scrolling.
    const int column = 0;
    insertColumn(column);
    setHorizontalHeaderItem(
        column,
        new QTableWidgetItem(epoch < 0 ? QString("start") : QString("epoch %1").arg(epoch + 1)));
    for (int row = 0; row < rowCount() && row < predictions.size(); ++row) {
        const WatchPrediction& p = predictions[row];
        auto* cell = new QTableWidgetItem;
        if (!p.error.isEmpty()) {
            cell->setText("unreadable");
            cell->setToolTip(p.error);
        } else {
            cell->setText(QString("%1\n%2%").arg(p.label).arg(100.0 * p.probability, 0, 'f', 0));
            if (!m_labels[row].isEmpty()) {
                cell->setBackground(p.label == m_labels[row] ? kRightColour : kWrongColour);
            }
        }
        setItem(row, column, cell);
    }
}

QString WatchSetView::emptyText() {
    return "Watch set: pin images on the Data page (key W) to see the network's guess for each "
           "after every epoch.";
}

void WatchSetView::paintEvent(QPaintEvent* event) {
    QTableWidget::paintEvent(event);
    if (rowCount() > 0) return;
    // An empty white panel says nothing; this says what it is for.
    QPainter painter(viewport());
    painter.setPen(palette().color(QPalette::PlaceholderText));
    painter.drawText(viewport()->rect().adjusted(12, 12, -12, -12),
                     Qt::AlignCenter | Qt::TextWordWrap, emptyText());
}

}  // namespace fovea::ui
