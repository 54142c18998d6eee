#pragma once

#include <QImage>
#include <QList>
#include <QWidget>
#include <memory>

#include "fovea/core/project/project_types.h"
#include "widgets/image_preview.h"

class QCheckBox;
class QLabel;
class QListWidget;
class QListWidgetItem;
class QPushButton;
class QStackedWidget;
class QTabWidget;
class QTableWidget;

namespace fovea::ui {

class BackgroundJob;
class ClassChooser;
class ConfusionMatrixView;
class DetectionEvaluationView;
class ElidedLabel;
class HeatmapColorBar;
class ProjectSession;
class RunEvaluation;
class ThumbnailCache;

// The Evaluate page: where the model is wrong. A run's model is evaluated on the run's own
// validation images (in the background); the confusion matrix is a heatmap whose cells show
// their images, with per-class precision/recall/F1 and a gallery of the images the model got
// most wrong. Keys 1-9 (or L and a class name) on an image fix its label in the project (undoable
// like any labeling) and the figures follow at once. A detection run gets its own view
// (DetectionEvaluationView: COCO's figures and the error browser) in the same place.
class EvaluatePage : public QWidget {
    Q_OBJECT
  public:
    explicit EvaluatePage(QWidget* parent = nullptr);
    ~EvaluatePage() override;

    void setSession(ProjectSession* session);
    // Evaluates the run in `runFolder` in the background; evaluated() or failed() follows.
    bool evaluateRun(const QString& runFolder);
    const RunEvaluation* evaluation() const { return m_evaluation.get(); }
    // No run shown (the project closed, or the run was deleted).
    void closeRun();
    QString runFolder() const { return m_runFolder; }
    // Shows the images of one confusion cell (as clicking it does).
    void showCell(int truth, int predicted);
    // Gives the image the model's class `classIndex` in the project (as keys 1-9 do).
    bool relabel(qint64 imageId, int classIndex);

    // Grad-CAM of the selected image's predicted class over it, instead of the plain image.
    void setGradCamShown(bool shown);
    int gradCamsShown() const { return m_gradCams; }
    ImagePreview* imageView() const { return m_image; }

    BackgroundJob* job() const { return m_job; }
    ConfusionMatrixView* confusionView() const { return m_confusion; }
    QListWidget* cellImages() const { return m_cellImages; }
    QListWidget* topLosses() const { return m_topLosses; }
    QTableWidget* perClassTable() const { return m_perClass; }
    // A detection run's evaluation is shown there instead of the classification views.
    DetectionEvaluationView* detectionView() const { return m_detection; }
    // Key L on an image list: the class chooser, for the list's current image.
    void openClassChooser();
    ClassChooser* classChooser() const { return m_chooser; }

  Q_SIGNALS:
    // The user chose `folder` with this page's own button (a run folder, a bundle or a model
    // file): the window shows a run on the other run pages too.
    void runChosen(const QString& folder);
    void evaluated();
    void failed(const QString& message);

  protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

  private:
    void chooseRun();
    void onJobFinished(bool ok, const QString& message);
    // Empties every view of results (the run's name stays).
    void clearResults();
    void showFigures();
    void refreshLists();
    // Labels changed in the project (here, on the Data page, or by undo): the figures follow.
    void onLabelsChanged(const QList<qint64>& ids);
    void onThumbnail(qint64 id);
    void showSelectedImage();
    // Gives the current image of the shown list the project's class `className`.
    bool relabelCurrentImage(const QString& className);
    QList<core::ClassInfo> projectClasses() const;
    // The classification views or the detection view, with the page's purpose line to match.
    void showView(QWidget* view);

    ProjectSession* m_session = nullptr;
    std::shared_ptr<RunEvaluation> m_evaluation;
    std::shared_ptr<RunEvaluation> m_pending;  // written by the job, taken when it finishes
    QImage m_overlay;                          // written by a Grad-CAM job
    bool m_gradCamJob = false;                 // what the job is doing
    int m_gradCams = 0;
    QString m_runFolder;
    int m_cellTruth = -1;
    int m_cellPredicted = -1;
    BackgroundJob* m_job;
    ThumbnailCache* m_thumbnails;
    ElidedLabel* m_runLabel = nullptr;
    QLabel* m_summary = nullptr;
    QPushButton* m_chooseButton = nullptr;
    ConfusionMatrixView* m_confusion = nullptr;
    QTabWidget* m_tabs = nullptr;
    QListWidget* m_cellImages = nullptr;
    QListWidget* m_topLosses = nullptr;
    QTableWidget* m_perClass = nullptr;
    ImagePreview* m_image = nullptr;
    QCheckBox* m_gradCam = nullptr;
    HeatmapColorBar* m_colorBar = nullptr;
    ClassChooser* m_chooser = nullptr;  // Grad-CAM's colour scale, shown with it
    QStackedWidget* m_views = nullptr;  // the classification views, or m_detection
    QWidget* m_classificationView = nullptr;
    DetectionEvaluationView* m_detection = nullptr;
    QLabel* m_purpose = nullptr;  // the header's purpose line
};

}  // namespace fovea::ui
