#include "data/thumbnail_delegate.h"

#include <QApplication>
#include <QPainter>
#include <algorithm>

#include "data/image_list_model.h"

namespace fovea::ui {

namespace {

constexpr int kMargin = 4;
constexpr int kBandHeight = 18;
constexpr int kOutlineWidth = 2;  // a suggestion's hollow band

}  // namespace

ThumbnailDelegate::ThumbnailDelegate(int side, QObject* parent)
    : QStyledItemDelegate(parent), m_side(side) {}

int ThumbnailDelegate::leastCellWidth() const { return m_side + 2 * kMargin; }

void ThumbnailDelegate::fitColumns(int width) {
    // QListView wraps a cell that reaches the last pixel of its row: one pixel stays free.
    const int usable = width - 1;
    const int columns = std::max(1, usable / leastCellWidth());
    m_cellWidth = std::max(leastCellWidth(), usable / columns);
}

QSize ThumbnailDelegate::sizeHint(const QStyleOptionViewItem&, const QModelIndex&) const {
    return {std::max(m_cellWidth, leastCellWidth()), m_side + kBandHeight + 2 * kMargin};
}

void ThumbnailDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                              const QModelIndex& index) const {
    painter->save();
    const QPalette& palette = option.palette;
    const bool selected = option.state & QStyle::State_Selected;
    const QRect cell = option.rect.adjusted(1, 1, -1, -1);
    if (selected) painter->fillRect(cell, palette.color(QPalette::Highlight));

    // Centred in a cell widened to fill the row.
    const QRect square(cell.left() + (cell.width() - m_side) / 2, cell.top() + kMargin - 1, m_side,
                       m_side);
    const QString error = index.data(ImageListModel::ErrorRole).toString();
    const QImage image = index.data(Qt::DecorationRole).value<QImage>();
    if (!error.isEmpty()) {
        painter->fillRect(square, QColor(60, 30, 30));
        painter->setPen(QPen(QColor(230, 70, 60), 3));
        const QRect cross = square.adjusted(m_side / 3, m_side / 4, -m_side / 3, -m_side / 2);
        painter->drawLine(cross.topLeft(), cross.bottomRight());
        painter->drawLine(cross.topRight(), cross.bottomLeft());
        painter->setPen(QColor(240, 200, 200));
        painter->drawText(square.adjusted(2, m_side / 2, -2, -2),
                          Qt::AlignCenter | Qt::TextWordWrap, "unreadable");
    } else if (image.isNull()) {
        painter->fillRect(square, palette.color(QPalette::Mid).lighter(130));
        painter->setPen(palette.color(QPalette::Dark));
        painter->drawText(square, Qt::AlignCenter, "…");
    } else {
        const QSize size = image.size().scaled(square.size(), Qt::KeepAspectRatio);
        const QRect target(square.left() + (m_side - size.width()) / 2,
                           square.top() + (m_side - size.height()) / 2, size.width(),
                           size.height());
        painter->setRenderHint(QPainter::SmoothPixmapTransform);
        painter->drawImage(target, image);
        // A hairline frame: an image with white edges (a product shot, a transparent PNG,
        // which the network sees on white) read as an empty cell without one.
        painter->setPen(QPen(palette.color(QPalette::Mid), 1));
        painter->setBrush(Qt::NoBrush);
        painter->drawRect(target.adjusted(0, 0, -1, -1));
    }

    // The label band: class colour and name, a model's suggestion, or a neutral "unlabeled".
    const QRect band(square.left(), square.bottom() + 2, m_side, kBandHeight - 2);
    QFont font = option.font;
    font.setPointSizeF(font.pointSizeF() * 0.85);
    painter->setFont(font);
    const QColor colour = index.data(ImageListModel::ClassColourRole).value<QColor>();
    const QString suggested = index.data(ImageListModel::SuggestedClassNameRole).toString();
    const QVariant boxBadge = index.data(ImageListModel::BoxBadgeRole);
    if (boxBadge.isValid()) {
        // A detection project: the image's box count, "background", or nothing while nobody
        // has annotated it.
        const QString text = boxBadge.toString();
        if (!text.isEmpty()) {
            const int width =
                std::min(band.width(), painter->fontMetrics().horizontalAdvance(text) + 10);
            const QRect chip(band.left(), band.top(), width, band.height());
            painter->fillRect(chip, selected ? palette.color(QPalette::Base)
                                             : palette.color(QPalette::AlternateBase).darker(108));
            painter->setPen(palette.color(QPalette::Text));
            painter->drawText(chip, Qt::AlignCenter, text);
        }
    } else if (colour.isValid()) {
        const QString name = index.data(ImageListModel::ClassNameRole).toString();
        painter->fillRect(band, colour);
        painter->setPen(colour.lightness() > 150 ? Qt::black : Qt::white);
        painter->drawText(
            band.adjusted(3, 0, -3, 0), Qt::AlignVCenter | Qt::AlignLeft,
            painter->fontMetrics().elidedText(name, Qt::ElideRight, band.width() - 6));
    } else if (!suggested.isEmpty()) {
        paintSuggestion(
            painter, band, index,
            selected ? palette.color(QPalette::HighlightedText) : palette.color(QPalette::Text));
    } else {
        painter->setPen(selected ? palette.color(QPalette::HighlightedText)
                                 : palette.color(QPalette::PlaceholderText));
        painter->drawText(band.adjusted(3, 0, -3, 0), Qt::AlignVCenter | Qt::AlignLeft,
                          "unlabeled");
    }

    const QString split = index.data(ImageListModel::SplitBadgeRole).toString();
    if (!split.isEmpty()) {
        const QRect tag(square.right() - 30, square.top() + 2, 28, 14);
        painter->fillRect(tag, QColor(0, 0, 0, 150));
        painter->setPen(Qt::white);
        painter->drawText(tag, Qt::AlignCenter, split);
    }
    if (index.data(ImageListModel::ExcludedRole).toBool()) {
        // Dimmed, as out of play, and said in words: the tag is what a search for it finds.
        painter->fillRect(square, QColor(255, 255, 255, 140));
        const QString text = "excluded";
        const int width = painter->fontMetrics().horizontalAdvance(text) + 8;
        const QRect tag(square.left() + 2, square.bottom() - 15, width, 14);
        painter->fillRect(tag, QColor(90, 90, 90, 220));
        painter->setPen(Qt::white);
        painter->drawText(tag, Qt::AlignCenter, text);
    }
    if (index.data(ImageListModel::WatchedRole).toBool()) {
        const QRect tag(square.left() + 2, square.top() + 2, 38, 14);
        painter->fillRect(tag, QColor(255, 127, 14, 220));
        painter->setPen(Qt::white);
        painter->drawText(tag, Qt::AlignCenter, "watch");
    }
    painter->restore();
}

void ThumbnailDelegate::paintSuggestion(QPainter* painter, const QRect& band,
                                        const QModelIndex& index, const QColor& textColour) const {
    // Hollow, so a suggestion never passes for a label at a glance: the class colour as an
    // outline, "Coat? 87%" inside. The percentage always shows; a long name gives way.
    const QColor colour = index.data(ImageListModel::SuggestedClassColourRole).value<QColor>();
    const QString name = index.data(ImageListModel::SuggestedClassNameRole).toString();
    const double confidence = index.data(ImageListModel::SuggestionConfidenceRole).toDouble();
    const QString percent = QString("? %1%").arg(qRound(confidence * 100));
    painter->setPen(QPen(colour.isValid() ? colour : textColour, kOutlineWidth));
    painter->setBrush(Qt::NoBrush);
    const int inset = kOutlineWidth / 2;
    painter->drawRect(band.adjusted(inset, inset, -inset - 1, -inset - 1));
    const QFontMetrics metrics = painter->fontMetrics();
    const QRect text = band.adjusted(3 + kOutlineWidth, 0, -3 - kOutlineWidth, 0);
    const int nameWidth = std::max(0, text.width() - metrics.horizontalAdvance(percent));
    painter->setPen(textColour);
    painter->drawText(text, Qt::AlignVCenter | Qt::AlignLeft,
                      metrics.elidedText(name, Qt::ElideRight, nameWidth) + percent);
}

}  // namespace fovea::ui
