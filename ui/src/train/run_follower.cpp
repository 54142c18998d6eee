#include "train/run_follower.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTimer>

#include "fovea/core/session/detection_training.h"
#include "fovea/core/training/run_folder_layout.h"

namespace fovea::ui {

namespace {

// The run's files as they stand (size and time of each), to read them again only on a change.
QString filesState(const QString& folder) {
    QString state;
    for (const QFileInfo& file :
         QDir(folder).entryInfoList(QDir::Files | QDir::NoDotAndDotDot, QDir::Name)) {
        state += QString("%1:%2:%3;")
                     .arg(file.fileName())
                     .arg(file.size())
                     .arg(file.lastModified().toMSecsSinceEpoch());
    }
    return state;
}

// Core's catalogue reads classification runs only: a detection run's listing is made from what
// the Runs page reads of it.
core::RunListing detectionListing(const std::filesystem::path& folder,
                                  const DetectionRunInfo& run) {
    core::RunListing listing;
    listing.folder = folder;
    listing.name = folder.filename().string();
    listing.status = run.status;
    listing.message = run.message.toStdString();
    listing.created = run.created;
    listing.epochsDone = run.epochsDone;
    listing.epochsPlanned = run.settings.epochs;
    listing.trainingSeconds = run.trainingSeconds;
    std::error_code error;
    listing.hasModel =
        std::filesystem::is_regular_file(folder / core::run_layout::kModelFile, error);
    listing.hasCheckpoint = std::filesystem::is_regular_file(
        folder / core::run_layout::kCheckpointFolder / "last.pt", error);
    return listing;
}

}  // namespace

core::Result<FollowedRun> readFollowedRun(const QString& folder) {
    const std::filesystem::path path = folder.toStdString();
    FollowedRun run;
    if (core::isDetectionRun(path)) {
        run.detection = readDetectionRunInfo(path);
        if (run.detection) {
            run.listing = detectionListing(path, *run.detection);
            return run;
        }
    }
    auto listing = core::readRunListing(path);
    if (!listing) return listing.error();
    run.listing = std::move(listing).value();
    run.epochs = core::readRunMetrics(run.listing.folder);
    run.curves = core::readTensorBoardScalars(run.listing.folder);
    return run;
}

RunFollower::RunFollower(QObject* parent, int intervalMs)
    : QObject(parent), m_timer(new QTimer(this)) {
    m_timer->setInterval(intervalMs);
    connect(m_timer, &QTimer::timeout, this, &RunFollower::poll);
}

void RunFollower::follow(const QString& runFolder) {
    m_folder = runFolder;
    m_logOffset = 0;
    m_lastState.clear();
    m_timer->start();
    poll();
}

void RunFollower::stop() { m_timer->stop(); }

bool RunFollower::isFollowing() const { return m_timer->isActive(); }

void RunFollower::poll() {
    if (m_folder.isEmpty()) return;
    if (!QFileInfo(m_folder).isDir()) {
        m_timer->stop();
        Q_EMIT lost();
        return;
    }
    const QStringList lines = newLogLines();
    if (!lines.isEmpty()) Q_EMIT logged(lines);
    const QString state = filesState(m_folder);
    if (state == m_lastState) return;
    m_lastState = state;
    auto read = readFollowedRun(m_folder);
    if (!read) return;  // not (yet) a run folder: read again on the next tick
    const FollowedRun run = std::move(read).value();
    Q_EMIT updated(run);
    if (run.listing.status != core::RunStatus::Running) {
        m_timer->stop();
        Q_EMIT ended(run);
    }
}

QStringList RunFollower::newLogLines() {
    QFile log(QDir(m_folder).filePath(core::run_layout::kLogFile));
    if (!log.open(QIODevice::ReadOnly) || log.size() <= m_logOffset) return {};
    log.seek(m_logOffset);
    const QByteArray added = log.readAll();
    // A line still being written waits for its end.
    const qsizetype complete = added.lastIndexOf('\n') + 1;
    if (complete <= 0) return {};
    m_logOffset += complete;
    return QString::fromUtf8(added.left(complete)).split('\n', Qt::SkipEmptyParts);
}

}  // namespace fovea::ui
