#include "train/detection_training_worker.h"

#include <atomic>

namespace fovea::ui {

struct DetectionTrainingWorker::State {
    core::TrainingControl control;
    std::atomic<bool> running{false};
};

namespace {

QString figure(const std::optional<double>& value) {
    return value ? QString::number(*value, 'f', 3) : QString("-");
}

TrainingOutcomeInfo outcomeOf(const core::DetectionTrainingResult& result) {
    TrainingOutcomeInfo outcome;
    outcome.ok = result.outcome != core::TrainingOutcome::Diverged;
    outcome.outcome = core::trainingOutcomeName(result.outcome);
    outcome.runFolder = QString::fromStdString(result.runFolder.string());
    if (result.model) outcome.model = QString::fromStdString(result.model->string());
    outcome.epochsCompleted = result.epochsCompleted;
    QString message = QString::fromStdString(result.message);
    if (result.bestEpoch) {
        const auto& best = result.history[static_cast<std::size_t>(*result.bestEpoch)].validation;
        const QString figures = QString("best validation mAP %1, AP50 %2 (epoch %3)")
                                    .arg(figure(best.map), figure(best.ap50))
                                    .arg(*result.bestEpoch + 1);
        message = message.isEmpty() ? figures : message + "; " + figures;
    }
    outcome.message = message;
    return outcome;
}

}  // namespace

void DetectionTrainingWorker::ThreadStopper::operator()(QThread* thread) const {
    thread->wait();
    delete thread;
}

DetectionTrainingWorker::DetectionTrainingWorker(QObject* parent)
    : QObject(parent), m_state(std::make_shared<State>()) {
    qRegisterMetaType<core::BatchProgress>();
    qRegisterMetaType<core::DetectionEpochReport>();
    qRegisterMetaType<TrainingOutcomeInfo>();
}

DetectionTrainingWorker::~DetectionTrainingWorker() {
    stop();
    m_thread.reset();  // waits: the trainer writes its checkpoint and returns
}

bool DetectionTrainingWorker::isRunning() const { return m_state->running.load(); }
bool DetectionTrainingWorker::isPaused() const { return isRunning() && m_state->control.paused(); }
void DetectionTrainingWorker::pause() { m_state->control.pause(); }
void DetectionTrainingWorker::resume() { m_state->control.resume(); }

void DetectionTrainingWorker::stop() {
    m_state->control.requestStop();
    m_state->control.resume();  // a paused trainer must wake up to see the stop
}

bool DetectionTrainingWorker::start(const core::DetectionTrainingSettings& settings,
                                    const QString& runFolderText, bool resume) {
    if (isRunning()) return false;
    m_thread.reset();
    // A fresh control: the previous run's stop request must not stop this one.
    m_state = std::make_shared<State>();
    m_state->running = true;
    const std::filesystem::path runFolder = runFolderText.toStdString();
    m_thread.reset(QThread::create([this, state = m_state, settings, runFolder, resume] {
        core::DetectionTrainingHooks hooks;
        hooks.started = [this](const core::DetectionTrainingStart& start) {
            QStringList classes;
            for (const auto& name : start.classNames) classes << QString::fromStdString(name);
            Q_EMIT started(QString::fromStdString(start.runFolder.string()), classes,
                           static_cast<qint64>(start.trainImages),
                           static_cast<qint64>(start.validationImages));
        };
        hooks.onBatch = [this](const core::DetectionBatchProgress& p) {
            core::BatchProgress batch;
            batch.epoch = p.epoch;
            batch.batch = p.batch;
            batch.batchesInEpoch = p.batchesInEpoch;
            batch.step = p.step;
            batch.loss = p.loss;  // the sum of the four losses
            batch.learningRate = p.learningRate;
            batch.imagesPerSecond = p.imagesPerSecond;
            batch.etaSeconds = p.etaSeconds;
            Q_EMIT batchReported(batch);
        };
        hooks.onEpoch = [this](const core::DetectionEpochReport& r) { Q_EMIT epochReported(r); };
        hooks.onLog = [this](const std::string& line) {
            Q_EMIT logLine(QString::fromStdString(line));
        };
        hooks.onSampleFailure = [this](const core::SampleFailure& failure) {
            Q_EMIT logLine(QString("Skipped an unreadable image: %1")
                               .arg(QString::fromStdString(failure.message)));
        };
        hooks.projectChanged = [this](const std::filesystem::path&) { Q_EMIT projectChanged(); };
        TrainingOutcomeInfo outcome;
        outcome.runFolder = QString::fromStdString(runFolder.string());
        // The boundary between core and the window: nothing may escape the thread.
        try {
            auto ran =
                core::runDetectionTraining(settings, runFolder, resume, state->control, hooks);
            if (!ran) {
                outcome.message = QString::fromStdString(ran.error().message);
            } else {
                outcome = outcomeOf(ran.value());
            }
        } catch (const std::exception& e) {
            outcome.message = QString::fromUtf8(e.what());
        }
        state->running = false;
        Q_EMIT finished(outcome);
    }));
    m_thread->setObjectName("fovea-detection-training");
    m_thread->start();
    return true;
}

}  // namespace fovea::ui
