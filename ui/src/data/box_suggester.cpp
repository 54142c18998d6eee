#include "data/box_suggester.h"

#include <QDir>
#include <QFileInfo>
#include <algorithm>

#include "fovea/core/session/detection_training.h"
#include "widgets/background_job.h"

namespace fovea::ui {

namespace {

// The box head's own least score: the threshold is applied when the boxes are shown.
constexpr double kDetectorMinScore = 0.05;

}  // namespace

BoxSuggester::BoxSuggester(QObject* parent) : QObject(parent), m_job(new BackgroundJob(this)) {
    connect(m_job, &BackgroundJob::finished, this, &BoxSuggester::onFinished);
}

BoxSuggester::~BoxSuggester() {
    // The job writes members from its thread: join it while they exist.
    delete m_job;
}

QStringList BoxSuggester::detectionRuns(const QString& runsFolder) {
    if (runsFolder.isEmpty()) return {};
    QFileInfoList runs;
    for (const QFileInfo& folder :
         QDir(runsFolder).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        // A completed run has its model.safetensors; a run still training has none yet.
        const QFileInfo model(QDir(folder.filePath()).filePath("model.safetensors"));
        if (model.exists() && core::isDetectionRun(folder.filePath().toStdString())) {
            runs << model;
        }
    }
    std::sort(runs.begin(), runs.end(), [](const QFileInfo& a, const QFileInfo& b) {
        return a.lastModified() > b.lastModified();
    });
    QStringList folders;
    for (const QFileInfo& model : runs) folders << model.absolutePath();
    return folders;
}

void BoxSuggester::setRun(const QString& runFolder) {
    if (runFolder == m_run) return;
    m_run = runFolder;
    m_model.reset();
    m_boxes.clear();
    m_next.reset();
    if (m_job->isRunning()) {
        m_discard = true;
        m_job->cancel();
    }
}

bool BoxSuggester::isBusy() const { return m_running.has_value(); }

const std::vector<core::DetectedBox>* BoxSuggester::boxes(core::ImageId image,
                                                          const QString& path) {
    if (m_run.isEmpty()) return nullptr;
    const auto known = m_boxes.constFind(image);
    if (known != m_boxes.constEnd()) return &known.value();
    if (m_running && m_running->image == image) return nullptr;
    if (m_running) {
        m_next = Request{image, path};
    } else {
        start({image, path});
    }
    return nullptr;
}

void BoxSuggester::start(const Request& request) {
    m_running = request;
    m_discard = false;
    const QString run = m_run;
    auto model = m_model;
    m_job->start([this, run, model, request](BackgroundJob& job) -> BackgroundJob::Outcome {
        auto detector = model;
        if (!detector) {
            auto opened = core::DetectionModel::open(run.toStdString());
            if (!opened) return {false, QString::fromStdString(opened.error().message)};
            detector = std::make_shared<core::DetectionModel>(std::move(opened.value()));
            m_loaded = detector;
        }
        auto detected = detector->detect({request.path.toStdString()}, kDetectorMinScore, 1, {},
                                         job.cancelFlag());
        if (detected.empty() || detected.front().error) {
            return {false, detected.empty() ? QString("nothing detected")
                                            : QString::fromStdString(*detected.front().error)};
        }
        m_detected = std::move(detected.front().boxes);
        return {true, {}};
    });
}

void BoxSuggester::onFinished(bool ok, const QString& message) {
    const Request done = *m_running;
    m_running.reset();
    auto loaded = std::move(m_loaded);
    auto detected = std::move(m_detected);
    m_loaded.reset();
    m_detected.clear();
    if (m_discard) {
        m_discard = false;
    } else if (!ok) {
        Q_EMIT failed(message);
    } else {
        if (loaded) m_model = std::move(loaded);
        m_boxes.insert(done.image, std::move(detected));
        Q_EMIT ready(done.image);
    }
    if (m_next && !m_run.isEmpty()) {
        const Request next = *m_next;
        m_next.reset();
        if (!m_boxes.contains(next.image)) start(next);
    }
}

}  // namespace fovea::ui
