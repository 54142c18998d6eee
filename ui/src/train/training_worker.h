#pragma once

#include <QObject>
#include <QStringList>
#include <QThread>
#include <memory>

#include "train/training_events.h"
#include "train/training_request.h"

namespace fovea::ui {

// One training run on its own QThread ("fovea-training"): core::runTraining with the run
// folder (config, metrics, checkpoints, model) and the control that pauses, stops and changes
// the frozen blocks between batches. The signals arrive queued on the GUI thread; the worker
// never touches a widget. Destroying the worker stops the run at the next batch and waits
// for it, so the last checkpoint is written before the window goes.
class TrainingWorker : public QObject {
    Q_OBJECT
  public:
    explicit TrainingWorker(QObject* parent = nullptr);
    ~TrainingWorker() override;

    // Refused (false) while a run is going.
    bool start(const TrainingRequest& request);
    bool isRunning() const;
    bool isPaused() const;

    // Take effect at the next batch boundary (from the GUI thread, at any time).
    void pause();
    void resume();
    void stop();
    // The blocks to keep frozen from the next batch on (e.g. changed while paused).
    void setFrozenBlocks(const QStringList& blocks);

  Q_SIGNALS:
    // The data is split, the network built, the run folder made: the first batch is next.
    void started(const QString& runFolder, const QStringList& classNames, qint64 trainImages,
                 qint64 validationImages);
    void batchReported(const fovea::core::BatchProgress& progress);
    void epochReported(const fovea::core::EpochReport& report);
    // The watch set's predictions, in the request's file order: `epoch` -1 before training,
    // else the 0-based epoch just finished.
    void watchPredicted(qint64 epoch, const QVector<fovea::ui::WatchPrediction>& predictions);
    void logLine(const QString& line);
    // The run wrote to the project database (splits assigned, an unreadable image marked):
    // views of the project must re-read it.
    void projectChanged();
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
