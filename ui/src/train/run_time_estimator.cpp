#include "train/run_time_estimator.h"

#include <QTimer>

#include "widgets/background_job.h"

namespace fovea::ui {

namespace {
constexpr int kSettleMs = 600;
}

RunTimeEstimator::RunTimeEstimator(QObject* parent)
    : QObject(parent), m_job(new BackgroundJob(this)), m_delay(new QTimer(this)) {
    m_delay->setSingleShot(true);
    m_delay->setInterval(kSettleMs);
    connect(m_delay, &QTimer::timeout, this, &RunTimeEstimator::startPending);
    connect(m_job, &BackgroundJob::finished, this, &RunTimeEstimator::onFinished);
}

void RunTimeEstimator::request(const core::RunSettings& settings, qint64 classes,
                               qint64 trainImages, qint64 validationImages,
                               std::vector<std::filesystem::path> sampleImages) {
    m_pending = Request{settings, classes, trainImages, validationImages, std::move(sampleImages)};
    m_delay->start();
}

void RunTimeEstimator::cancel() {
    m_pending.reset();
    m_delay->stop();
    m_job->cancel();
}

bool RunTimeEstimator::isBusy() const { return m_pending.has_value() || m_job->isRunning(); }

void RunTimeEstimator::startPending() {
    if (!m_pending || m_job->isRunning()) return;  // onFinished() starts it
    const Request request = *m_pending;
    m_pending.reset();
    auto result = std::make_shared<core::Result<core::RunTimeEstimate>>(core::Error{"not run"});
    m_result = result;
    m_job->start([result, request](BackgroundJob& job) {
        *result =
            core::estimateRunTime(request.settings, request.classes, request.trainImages,
                                  request.validationImages, request.sampleImages, job.cancelFlag());
        return BackgroundJob::Outcome{
            result->ok(),
            result->ok() ? QString() : QString::fromStdString(result->error().message)};
    });
}

void RunTimeEstimator::onFinished(bool ok, const QString& message) {
    if (m_pending) {  // the settings changed meanwhile: this estimate is of old ones
        startPending();
        return;
    }
    if (m_job->wasCancelled()) return;
    if (ok && m_result && m_result->ok()) {
        Q_EMIT estimated(m_result->value());
    } else {
        Q_EMIT failed(message);
    }
}

}  // namespace fovea::ui
