#pragma once

#include <QImage>
#include <QPixmap>

namespace fovea::ui {

// A thumbnail filling a square of `side` pixels (aspect kept): small images (Fashion-MNIST's
// 28 px) are scaled up too, so they are not specks in the Health page's tiles and rows.
inline QPixmap fittedThumbnail(const QImage& image, int side) {
    if (image.isNull()) return {};
    return QPixmap::fromImage(
        image.scaled(side, side, Qt::KeepAspectRatio, Qt::SmoothTransformation));
}

}  // namespace fovea::ui
