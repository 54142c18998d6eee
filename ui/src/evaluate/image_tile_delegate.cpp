#include "evaluate/image_tile_delegate.h"

#include <QApplication>
#include <QIcon>
#include <QPainter>
#include <algorithm>

namespace fovea::ui {

namespace {

constexpr int kMargin = 4;  // around the thumbnail and the caption, inside the tile

}  // namespace

ImageTileDelegate::ImageTileDelegate(int side, int captionWidth, QObject* parent)
    : QStyledItemDelegate(parent),
      m_side(side),
      m_width(std::max(side, captionWidth) + 2 * kMargin) {}

QStringList ImageTileDelegate::shownCaption(const QFontMetrics& metrics,
                                            const QString& text) const {
    QStringList lines = text.split('\n');
    while (lines.size() > kCaptionLines) lines.removeLast();
    for (QString& line : lines) {
        line = metrics.elidedText(line, Qt::ElideRight, m_width - 2 * kMargin);
    }
    return lines;
}

QRect ImageTileDelegate::thumbnailRect(const QRect& tile) const {
    return {tile.left() + (tile.width() - m_side) / 2, tile.top() + kMargin, m_side, m_side};
}

QRect ImageTileDelegate::captionRect(const QRect& tile, const QFontMetrics& metrics) const {
    return {tile.left() + kMargin, tile.top() + kMargin + m_side + kMargin,
            tile.width() - 2 * kMargin, kCaptionLines * metrics.lineSpacing()};
}

QSize ImageTileDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const {
    const int caption = kCaptionLines * option.fontMetrics.lineSpacing();
    return {m_width, kMargin + m_side + kMargin + caption + kMargin};
}

void ImageTileDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                              const QModelIndex& index) const {
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    painter->save();
    // The view's own background for hover and selection, without its icon and text layout.
    opt.text.clear();
    opt.icon = QIcon();
    opt.features &= ~QStyleOptionViewItem::HasDecoration;
    opt.features &= ~QStyleOptionViewItem::HasDisplay;
    opt.showDecorationSelected = true;
    const QWidget* widget = option.widget;
    QStyle* style = widget ? widget->style() : QApplication::style();
    style->drawPrimitive(QStyle::PE_PanelItemViewItem, &opt, painter, widget);

    const QRect square = thumbnailRect(option.rect);
    const QIcon icon = index.data(Qt::DecorationRole).value<QIcon>();
    const QPixmap pixmap = icon.isNull() ? QPixmap() : icon.pixmap(m_side, m_side);
    if (pixmap.isNull()) {
        painter->fillRect(square, option.palette.color(QPalette::Mid).lighter(130));
        painter->setPen(option.palette.color(QPalette::Dark));
        painter->drawText(square, Qt::AlignCenter, "…");
    } else {
        const QSize size = pixmap.size().scaled(square.size(), Qt::KeepAspectRatio);
        const QRect target(square.left() + (m_side - size.width()) / 2,
                           square.top() + (m_side - size.height()) / 2, size.width(),
                           size.height());
        painter->setRenderHint(QPainter::SmoothPixmapTransform);
        painter->drawPixmap(target, pixmap);
    }

    const bool selected = option.state & QStyle::State_Selected;
    painter->setPen(option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
    painter->setFont(option.font);
    const QFontMetrics metrics(option.font);
    QRect line = captionRect(option.rect, metrics);
    line.setHeight(metrics.lineSpacing());
    for (const QString& text : shownCaption(metrics, index.data(Qt::DisplayRole).toString())) {
        painter->drawText(line, Qt::AlignHCenter | Qt::AlignTop | Qt::TextSingleLine, text);
        line.translate(0, metrics.lineSpacing());
    }
    painter->restore();
}

}  // namespace fovea::ui
