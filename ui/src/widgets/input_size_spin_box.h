#pragma once

#include <QSpinBox>

namespace fovea::ui {

// The network's input side in pixels, in steps of 32, or (its lowest value, 0) the weights' own
// size. A step from the weights' own goes from that size: up from "Weights' own (224 px)" is
// 256 px, not 32 px (the next number after 0).
class InputSizeSpinBox : public QSpinBox {
    Q_OBJECT
  public:
    explicit InputSizeSpinBox(QWidget* parent = nullptr);
    // The weights' own size (0: unknown), named in the special value's text.
    void setWeightsSize(int pixels);
    void stepBy(int steps) override;

  private:
    int m_weightsSize = 0;
};

}  // namespace fovea::ui
