#pragma once

#include <QImage>
#include <QWidget>

namespace fovea::ui {

// The colour scale of a Grad-CAM overlay, "low [ramp] high attention": the ramp is core's own
// heatmap colours (core::colorizeHeatmap, OpenCV's Turbo map) from 0 at the left to 1 at the
// right, so it reads exactly like the overlay beside it.
class HeatmapColorBar : public QWidget {
    Q_OBJECT
  public:
    explicit HeatmapColorBar(QWidget* parent = nullptr);

    // The colours of heatmap values 0, 1/255, ..., 1 (256 x 1, RGB) as core gives them; null if
    // core could not colourise (the ramp then stays empty rather than showing other colours).
    static QImage rampColors();
};

}  // namespace fovea::ui
