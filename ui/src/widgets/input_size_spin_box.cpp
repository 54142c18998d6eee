#include "widgets/input_size_spin_box.h"

#include <algorithm>

namespace fovea::ui {

namespace {
constexpr int kStep = 32;
constexpr int kSmallest = 32;  // the zoo's networks accept no less (Inception 75)
constexpr int kLargest = 1024;
}  // namespace

InputSizeSpinBox::InputSizeSpinBox(QWidget* parent) : QSpinBox(parent) {
    setRange(0, kLargest);
    setSingleStep(kStep);
    setSuffix(" px");
    setSpecialValueText("Weights' own");
    setKeyboardTracking(false);
}

void InputSizeSpinBox::setWeightsSize(int pixels) {
    m_weightsSize = pixels;
    setSpecialValueText(pixels > 0 ? QString("Weights' own (%1 px)").arg(pixels)
                                   : QString("Weights' own"));
}

void InputSizeSpinBox::stepBy(int steps) {
    if (value() != minimum() || m_weightsSize <= 0) {
        QSpinBox::stepBy(steps);
        return;
    }
    setValue(std::clamp(m_weightsSize + steps * kStep, kSmallest, kLargest));
}

}  // namespace fovea::ui
