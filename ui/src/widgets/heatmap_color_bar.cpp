#include "widgets/heatmap_color_bar.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <opencv2/core.hpp>

#include "fovea/core/image/heatmap_overlay.h"
#include "widgets/rgb_image.h"

namespace fovea::ui {

namespace {

// The ramp itself: the colours stretched over the widget without smoothing, so every pixel is
// one of core's colours.
class ColorRamp : public QWidget {
  public:
    explicit ColorRamp(QWidget* parent) : QWidget(parent), m_colors(HeatmapColorBar::rampColors()) {
        setObjectName("colorRamp");
        setMinimumSize(96, 10);
        setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    }
    QSize sizeHint() const override { return {160, 12}; }

  protected:
    void paintEvent(QPaintEvent*) override {
        if (m_colors.isNull()) return;
        QPainter painter(this);
        painter.drawImage(rect(), m_colors);
    }

  private:
    QImage m_colors;
};

}  // namespace

QImage HeatmapColorBar::rampColors() {
    cv::Mat values(1, 256, CV_32FC1);
    for (int i = 0; i < 256; ++i) values.at<float>(0, i) = static_cast<float>(i) / 255.0f;
    const auto colors = core::colorizeHeatmap(values);
    return colors ? imageFromRgb(colors.value()) : QImage();
}

HeatmapColorBar::HeatmapColorBar(QWidget* parent) : QWidget(parent) {
    setObjectName("heatmapColorBar");
    setToolTip(
        "Grad-CAM colours: dark blue where the prediction paid the least attention, dark red "
        "where it paid the most (the Turbo colour map).");
    auto* low = new QLabel("low", this);
    low->setObjectName("colorBarLow");
    auto* high = new QLabel("high attention", this);
    high->setObjectName("colorBarHigh");
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(low);
    layout->addWidget(new ColorRamp(this), 1);
    layout->addWidget(high);
}

HeatmapColorBar* makeGradCamColorBar(QCheckBox* toggle, QWidget* parent) {
    auto* bar = new HeatmapColorBar(parent);
    bar->setObjectName("gradCamColorBar");
    QSizePolicy policy = bar->sizePolicy();
    policy.setRetainSizeWhenHidden(true);
    bar->setSizePolicy(policy);
    bar->setVisible(toggle->isChecked());
    QObject::connect(toggle, &QCheckBox::toggled, bar, &QWidget::setVisible);
    return bar;
}

}  // namespace fovea::ui
