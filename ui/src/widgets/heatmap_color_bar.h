#pragma once

#include <QImage>
#include <QWidget>

class QCheckBox;

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

// A colour bar shown while `toggle` (the page's Grad-CAM box) is checked, named
// "gradCamColorBar". Its room is kept while hidden, so the image beside it does not jump when
// Grad-CAM is switched.
HeatmapColorBar* makeGradCamColorBar(QCheckBox* toggle, QWidget* parent);

}  // namespace fovea::ui
