#include "train/training_worker.h"

#include <atomic>

#include "fovea/core/session/training_run.h"

namespace fovea::ui {

struct TrainingWorker::State {
    core::TrainingControl control;
    std::atomic<bool> running{false};
};

namespace {

QVector<WatchPrediction> toWatchPredictions(const std::vector<core::ImagePrediction>& predicted) {
    QVector<WatchPrediction> out;
    for (const core::ImagePrediction& p : predicted) {
        WatchPrediction w;
        if (p.error) {
            w.error = QString::fromStdString(*p.error);
        } else if (!p.top.empty()) {
            w.label = QString::fromStdString(p.top.front().label);
            w.probability = p.top.front().probability;
        }
        out << w;
    }
    return out;
}

TrainingOutcomeInfo outcomeOf(const core::TrainingRunResult& result) {
    const core::TrainingSummary& summary = result.summary;
    TrainingOutcomeInfo outcome;
    outcome.ok = summary.outcome != core::TrainingOutcome::Diverged;
    outcome.outcome = core::trainingOutcomeName(summary.outcome);
    outcome.message = QString::fromStdString(summary.message);
    outcome.runFolder = QString::fromStdString(result.runFolder.string());
    if (result.model) outcome.model = QString::fromStdString(result.model->string());
    outcome.epochsCompleted = summary.epochsCompleted;
    if (summary.bestEpoch) {
        outcome.validationAccuracy =
            summary.history[static_cast<std::size_t>(*summary.bestEpoch)].validationAccuracy;
    } else if (!summary.history.empty() && summary.history.back().hasValidation) {
        outcome.validationAccuracy = summary.history.back().validationAccuracy;
    }
    return outcome;
}

// One run on the training thread, reported through the worker's signals (they arrive queued
// on the GUI thread).
class TrainingThreadRun {
  public:
    TrainingThreadRun(TrainingWorker& worker, core::RunSettings settings,
                      std::filesystem::path runFolder, bool resume,
                      std::vector<std::filesystem::path> watchFiles)
        : m_worker(worker),
          m_settings(std::move(settings)),
          m_runFolder(std::move(runFolder)),
          m_resume(resume),
          m_watchFiles(std::move(watchFiles)) {}

    TrainingOutcomeInfo execute(core::TrainingControl& control) {
        const core::TrainingRunHooks hooks = makeHooks();
        TrainingOutcomeInfo outcome;
        outcome.runFolder = QString::fromStdString(m_runFolder.string());
        // The boundary between core and the window: nothing may escape the thread.
        try {
            auto ran = core::runTraining(m_settings, m_runFolder, m_resume, control, hooks);
            if (!ran) {
                outcome.message = QString::fromStdString(ran.error().message);
            } else {
                outcome = outcomeOf(ran.value());
            }
        } catch (const std::exception& e) {
            outcome.message = QString::fromUtf8(e.what());
        }
        return outcome;
    }

  private:
    core::TrainingRunHooks makeHooks() {
        core::TrainingRunHooks hooks;
        hooks.started = [this](const core::TrainingStart& start) {
            QStringList classes;
            for (const auto& name : start.classNames) classes << QString::fromStdString(name);
            Q_EMIT m_worker.started(QString::fromStdString(start.runFolder.string()), classes,
                                    static_cast<qint64>(start.trainImages),
                                    static_cast<qint64>(start.validationImages));
        };
        hooks.training.onBatch = [this](const core::BatchProgress& p) {
            Q_EMIT m_worker.batchReported(p);
        };
        hooks.training.onEpoch = [this](const core::EpochReport& r) {
            Q_EMIT m_worker.epochReported(r);
        };
        hooks.training.onLog = [this](const std::string& line) {
            Q_EMIT m_worker.logLine(QString::fromStdString(line));
        };
        hooks.training.onSampleFailure = [this](const core::SampleFailure& failure) {
            Q_EMIT m_worker.logLine(QString("Skipped an unreadable image: %1")
                                        .arg(QString::fromStdString(failure.message)));
        };
        hooks.projectChanged = [this](const std::filesystem::path&) {
            Q_EMIT m_worker.projectChanged();
        };
        hooks.watch.files = m_watchFiles;
        hooks.watch.predicted =
            [this](std::int64_t epoch,
                   const core::Result<std::vector<core::ImagePrediction>>& predicted) {
                if (!predicted) {
                    Q_EMIT m_worker.logLine("Watch set not predicted: " +
                                            QString::fromStdString(predicted.error().message));
                    return;
                }
                Q_EMIT m_worker.watchPredicted(epoch, toWatchPredictions(predicted.value()));
            };
        return hooks;
    }

    TrainingWorker& m_worker;
    const core::RunSettings m_settings;
    const std::filesystem::path m_runFolder;
    const bool m_resume;
    const std::vector<std::filesystem::path> m_watchFiles;
};

}  // namespace

void TrainingWorker::ThreadStopper::operator()(QThread* thread) const {
    thread->wait();
    delete thread;
}

TrainingWorker::TrainingWorker(QObject* parent)
    : QObject(parent), m_state(std::make_shared<State>()) {
    qRegisterMetaType<core::BatchProgress>();
    qRegisterMetaType<core::EpochReport>();
    qRegisterMetaType<TrainingOutcomeInfo>();
    qRegisterMetaType<QVector<WatchPrediction>>();
}

TrainingWorker::~TrainingWorker() {
    stop();
    m_thread.reset();  // waits: the trainer writes its checkpoint and returns
}

bool TrainingWorker::isRunning() const { return m_state->running.load(); }
bool TrainingWorker::isPaused() const { return isRunning() && m_state->control.paused(); }
void TrainingWorker::pause() { m_state->control.pause(); }
void TrainingWorker::resume() { m_state->control.resume(); }

void TrainingWorker::stop() {
    m_state->control.requestStop();
    m_state->control.resume();  // a paused trainer must wake up to see the stop
}

void TrainingWorker::setFrozenBlocks(const QStringList& blocks) {
    std::set<std::string> names;
    for (const QString& block : blocks) names.insert(block.toStdString());
    m_state->control.requestFrozenBlocks(std::move(names));
}

bool TrainingWorker::start(const TrainingRequest& request) {
    if (isRunning()) return false;
    m_thread.reset();
    // A fresh control: the previous run's stop request must not stop this one.
    m_state = std::make_shared<State>();
    m_state->running = true;
    const core::RunSettings settings = request.settings;
    const std::filesystem::path runFolder = request.runFolder.toStdString();
    const bool resume = request.resume;
    std::vector<std::filesystem::path> watchFiles;
    for (const QString& file : request.watchFiles) watchFiles.emplace_back(file.toStdString());
    m_thread.reset(
        QThread::create([this, state = m_state, settings, runFolder, resume, watchFiles] {
            TrainingThreadRun run(*this, settings, runFolder, resume, watchFiles);
            const TrainingOutcomeInfo outcome = run.execute(state->control);
            state->running = false;
            Q_EMIT finished(outcome);
        }));
    m_thread->setObjectName("fovea-training");
    m_thread->start();
    return true;
}

}  // namespace fovea::ui
