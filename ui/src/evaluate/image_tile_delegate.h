#pragma once

#include <QStyledItemDelegate>

namespace fovea::ui {

// One image of the Evaluate page's lists (a confusion cell's images, the top losses) as a tile
// of fixed size: the thumbnail fitted into a square (a grey placeholder while it decodes), and
// under it the item's text, one caption line per '\n'-separated line, each elided to the tile's
// width. Every tile has the same size whatever its text or thumbnail, so the list lays them out
// as a regular grid; the item's tooltip carries the full caption.
class ImageTileDelegate : public QStyledItemDelegate {
    Q_OBJECT
  public:
    static constexpr int kCaptionLines = 2;

    ImageTileDelegate(int side, int captionWidth, QObject* parent = nullptr);

    // The caption lines as drawn in a tile for `text` with `metrics`: at most kCaptionLines,
    // each elided to the caption width.
    QStringList shownCaption(const QFontMetrics& metrics, const QString& text) const;
    // Where the thumbnail square and the caption lines go in a tile at `tile`.
    QRect thumbnailRect(const QRect& tile) const;
    QRect captionRect(const QRect& tile, const QFontMetrics& metrics) const;

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

  private:
    int m_side;
    int m_width;  // of the tile
};

}  // namespace fovea::ui
