#include "train/training_worker.h"

#include <atomic>

#include "fovea/core/session/prediction.h"
#include "fovea/core/session/training_run.h"

namespace fovea::ui {

struct TrainingWorker::State {
    core::TrainingControl control;
    std::atomic<bool> running{false};
};

namespace {}  // namespace

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
    m_thread.reset(QThread::create([this, state = m_state, settings, runFolder, resume,
                                    watchFiles] {
        // The network being trained, for the watch set's predictions between epochs (the
        // trainer is idle then; predictImages restores its mode and device).
        core::NetworkPtr network;
        std::vector<std::string> classNames;
        const auto predictWatchSet = [&](qint64 epoch) {
            if (watchFiles.empty() || !network) return;
            core::PredictionOptions options;
            options.topK = 1;
            options.workers = 1;
            options.device = settings.training.device;
            auto predicted = core::predictImages(*network, watchFiles, classNames, options);
            if (!predicted) {
                Q_EMIT logLine("Watch set not predicted: " +
                               QString::fromStdString(predicted.error().message));
                return;
            }
            QVector<WatchPrediction> out;
            for (const core::ImagePrediction& p : predicted.value()) {
                WatchPrediction w;
                if (p.error) {
                    w.error = QString::fromStdString(*p.error);
                } else if (!p.top.empty()) {
                    w.label = QString::fromStdString(p.top.front().label);
                    w.probability = p.top.front().probability;
                }
                out << w;
            }
            Q_EMIT watchPredicted(epoch, out);
        };
        core::TrainingRunHooks hooks;
        hooks.started = [&](const core::TrainingInputs& inputs,
                            const std::filesystem::path& folder) {
            QStringList classes;
            for (const auto& name : inputs.set.classNames) classes << QString::fromStdString(name);
            Q_EMIT started(QString::fromStdString(folder.string()), classes,
                           static_cast<qint64>(inputs.set.train.size()),
                           static_cast<qint64>(inputs.set.validation.size()));
            network = inputs.network.network;
            classNames = inputs.set.classNames;
            predictWatchSet(-1);
        };
        hooks.training.onBatch = [this](const core::BatchProgress& p) { Q_EMIT batchReported(p); };
        hooks.training.onEpoch = [&](const core::EpochReport& r) {
            Q_EMIT epochReported(r);
            predictWatchSet(r.epoch);
        };
        hooks.training.onLog = [this](const std::string& line) {
            Q_EMIT logLine(QString::fromStdString(line));
        };
        hooks.training.onSampleFailure = [this](const core::SampleFailure& failure) {
            Q_EMIT logLine(QString("Skipped an unreadable image: %1")
                               .arg(QString::fromStdString(failure.message)));
        };
        hooks.projectChanged = [this](const std::filesystem::path&) { Q_EMIT projectChanged(); };
        TrainingOutcomeInfo outcome;
        outcome.runFolder = QString::fromStdString(runFolder.string());
        // The boundary between core and the window: nothing may escape the thread.
        try {
            auto ran = core::runTraining(settings, runFolder, resume, state->control, hooks);
            if (!ran) {
                outcome.message = QString::fromStdString(ran.error().message);
            } else {
                const core::TrainingRunResult& result = ran.value();
                const core::TrainingSummary& summary = result.summary;
                outcome.ok = summary.outcome != core::TrainingOutcome::Diverged;
                outcome.outcome = core::trainingOutcomeName(summary.outcome);
                outcome.message = QString::fromStdString(summary.message);
                outcome.runFolder = QString::fromStdString(result.runFolder.string());
                if (result.model) outcome.model = QString::fromStdString(result.model->string());
                outcome.epochsCompleted = summary.epochsCompleted;
                if (summary.bestEpoch) {
                    outcome.validationAccuracy =
                        summary.history[static_cast<std::size_t>(*summary.bestEpoch)]
                            .validationAccuracy;
                } else if (!summary.history.empty() && summary.history.back().hasValidation) {
                    outcome.validationAccuracy = summary.history.back().validationAccuracy;
                }
            }
        } catch (const std::exception& e) {
            outcome.message = QString::fromUtf8(e.what());
        }
        state->running = false;
        Q_EMIT finished(outcome);
    }));
    m_thread->setObjectName("fovea-training");
    m_thread->start();
    return true;
}

}  // namespace fovea::ui
