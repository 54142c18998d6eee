#pragma once

// The Train page's form for a detection project (issue 24, point 4): the settings of
// core::runDetectionTraining that are not the Model page's (the detector, its weights and
// freezing are). Shown instead of the classification form.

#include <QWidget>

#include "fovea/core/session/detection_training.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QSpinBox;

namespace fovea::ui {

class DetectionSettingsForm : public QWidget {
    Q_OBJECT
  public:
    explicit DetectionSettingsForm(QWidget* parent = nullptr);

    // `base` with the form's fields written over it.
    core::DetectionTrainingSettings settings(core::DetectionTrainingSettings base) const;
    // Shows `settings`' fields without emitting changed().
    void setSettings(const core::DetectionTrainingSettings& settings);

  Q_SIGNALS:
    void changed();

  private:
    QSpinBox* m_epochs = nullptr;
    QSpinBox* m_batchSize = nullptr;
    QDoubleSpinBox* m_learningRate = nullptr;
    QComboBox* m_schedule = nullptr;
    QDoubleSpinBox* m_warmup = nullptr;
    QSpinBox* m_minSize = nullptr;
    QCheckBox* m_flip = nullptr;
    QDoubleSpinBox* m_minScale = nullptr;
    QDoubleSpinBox* m_crop = nullptr;
    QDoubleSpinBox* m_validationFraction = nullptr;
    QComboBox* m_device = nullptr;
};

}  // namespace fovea::ui
