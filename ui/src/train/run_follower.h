#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <optional>
#include <vector>

#include "fovea/core/session/run_catalogue.h"
#include "fovea/core/training/tensorboard_reader.h"
#include "fovea/core/training/training_reports.h"
#include "runs/detection_run_info.h"

class QTimer;

namespace fovea::ui {

// What a followed (or resumed) run's folder holds at one reading.
struct FollowedRun {
    // A detection run's is filled from `detection` (status, name, epochs done and planned,
    // times); its config stays empty, core's RunConfig being classification's.
    core::RunListing listing;
    std::vector<core::EpochReport> epochs;  // metrics.csv's rows
    core::ScalarCurves curves;              // the TensorBoard events' (batch loss, rate)
    // A detection run (issue 24): its settings and metrics.csv's losses, mAP and AP50.
    std::optional<DetectionRunInfo> detection;
};

// The run in `folder` as it stands, classification or detection; an error when it is not a
// run (yet: no config.json).
core::Result<FollowedRun> readFollowedRun(const QString& folder);

// Follows a run folder written by another process or machine (fovea-cli, a distributed run's
// rank 0, over a shared filesystem): reads it at once and then every second, and says what
// changed. Reading never writes; it stops once the run is no longer running.
class RunFollower : public QObject {
    Q_OBJECT
  public:
    explicit RunFollower(QObject* parent = nullptr, int intervalMs = 1000);
    void follow(const QString& runFolder);
    void stop();
    bool isFollowing() const;
    QString folder() const { return m_folder; }

  Q_SIGNALS:
    // The run's files changed (new epochs, batches, status).
    void updated(const FollowedRun& run);
    // Lines log.txt gained since the last reading.
    void logged(const QStringList& lines);
    // The run stopped running (finished, stopped, failed): the last update has come.
    void ended(const FollowedRun& run);
    // Its folder went (deleted, renamed): following ends.
    void lost();

  private:
    void poll();
    // Lines added to log.txt since the last call (whole lines only).
    QStringList newLogLines();

    QTimer* m_timer;
    QString m_folder;
    qint64 m_logOffset = 0;
    QString m_lastState;  // sizes and times of the files read, to tell a change
};

}  // namespace fovea::ui
