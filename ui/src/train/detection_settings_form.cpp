#include "train/detection_settings_form.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QSignalBlocker>
#include <QSpinBox>

namespace fovea::ui {
namespace {

QSpinBox* makeSpin(const QString& name, int low, int high, const QString& tip, QWidget* parent) {
    auto* spin = new QSpinBox(parent);
    spin->setObjectName(name);
    spin->setRange(low, high);
    spin->setToolTip(tip);
    return spin;
}

QDoubleSpinBox* makeDoubleSpin(const QString& name, double low, double high, double step,
                               int decimals, const QString& tip, QWidget* parent) {
    auto* spin = new QDoubleSpinBox(parent);
    spin->setObjectName(name);
    spin->setRange(low, high);
    spin->setSingleStep(step);
    spin->setDecimals(decimals);
    spin->setToolTip(tip);
    return spin;
}

}  // namespace

DetectionSettingsForm::DetectionSettingsForm(QWidget* parent) : QWidget(parent) {
    setObjectName("detectionSettingsForm");
    m_epochs = makeSpin("detectionEpochsSpin", 1, 1000, "Passes over the training images", this);
    m_batchSize = makeSpin("detectionBatchSizeSpin", 1, 256, "Images per batch", this);
    m_learningRate = makeDoubleSpin("detectionLearningRateSpin", 1e-6, 1.0, 1e-3, 6,
                                    "SGD's learning rate: torchvision's recipe takes 0.02 for 16 "
                                    "images per batch, scaled linearly",
                                    this);
    m_schedule = new QComboBox(this);
    m_schedule->setObjectName("detectionScheduleCombo");
    m_schedule->addItems({"cosine", "onecycle", "step", "constant"});
    m_schedule->setToolTip("How the learning rate changes over the run");
    m_warmup = makeDoubleSpin("detectionWarmupSpin", 0, 100, 0.5, 1,
                              "Epochs over which the learning rate rises from zero", this);
    m_warmup->setSuffix(" epochs");
    m_minSize = makeSpin("detectionMinSizeSpin", 0, 1600,
                         "Shorter image side the detector sees; smaller trains much faster on a "
                         "CPU (default: the detector's, 320 or 800)",
                         this);
    m_minSize->setSingleStep(32);
    m_minSize->setSpecialValueText("detector's");
    m_minSize->setSuffix(" px");
    m_flip = new QCheckBox("horizontal flip", this);
    m_flip->setObjectName("detectionFlipCheck");
    m_flip->setToolTip("Mirror half the training images, boxes with them");
    m_minScale = makeDoubleSpin("detectionScaleJitterSpin", 0.25, 1.0, 0.05, 2,
                                "Multi-scale training: each image's shorter side is drawn "
                                "between this share of the size and the size (1: off)",
                                this);
    m_crop =
        makeDoubleSpin("detectionCropSpin", 0, 1, 0.1, 2,
                       "Probability of a random crop that keeps every box whole (0: off)", this);
    m_validationFraction = makeDoubleSpin(
        "detectionValidationSpin", 0, 0.9, 0.05, 2,
        "Share of annotated images held out for validation (mAP), for images without a split",
        this);
    m_device = new QComboBox(this);
    m_device->setObjectName("detectionDeviceCombo");
    m_device->addItems({"auto", "cpu", "cuda"});
    m_device->setToolTip("auto: CUDA when a GPU is available, else the CPU");

    auto* form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    form->setVerticalSpacing(3);
    form->addRow("Epochs:", m_epochs);
    form->addRow("Batch size:", m_batchSize);
    form->addRow("Learning rate:", m_learningRate);
    form->addRow("Schedule:", m_schedule);
    form->addRow("Warm-up:", m_warmup);
    form->addRow("Min size:", m_minSize);
    form->addRow("Augmentation:", m_flip);
    form->addRow("Scale jitter:", m_minScale);
    form->addRow("Crop:", m_crop);
    form->addRow("Validation:", m_validationFraction);
    form->addRow("Device:", m_device);

    setSettings({});
    for (QSpinBox* spin : {m_epochs, m_batchSize, m_minSize}) {
        connect(spin, &QSpinBox::valueChanged, this, &DetectionSettingsForm::changed);
    }
    for (QDoubleSpinBox* spin :
         {m_learningRate, m_warmup, m_minScale, m_crop, m_validationFraction}) {
        connect(spin, &QDoubleSpinBox::valueChanged, this, &DetectionSettingsForm::changed);
    }
    for (QComboBox* combo : {m_schedule, m_device}) {
        connect(combo, &QComboBox::currentIndexChanged, this, &DetectionSettingsForm::changed);
    }
    connect(m_flip, &QCheckBox::toggled, this, &DetectionSettingsForm::changed);
}

core::DetectionTrainingSettings DetectionSettingsForm::settings(
    core::DetectionTrainingSettings s) const {
    s.epochs = m_epochs->value();
    s.batchSize = m_batchSize->value();
    s.learningRate = m_learningRate->value();
    // The combo boxes list exactly core's names.
    s.schedule.kind = core::parseScheduleKind(m_schedule->currentText().toStdString()).value();
    s.warmupEpochs = m_warmup->value();
    s.minSize = m_minSize->value();
    s.augmentation.horizontalFlip = m_flip->isChecked();
    s.augmentation.minScale = m_minScale->value();
    s.augmentation.cropProbability = m_crop->value();
    s.validationFraction = m_validationFraction->value();
    s.device = core::parseDevicePreference(m_device->currentText().toStdString()).value();
    return s;
}

void DetectionSettingsForm::setSettings(const core::DetectionTrainingSettings& s) {
    // Shown, not chosen: no changed() (which would save them back).
    const QSignalBlocker block(this);
    m_epochs->setValue(static_cast<int>(s.epochs));
    m_batchSize->setValue(static_cast<int>(s.batchSize));
    m_learningRate->setValue(s.learningRate);
    m_schedule->setCurrentText(core::scheduleKindName(s.schedule.kind));
    m_warmup->setValue(s.warmupEpochs);
    m_minSize->setValue(static_cast<int>(s.minSize));
    m_flip->setChecked(s.augmentation.horizontalFlip);
    m_minScale->setValue(s.augmentation.minScale);
    m_crop->setValue(s.augmentation.cropProbability);
    m_validationFraction->setValue(s.validationFraction);
    m_device->setCurrentText(core::devicePreferenceName(s.device));
}

}  // namespace fovea::ui
