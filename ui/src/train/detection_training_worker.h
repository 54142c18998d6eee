#pragma once

// A detection run on its own QThread ("fovea-detection-training"): core::runDetectionTraining
// with the control that pauses and stops it between batches, as TrainingWorker does for
// classification. Batches arrive as core::BatchProgress (the charts and progress line take the
// same as for classification), epochs as core::DetectionEpochReport. Destroying the worker stops
// the run at the next batch and waits for its checkpoint.

#include <QObject>
#include <QString>
#include <QStringList>
#include <QThread>
#include <memory>

#include "fovea/core/session/detection_training.h"
#include "train/training_events.h"

Q_DECLARE_METATYPE(fovea::core::DetectionEpochReport)

namespace fovea::ui {

class DetectionTrainingWorker : public QObject {
    Q_OBJECT
  public:
    explicit DetectionTrainingWorker(QObject* parent = nullptr);
    ~DetectionTrainingWorker() override;

    // Refused (false) while a run is going. `resume`: continue the run in `runFolder`.
    bool start(const core::DetectionTrainingSettings& settings, const QString& runFolder,
               bool resume);
    bool isRunning() const;
    bool isPaused() const;
    void pause();
    void resume();
    void stop();

  Q_SIGNALS:
    void started(const QString& runFolder, const QStringList& classNames, qint64 trainImages,
                 qint64 validationImages);
    void batchReported(const fovea::core::BatchProgress& progress);
    void epochReported(const fovea::core::DetectionEpochReport& report);
    void logLine(const QString& line);
    void projectChanged();
    // validationAccuracy stays -1: the message gives the best validation mAP and AP50.
    void finished(const fovea::ui::TrainingOutcomeInfo& outcome);

  private:
    struct State;
    struct ThreadStopper {
        void operator()(QThread* thread) const;
    };
    std::shared_ptr<State> m_state;
    std::unique_ptr<QThread, ThreadStopper> m_thread;
};

}  // namespace fovea::ui
