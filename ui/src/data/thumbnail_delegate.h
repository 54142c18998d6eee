#pragma once

#include <QStyledItemDelegate>

namespace fovea::ui {

// Paints one cell of the image grid: the thumbnail centred in a square (a grey placeholder
// while it decodes), a band in the class colour with the class name (for an unlabeled image
// with a model's suggestion a hollow band, outlined in the suggested class's colour, "Coat?
// 87%"), the split as a small tag, and a red cross with "unreadable" for files that cannot be
// decoded or are gone.
class ThumbnailDelegate : public QStyledItemDelegate {
    Q_OBJECT
  public:
    explicit ThumbnailDelegate(int side, QObject* parent = nullptr);
    void setSide(int side) { m_side = side; }
    int side() const { return m_side; }
    // Widens the cells so that whole columns fill a row `width` pixels wide (the grid left a
    // strip unused at its right); called when the grid or the side changes.
    void fitColumns(int width);
    int leastCellWidth() const;

    void paint(QPainter* painter, const QStyleOptionViewItem& option,
               const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

  private:
    void paintSuggestion(QPainter* painter, const QRect& band, const QModelIndex& index,
                         const QColor& textColour) const;

    int m_side;
    int m_cellWidth = 0;
};

}  // namespace fovea::ui
