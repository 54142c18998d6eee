#include "widgets/image_preview.h"

#include <QPixmap>
#include <QResizeEvent>
#include <algorithm>

#include "data/thumbnail_cache.h"

namespace fovea::ui {

ImagePreview::ImagePreview(QWidget* parent) : QLabel(parent) {
    setAlignment(Qt::AlignCenter);
    setWordWrap(true);
    // The pixmap follows the widget's size, never the other way round: with the default policy
    // a fitted pixmap would become the label's size hint and the layout could only grow.
    setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
    setStyleSheet("QLabel { background: #2a2a2a; color: #bbbbbb; }");  // it has no children
}

bool ImagePreview::showFile(const QString& file) {
    QString error;
    // Twice the widget's size, and never tiny: a widget not laid out yet may still be small.
    const int side = std::max(512, 2 * std::max(width(), height()));
    const QImage image = decodeThumbnail(file, side, &error);
    if (image.isNull()) {
        showMessage(error);
        return false;
    }
    showImage(image);
    return true;
}

void ImagePreview::showImage(const QImage& image) {
    m_image = image;
    fit();
}

void ImagePreview::showMessage(const QString& message) {
    m_image = QImage();
    setText(message);
}

void ImagePreview::clearPreview() {
    m_image = QImage();
    clear();
}

void ImagePreview::resizeEvent(QResizeEvent* event) {
    QLabel::resizeEvent(event);
    if (!m_image.isNull()) fit();
}

void ImagePreview::fit() {
    if (m_image.isNull()) return;
    setPixmap(
        QPixmap::fromImage(m_image).scaled(size(), Qt::KeepAspectRatio, Qt::SmoothTransformation));
}

}  // namespace fovea::ui
