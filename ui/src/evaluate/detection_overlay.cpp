#include "evaluate/detection_overlay.h"

#include <QFontMetrics>
#include <QPainter>
#include <algorithm>
#include <cmath>
#include <iterator>
#include <optional>

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
    QVector<QRectF> rects;
    QVector<QSizeF> texts;
    for (const OverlayBox& box : boxes) {
        const QRectF rect((box.rect.topLeft() - origin) * scale, box.rect.size() * scale);
        QPen pen(box.colour, lineWidth, box.dashed ? Qt::DashLine : Qt::SolidLine);
        painter.setPen(pen);
        painter.setBrush(Qt::NoBrush);
        painter.drawRect(rect);
        rects.push_back(rect);
        texts.push_back(box.caption.isEmpty()
                            ? QSizeF()
                            : QSizeF(metrics.size(Qt::TextSingleLine, box.caption) + QSize(6, 2)));
    }
    // The captions over every box's lines.
    const QVector<QRectF> bands = placeCaptions(rects, texts, out.size(), lineWidth);
    for (int i = 0; i < boxes.size(); ++i) {
        if (boxes[i].caption.isEmpty()) continue;
        painter.fillRect(bands[i], boxes[i].colour);
        painter.setPen(Qt::white);
        painter.drawText(bands[i], Qt::AlignCenter, boxes[i].caption);
    }
    return out;
}

QVector<QRectF> placeCaptions(const QVector<QRectF>& rects, const QVector<QSizeF>& texts,
                              const QSizeF& picture, double lineWidth) {
    QVector<QRectF> bands(rects.size());
    QVector<QRectF> placed;
    for (int i = static_cast<int>(rects.size()) - 1; i >= 0; --i) {
        const QSizeF text = texts[i];
        if (text.isEmpty()) continue;
        const QRectF& rect = rects[i];
        const double left = std::clamp(rect.left() - lineWidth / 2, 0.0,
                                       std::max(0.0, picture.width() - text.width()));
        const double tops[] = {rect.top() - lineWidth / 2 - text.height(), rect.top(),
                               rect.bottom() + lineWidth / 2, rect.bottom() - text.height()};
        std::optional<QRectF> chosen;
        for (const double top : tops) {
            const QRectF band(QPointF(left, top), text);
            if (top < 0 || band.bottom() > picture.height()) continue;  // off the picture
            if (!chosen) chosen = band;  // the first on the picture, if every one overlaps
            const bool overlaps = std::any_of(placed.begin(), placed.end(),
                                              [&](const QRectF& b) { return b.intersects(band); });
            if (!overlaps) {
                chosen = band;
                break;
            }
        }
        // A picture too small for any place: inside the box's top, as before.
        bands[i] = chosen.value_or(QRectF(QPointF(left, std::max(0.0, rect.top())), text));
        placed.push_back(bands[i]);
    }
    return bands;
}

QRectF tileRegion(const QRectF& focus, const QSizeF& imageSize) {
    const double marginX = std::max(16.0, focus.width() / 4);
    const double marginY = std::max(16.0, focus.height() / 4);
    return focus.adjusted(-marginX, -marginY, marginX, marginY)
        .intersected(QRectF(QPointF(0, 0), imageSize));
}

}  // namespace fovea::ui
