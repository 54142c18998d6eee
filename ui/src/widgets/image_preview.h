#pragma once

#include <QImage>
#include <QLabel>

namespace fovea::ui {

// The large picture of the Evaluate and Predict pages: an image file, an image already in
// memory (a Grad-CAM overlay) or a message, on a dark ground, always fitted to the widget —
// also after the window is resized, which a plain QLabel pixmap is not.
class ImagePreview : public QLabel {
    Q_OBJECT
  public:
    explicit ImagePreview(QWidget* parent = nullptr);

    // Decodes `file` at about twice the widget's size; an unreadable file shows the decoder's
    // message (naming the file) and returns false.
    bool showFile(const QString& file);
    void showImage(const QImage& image);
    void showMessage(const QString& message);
    void clearPreview();

    // The image shown, at the size it was given (null while a message or nothing is shown).
    const QImage& image() const { return m_image; }

  protected:
    void resizeEvent(QResizeEvent* event) override;

  private:
    void fit();

    QImage m_image;
};

}  // namespace fovea::ui
