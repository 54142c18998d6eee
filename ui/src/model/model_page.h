#pragma once

#include <QPointer>
#include <QString>
#include <QWidget>
#include <memory>

#include "model/model_catalogue.h"
#include "model/model_selection.h"

class QDoubleSpinBox;
class QLabel;
class QSpinBox;
class QTableWidget;
class QTimer;

namespace fovea::ui {

class InputSizeSpinBox;

class BackgroundJob;
class DetectionModelPanel;
class FreezeMap;
class ProjectSession;
class WeightsPanel;

// The Model page: the architecture (a table with input size, parameters, FLOPs and weight
// sources), its starting weights, head options and input size, and the freeze map. Every
// change is saved to the project at once. Networks are built on a worker thread (VGG-16 takes
// seconds) to draw the freeze map; the page never keeps one.
class ModelPage : public QWidget {
    Q_OBJECT
  public:
    explicit ModelPage(QWidget* parent = nullptr);
    ~ModelPage() override;

    // nullptr: no project (the page is disabled). Otherwise loads and shows its selection. The
    // session must outlive the page or be replaced first.
    void setSession(ProjectSession* session);
    ModelSelection selection() const { return m_selection; }

    // As the user would choose them (saved, selectionChanged() emitted); for the window and
    // tests. Ignored while training is locked (setTrainingLocked). `weights` is "default", "none",
    // a .pth/.safetensors path or a URL.
    void setArchitecture(const QString& architecture);
    void setWeights(const QString& weights);
    // The network input side in pixels (0: the weights' own), as the Input size field sets it.
    void setImageSize(int pixels);
    // Shows and saves `selection` whole (e.g. a run's, to train again from it).
    void applySelection(const ModelSelection& selection);

    // While a run trains, its architecture, weights, head and input size are fixed: those
    // controls are disabled and a note says why. The freeze map takes changes only while the
    // run is paused (they apply when it resumes); a running run would not see them.
    void setTrainingLocked(bool locked);
    void setTrainingPaused(bool paused);
    bool isTrainingLocked() const { return m_trainingLocked; }

    // Parameter counts as displayed, of the network as training will build it (head for the
    // project's classes); 0 while it is being built.
    qint64 trainableParameters() const;
    qint64 totalParameters() const;
    // False while the network for the current choice is being built.
    bool isNetworkReady() const;
    // What the page shows for a detection project (hidden for a classification one).
    DetectionModelPanel* detectionPanel() const { return m_detectionPanel; }

  Q_SIGNALS:
    void selectionChanged();
    // The freeze map shows the network of the current choice.
    void networkReady();

  private:
    void buildArchitectureTable();
    QWidget* buildHeadOptions();
    // The note shown beside the page title while a run trains.
    QLabel* buildTrainingLockNote();
    void showSelection();
    void selectArchitectureRow(const QString& architecture);
    void onArchitectureRowChanged();
    void onWeightsChanged(const QString& weights);
    void onHeadOptionsChanged();
    void onFreezeMapChanged();
    void updateImageSizeRange();
    void updateHeadNote();
    void commit();
    void showError(const QString& message);

    // The network the current choice needs; rebuilt off the GUI thread when it changes.
    NetworkRequest currentRequest() const;
    qint64 projectClassCount() const;
    void requestNetwork();
    void startBuild();
    void onBuildFinished(bool ok, const QString& message);
    // The shown network's recommended freezing, applied when due; drops saved block names the
    // network does not have.
    void showNetworkState();
    // The freezing the Recommended button applies for the shown network and current weights.
    QStringList recommendedFreezing(QString* reason) const;

    QPointer<ProjectSession> m_session;
    ModelSelection m_selection;
    // Set when the freeze map should take the recommendation once the new network is shown
    // (another architecture, or weights changed while the freezing was the recommended one).
    bool m_applyRecommendation = false;

    NetworkRequest m_shownRequest;
    bool m_hasShownNetwork = false;
    NetworkRequest m_buildingRequest;
    bool m_building = false;
    // Written by the build worker, read on the GUI thread once the job's finished() arrives.
    std::shared_ptr<core::Result<NetworkSummary>> m_buildResult;

    QWidget* m_body = nullptr;
    QLabel* m_purpose = nullptr;  // the header's line saying what the page is for
    QLabel* m_noProjectLabel = nullptr;
    QTableWidget* m_architectureTable = nullptr;
    WeightsPanel* m_weightsPanel = nullptr;
    QDoubleSpinBox* m_dropoutSpin = nullptr;
    QSpinBox* m_hiddenUnitsSpin = nullptr;
    InputSizeSpinBox* m_imageSizeSpin = nullptr;
    QLabel* m_headNoteLabel = nullptr;
    FreezeMap* m_freezeMap = nullptr;
    DetectionModelPanel* m_detectionPanel = nullptr;
    QLabel* m_errorLabel = nullptr;
    QLabel* m_lockedLabel = nullptr;
    QList<QWidget*> m_lockedWhileTraining;
    bool m_trainingLocked = false;
    bool m_trainingPaused = false;  // with m_trainingLocked: the freeze map takes changes
    BackgroundJob* m_buildJob = nullptr;
    // Coalesces quick changes (arrow keys through the table) into one build.
    QTimer* m_buildTimer = nullptr;
};

}  // namespace fovea::ui
