#pragma once

// The Model page of a detection project (issue 24, point 3): the detector (one of the four
// Faster R-CNN builders, with what each needs to start), where its backbone's weights come
// from, and the freeze map of its parts: the backbone's stages, the FPN, the RPN, the box head
// and the box predictor, each with its parameter count. Every change is saved to the project
// (detection_project_settings.h) at once.

#include <QPointer>
#include <QWidget>
#include <map>
#include <memory>
#include <optional>

#include "fovea/core/session/detection_freezing.h"
#include "fovea/core/session/detection_training.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QTableWidget;

namespace fovea::ui {

class BackgroundJob;
class ProjectSession;

class DetectionModelPanel : public QWidget {
    Q_OBJECT
  public:
    explicit DetectionModelPanel(QWidget* parent = nullptr);

    void setSession(ProjectSession* session);
    const core::DetectionTrainingSettings& settings() const { return m_settings; }

    // As the user chooses them (saved, changed() emitted). `weights`: default, none or a file.
    void setArchitecture(const QString& architecture);
    void setWeights(const QString& weights);
    // A click on a row of the freeze map: a frozen backbone stage trains from then on with every
    // later stage (torchvision's trainable_backbone_layers), a training one freezes with every
    // earlier one; FPN, RPN, box head and box predictor switch alone.
    void toggleFreezeRow(int row);
    // While a run trains, nothing here changes.
    void setLocked(bool locked);

    // The freeze map's figures; 0 until the detector's layout is known.
    qint64 trainableParameters() const;
    qint64 totalParameters() const;
    bool isLayoutReady() const { return m_layout.has_value(); }
    QTableWidget* freezeMap() const { return m_freezeMap; }
    QTableWidget* detectorTable() const { return m_detectors; }

  Q_SIGNALS:
    void changed();
    // The freeze map shows the current detector's parts.
    void layoutReady();

  protected:
    // The project's input size may have changed on the Train page meanwhile.
    void showEvent(QShowEvent* event) override;

  private:
    void showSettings();
    // What the detector needs, and the size this project trains it at when not its default.
    QString noteFor(int row) const;
    void onDetectorRowChanged();
    void onWeightsChoice();
    void save();
    void requestLayout();
    void onLayoutBuilt(bool ok, const QString& message);
    void showFreezeMap();
    // trainable_backbone_layers as the run will resolve it (-1: the weights' default).
    std::int64_t trainableStages() const;

    QPointer<ProjectSession> m_session;
    core::DetectionTrainingSettings m_settings;
    bool m_loading = false;
    // Layouts by architecture, batch-norm kind and class count: building a detector takes a
    // second, its layout does not change.
    std::map<std::string, core::DetectorLayout> m_layouts;
    std::optional<core::DetectorLayout> m_layout;
    std::string m_buildingKey;  // the layout the job builds
    std::shared_ptr<core::Result<core::DetectorLayout>> m_built;

    QTableWidget* m_detectors = nullptr;
    QLabel* m_detectorNote = nullptr;  // what the selected detector needs and is
    QComboBox* m_weights = nullptr;
    QLineEdit* m_weightsFile = nullptr;
    QTableWidget* m_freezeMap = nullptr;
    QLabel* m_counts = nullptr;
    QLabel* m_error = nullptr;
    BackgroundJob* m_job = nullptr;
};

}  // namespace fovea::ui
