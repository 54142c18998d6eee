#pragma once

#include <QWidget>

#include "fovea/core/session/detection_training.h"
#include "fovea/core/training/tensorboard_reader.h"
#include "train/training_events.h"

class QCustomPlot;
class QTimer;

namespace fovea::ui {

// The live charts of a run: training loss per batch (raw, and smoothed as TensorBoard does)
// with the per-epoch train and validation losses on the same step axis; per-epoch accuracy;
// the learning rate. Points are appended as they arrive and the charts redraw at most ten
// times a second, never per point.
class TrainingCharts : public QWidget {
    Q_OBJECT
  public:
    explicit TrainingCharts(QWidget* parent = nullptr);

    void clear();
    // A batch's loss and learning rate. A step at or before the last one drawn restarts the
    // curves there (a run resumed from a checkpoint earlier than its last batch).
    void addBatch(const core::BatchProgress& progress);
    // The per-batch curves a run wrote before (read back from its event files), drawn as if
    // they had just arrived.
    void addBatchHistory(const core::ScalarCurves& curves);
    // `epochs`: the run's total, for the accuracy chart's range.
    void addEpoch(const core::EpochReport& report, qint64 epochs);
    // Detection runs (issue 24): the loss chart adds each of torchvision's four losses per
    // epoch beside the summed loss per batch, and the second chart shows the validation
    // mAP@[.5:.95] and AP50 instead of accuracy. clear() keeps the mode.
    void setDetection(bool detection);
    bool isDetection() const { return m_detection; }
    void addDetectionEpoch(const core::DetectionEpochReport& report, qint64 epochs);
    // A recorded detection run's epochs (followed or resumed), and its learning rate at each
    // epoch's end: its batches are not recorded.
    void addDetectionHistory(const std::vector<core::DetectionEpochReport>& reports, qint64 epochs);

    // Where epoch figures go on the step axis before the first batch tells (a resumed run's
    // earlier epochs).
    void setStepsPerEpoch(qint64 steps) { m_stepsPerEpoch = steps; }
    // The epoch axis of the accuracy (mAP) chart spans the run's planned epochs from its start,
    // before the first epoch's point arrives.
    void setPlannedEpochs(qint64 epochs);

    QCustomPlot* lossPlot() const { return m_loss; }
    QCustomPlot* accuracyPlot() const { return m_accuracy; }
    QCustomPlot* learningRatePlot() const { return m_learningRate; }
    int batchPoints() const;
    int epochPoints() const;
    int redraws() const { return m_redraws; }

  private:
    void addBatchLoss(double step, double loss);
    void addLearningRate(double step, double learningRate);
    void scheduleRedraw();
    void redraw();

    QCustomPlot* m_loss;
    QCustomPlot* m_accuracy;
    QCustomPlot* m_learningRate;
    QTimer* m_redrawTimer;
    double m_smoothed = 0;
    bool m_hasSmoothed = false;
    qint64 m_stepsPerEpoch = 0;
    bool m_detection = false;
    int m_redraws = 0;
};

}  // namespace fovea::ui
