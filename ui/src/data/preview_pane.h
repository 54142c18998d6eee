#pragma once

#include <QWidget>
#include <optional>

#include "fovea/core/project/project_types.h"

class QGraphicsPixmapItem;
class QGraphicsScene;
class QGraphicsView;
class QLabel;

namespace fovea::ui {

class ThumbnailCache;

// The selected image at a size to judge it by, with zoom (Fit, 100%, wheel, +/-), and what the
// project knows about it. The image is decoded on a worker thread; the pane shows the file's
// details at once and the pixels when they arrive.
class PreviewPane : public QWidget {
    Q_OBJECT
  public:
    explicit PreviewPane(QWidget* parent = nullptr);

    // Shows `image` (std::nullopt: nothing selected); `className` is its label's name,
    // `suggestedClassName` the name of its suggestion's class (image->suggestion). The same
    // image again only updates the details.
    void showImage(const std::optional<core::ImageRecord>& image, const QString& className,
                   const QString& suggestedClassName = {});
    double zoom() const { return m_zoom; }
    void setZoom(double zoom);  // 1.0: one image pixel per screen pixel
    void zoomToFit();
    bool hasPixels() const;

  protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

  private:
    void onDecoded(qint64 id);
    void onFailed(qint64 id, const QString& message);

    ThumbnailCache* m_decoder;
    QGraphicsScene* m_scene;
    QGraphicsView* m_view;
    QGraphicsPixmapItem* m_pixmapItem;
    QLabel* m_details;
    QLabel* m_zoomLabel;
    std::optional<core::ImageRecord> m_image;
    double m_zoom = 1.0;
    bool m_fit = true;  // follow the pane's size until the user zooms
};

}  // namespace fovea::ui
