#pragma once

#include <QObject>
#include <QString>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "fovea/core/result.h"
#include "fovea/core/session/run_estimate.h"

class QTimer;

namespace fovea::ui {

class BackgroundJob;

// core::estimateRunTime for the Train page, off the GUI thread: requests made in quick
// succession (typing a number, arrowing through a list) give one estimate, of the last.
class RunTimeEstimator : public QObject {
    Q_OBJECT
  public:
    explicit RunTimeEstimator(QObject* parent = nullptr);

    // `sampleImages`: a few of the project's images, read to time loading.
    void request(const core::RunSettings& settings, qint64 classes, qint64 trainImages,
                 qint64 validationImages, std::vector<std::filesystem::path> sampleImages = {});
    // Drops what is pending and stops what runs (training is about to use the cores).
    void cancel();
    bool isBusy() const;

  Q_SIGNALS:
    // For the settings of the last request.
    void estimated(const fovea::core::RunTimeEstimate& estimate);
    void failed(const QString& message);

  private:
    struct Request {
        core::RunSettings settings;
        qint64 classes = 0;
        qint64 trainImages = 0;
        qint64 validationImages = 0;
        std::vector<std::filesystem::path> sampleImages;
    };
    void startPending();
    void onFinished(bool ok, const QString& message);

    BackgroundJob* m_job;
    QTimer* m_delay;
    std::optional<Request> m_pending;
    // Written by the job, read on the GUI thread once it has finished.
    std::shared_ptr<core::Result<core::RunTimeEstimate>> m_result;
};

}  // namespace fovea::ui
