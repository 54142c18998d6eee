#pragma once

#include <QHash>
#include <QObject>
#include <QString>
#include <memory>
#include <optional>
#include <vector>

#include "fovea/core/project/project_types.h"
#include "fovea/core/session/detection_model.h"

namespace fovea::ui {

class BackgroundJob;

// A trained detection run's boxes on the box editor's images, as suggestions (issue 24, point
// 2): the run's detector is loaded and run one image at a time on a worker thread, so the GUI
// never waits for it; the boxes of every image asked for are kept, so coming back to an image
// shows them at once. Only the latest image asked for while one is being detected is detected
// next (the user moved on from the others).
class BoxSuggester : public QObject {
    Q_OBJECT
  public:
    explicit BoxSuggester(QObject* parent = nullptr);
    ~BoxSuggester() override;

    // The run whose detector suggests (empty: none). Another run forgets the boxes kept.
    void setRun(const QString& runFolder);
    QString run() const { return m_run; }
    // The detector's boxes on the image (every box it keeps, down to its 0.05), when known;
    // otherwise asks for them and ready() follows.
    const std::vector<core::DetectedBox>* boxes(core::ImageId image, const QString& path);
    bool isBusy() const;

    // The detection runs with a model among `runsFolder`'s folders, newest first.
    static QStringList detectionRuns(const QString& runsFolder);

  Q_SIGNALS:
    void ready(core::ImageId image);
    void failed(const QString& message);

  private:
    struct Request {
        core::ImageId image = 0;
        QString path;
    };
    void start(const Request& request);
    void onFinished(bool ok, const QString& message);

    QString m_run;
    std::shared_ptr<core::DetectionModel> m_model;   // loaded by the first job
    std::shared_ptr<core::DetectionModel> m_loaded;  // written by the job
    std::vector<core::DetectedBox> m_detected;       // written by the job
    std::optional<Request> m_running;
    std::optional<Request> m_next;
    QHash<core::ImageId, std::vector<core::DetectedBox>> m_boxes;
    bool m_discard = false;  // the run changed while the job ran
    BackgroundJob* m_job;
};

}  // namespace fovea::ui
