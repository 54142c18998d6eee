#pragma once

#include <QTime>
#include <QWidget>
#include <functional>
#include <optional>

#include "fovea/core/session/run_catalogue.h"
#include "fovea/core/session/run_estimate.h"
#include "fovea/core/training/tensorboard_reader.h"
#include "train/training_events.h"
#include "train/training_request.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QHBoxLayout;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace fovea::core {
struct RunListing;
}

namespace fovea::ui {

class InputSizeSpinBox;
class RunFollower;
struct FollowedRun;

class DetectionSettingsForm;
class DetectionTrainingWorker;
class ElidedLabel;
class LearningRateFinderPanel;
class RunTimeEstimator;
class ProjectSession;
class TrainingCharts;
class TrainingWorker;
class WatchSetView;

// The Train page: the settings people expect (the network, its input size and freezing come
// from the Model page), Start / Pause / Stop, live charts, progress with
// ETA and images/s, and the run's log. Training runs in a TrainingWorker on its own thread;
// each run is a folder under <project>/runs/ (config, metrics, checkpoints, model), the same
// as fovea-cli train writes. The settings are kept in the project.
class TrainPage : public QWidget {
    Q_OBJECT
  public:
    explicit TrainPage(QWidget* parent = nullptr);
    ~TrainPage() override;

    void setSession(ProjectSession* session);
    // Where the network choice comes from (the Model page), read when a run starts.
    void setModelSelectionProvider(std::function<ModelSelection()> provider);
    // The Model page changed: while paused, its frozen blocks apply when training resumes.
    void onModelSelectionChanged();

    // The form's settings (project and run folder filled in when a run starts).
    TrainingRequest request() const;
    void setSettings(const core::RunSettings& settings);

    bool startTraining(QString* error = nullptr);
    // Continues the stopped or interrupted run in `runFolder` from its checkpoint, with the
    // settings it recorded; its earlier batches and epochs are
    // drawn on the charts first.
    bool resumeRun(const QString& runFolder, QString* error = nullptr);
    // Shows a run that another process or machine trains (fovea-cli, a distributed run's
    // rank 0 on a shared filesystem) as its files grow: charts, log and progress. False (with
    // why) while this window trains a run of its own.
    bool followRun(const QString& runFolder, QString* error = nullptr);
    bool isFollowing() const;
    void togglePause();
    bool isPaused() const;
    void stopTraining();
    // Stops a running training and waits for its checkpoint (the window is closing).
    void shutdown();
    bool isTraining() const;

    TrainingWorker* worker() const { return m_worker; }
    DetectionTrainingWorker* detectionWorker() const { return m_detectionWorker; }
    DetectionSettingsForm* detectionForm() const { return m_detectionForm; }
    // The shown estimate of the run as set ("" while none).
    QString estimateText() const;
    bool isEstimating() const;
    TrainingCharts* charts() const { return m_charts; }
    LearningRateFinderPanel* learningRateFinder() const { return m_lrFinder; }
    WatchSetView* watchSet() const { return m_watchSet; }
    QString currentRunFolder() const { return m_runFolder; }

  Q_SIGNALS:
    void trainingStarted(const QString& runFolder);
    // Pause pressed (true) or Resume (false) while a run trains.
    void pausedChanged(bool paused);
    // The input size was changed here (or chosen for a first run): the Model page keeps it.
    void imageSizeChosen(int pixels);
    void trainingFinished(const fovea::ui::TrainingOutcomeInfo& outcome);
    // The run wrote to the project (splits assigned, an unreadable image marked).
    void projectChanged();

  private:
    QWidget* buildSettings();
    // The classification or the detection form, as the project's task asks.
    void showTaskForm();
    // A detection project's Start (issue 24): its settings from the Model page and the form.
    bool startDetectionTraining(QString* error);
    void createTrainingFields(QWidget* panel);
    void createDeviceFields(QWidget* panel);
    QHBoxLayout* createRunButtons(QWidget* panel);
    bool canStart(QString* error) const;
    bool launch(const TrainingRequest& request, QString* error);
    void saveSettingsOnChange();
    void createLearningRateFinder(QWidget* panel);
    void connectWorker();
    void connectDetectionWorker();
    void updateButtons();
    void saveSettings();
    // Says that the project's newest run can be resumed.
    void noteUnfinishedRun(const core::RunListing& run);
    // A new run's folder in the project's runs/, named by the time and the architecture.
    QString newRunFolder(const QString& architecture) const;
    // Cluster…: shows the torchrun command for these settings (Copy Command writes their file).
    void openClusterCommand();
    void onFollowedUpdate(const FollowedRun& run);
    // A recorded run's batches and epochs on the charts and its progress (resumed or followed):
    // a classification run's batches and epochs, a detection run's epochs (each loss, mAP and
    // AP50; its batches are not recorded).
    void showRunHistory(const FollowedRun& run);
    // A followed or resumed run's settings in the form (a detection run's without saving them).
    void showRecordedSettings(const FollowedRun& run);
    void loadSettings();
    void onStarted(const QString& runFolder, const QStringList& classes, qint64 trainImages,
                   qint64 validationImages);
    void onBatch(const core::BatchProgress& progress);
    QString pausedText() const;  // the status line while paused
    void onEpoch(const core::EpochReport& report);
    void onFinished(const TrainingOutcomeInfo& outcome);
    // How long the run as set would take, measured in the background after a change.
    void scheduleEstimate();
    void onEstimated(const core::RunTimeEstimate& estimate);
    void showEstimate(const core::RunTimeEstimate& estimate);
    // The median shorter side of the project's images (0 when unknown).
    int dataImageSide() const;
    // One line of the log, stamped with `at` (default: now).
    void appendLog(const QString& line, const QTime& at = {});

    ProjectSession* m_session = nullptr;
    std::function<ModelSelection()> m_modelSelection;
    TrainingWorker* m_worker;
    DetectionTrainingWorker* m_detectionWorker;
    bool m_detectionProject = false;
    QWidget* m_classificationForm = nullptr;
    DetectionSettingsForm* m_detectionForm = nullptr;
    TrainingCharts* m_charts = nullptr;
    QString m_runFolder;
    qint64 m_runEpochs = 1;     // of the run going or last started
    QString m_runArchitecture;  // of the run going or last started
    QString m_lastPosition;     // "epoch 2/6 · batch 3/10 · loss 0.4321" of the last batch
    bool m_loading = false;     // filling the form from the project: do not save back
    // The project has no training settings yet: the first estimate chooses them (first_run.h).
    bool m_firstRun = false;
    bool m_applyingFirstRun = false;
    QString m_firstRunNote;
    RunTimeEstimator* m_estimator = nullptr;
    // The last measurement and what it measured (the request without its epochs): another
    // number of epochs needs no new measurement.
    std::optional<core::RunTimeEstimate> m_lastEstimate;
    QString m_lastEstimateKey;
    QString m_pendingEstimateKey;

    QSpinBox* m_epochs = nullptr;
    InputSizeSpinBox* m_imageSize = nullptr;
    QPushButton* m_clusterCommand = nullptr;
    RunFollower* m_follower = nullptr;  // a run trained elsewhere, shown as it goes
    QLabel* m_estimateLabel = nullptr;
    QLabel* m_purpose = nullptr;  // the header's line saying what the page is for
    QSpinBox* m_batchSize = nullptr;
    QLabel* m_gpuList = nullptr;
    QDoubleSpinBox* m_learningRate = nullptr;
    QComboBox* m_optimizer = nullptr;
    QComboBox* m_schedule = nullptr;
    QComboBox* m_augment = nullptr;
    QSpinBox* m_earlyStop = nullptr;
    QCheckBox* m_classWeights = nullptr;
    QComboBox* m_device = nullptr;
    QComboBox* m_precision = nullptr;
    QDoubleSpinBox* m_validationFraction = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_pause = nullptr;
    QPushButton* m_stop = nullptr;
    LearningRateFinderPanel* m_lrFinder = nullptr;
    QProgressBar* m_progress = nullptr;
    ElidedLabel* m_progressLabel = nullptr;
    QPlainTextEdit* m_log = nullptr;
    WatchSetView* m_watchSet = nullptr;
};

}  // namespace fovea::ui
