#include "evaluate/detection_overlay.h"

#include <QFontMetrics>
#include <QPainter>
#include <algorithm>
#include <cmath>
#include <iterator>

namespace fovea::ui {

QColor detectorClassColour(int classIndex) {
    static const QRgb kTab10[] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                  0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
    const int count = static_cast<int>(std::size(kTab10));
    return QColor(kTab10[((classIndex % count) + count) % count]);
}

QImage drawOverlay(const QImage& picture, const QSizeF& imageSize, const QRectF& region,
                   int maxSide, const QVector<OverlayBox>& boxes) {
    if (picture.isNull() || imageSize.isEmpty() || region.isEmpty()) return {};
    const double toPicture = picture.width() / imageSize.width();
    const QRect source = QRectF(region.topLeft() * toPicture, region.size() * toPicture)
                             .toAlignedRect()
                             .intersected(picture.rect());
    if (source.isEmpty()) return {};
    QImage out = picture.copy(source).scaled(QSize(maxSide, maxSide), Qt::KeepAspectRatio,
                                             Qt::SmoothTransformation);
    out = out.convertToFormat(QImage::Format_RGB32);
    // Image pixels to output pixels.
    const double scale = out.width() / (source.width() / toPicture);
    const QPointF origin = QPointF(source.topLeft()) / toPicture;
    QPainter painter(&out);
    painter.setRenderHint(QPainter::Antialiasing);
    QFont font = painter.font();
    // In proportion to the picture: it is shown fitted to its view, so a caption stays
    // readable whatever size the picture was drawn at.
    const int longSide = std::max(out.width(), out.height());
    font.setPixelSize(std::max(10, longSide / 40));
    painter.setFont(font);
    const QFontMetrics metrics(font);
    const double lineWidth = std::max(2.0, longSide / 300.0);
    for (const OverlayBox& box : boxes) {
        const QRectF rect((box.rect.topLeft() - origin) * scale, box.rect.size() * scale);
        QPen pen(box.colour, lineWidth, box.dashed ? Qt::DashLine : Qt::SolidLine);
        painter.setPen(pen);
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(rect);
        if (box.caption.isEmpty()) continue;
        const QSize text = metrics.size(Qt::TextSingleLine, box.caption) + QSize(6, 2);
        // Above the box, or inside its top when the box touches the picture's top.
        QPointF at = rect.topLeft() - QPointF(lineWidth / 2, text.height());
        if (at.y() < 0) at.setY(rect.top());
        at.setX(std::clamp(at.x(), 0.0, std::max(0.0, double(out.width() - text.width()))));
        const QRectF band(at, text);
        painter.fillRect(band, box.colour);
        painter.setPen(Qt::white);
        painter.drawText(band, Qt::AlignCenter, box.caption);
    }
    return out;
}

QRectF tileRegion(const QRectF& focus, const QSizeF& imageSize) {
    const double marginX = std::max(16.0, focus.width() / 4);
    const double marginY = std::max(16.0, focus.height() / 4);
    return focus.adjusted(-marginX, -marginY, marginX, marginY)
        .intersected(QRectF(QPointF(0, 0), imageSize));
}

}  // namespace fovea::ui
