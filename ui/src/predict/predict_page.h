#pragma once

#include <QStringList>
#include <QVector>
#include <QWidget>
#include <functional>
#include <memory>

#include "predict/model_predictor.h"
#include "widgets/background_job.h"
#include "widgets/image_preview.h"

class QAction;
class QCheckBox;
class QHBoxLayout;
class QLabel;
class QPushButton;
class QSpinBox;
class QStackedWidget;
class QTableWidget;
class QVBoxLayout;

namespace fovea::ui {

class DetectionPredictView;
class ElidedLabel;

// The Predict page: drop images or folders on it (or add them), see each image's top-k classes
// with probabilities, the image itself with an optional Grad-CAM overlay of the selected class,
// and save the results as CSV. The model is the last trained run's, or any run folder, bundle
// or model file opened here. Loading, predicting and Grad-CAM run in the background.
// The table lists each file once (ModelPredictor::identityOf); rows can be removed (Remove, the
// Delete key, the context menu) or all cleared, and the CSV holds exactly the rows listed. A
// file that cannot be read says so in its own row ("unreadable", and why in the Problem column)
// and is counted apart from the predicted ones. A detection run's detector gets its own view
// (DetectionPredictView: boxes over the image, a score threshold, JSON/CSV/COCO files) in the
// same place, fed by the same Add and Clear buttons and drops.
class PredictPage : public QWidget {
    Q_OBJECT
  public:
    explicit PredictPage(QWidget* parent = nullptr);
    ~PredictPage() override;

    // Loads the model in `source` (run folder, bundle or model.safetensors) in the background.
    bool setModelSource(const QString& source);
    const ModelPredictor* predictor() const { return m_predictor.get(); }
    // No model, no rows (the project closed, or its run was deleted).
    void clearModel();
    // The project's runs/, which Open Model… lists (empty: no project open).
    void setRunsFolder(const QString& folder) { m_runsFolder = folder; }
    // Where the project's images are (asked when a file dialog opens, as images come and go):
    // the dialogs' last resort before the home folder.
    void setImagesFolderSource(std::function<QString()> source) {
        m_imagesFolder = std::move(source);
    }
    // Predicts these files and folders (as a drop does); the results are added to the table,
    // leaving out files already in it. predicted() follows, also when nothing was new.
    bool addInputs(const QStringList& inputs);
    // The rows of the table, in order.
    const QVector<ModelPredictor::Prediction>& predictions() const { return m_predictions; }
    void selectPrediction(int row);
    // Removes the selected rows; the next row is selected and shown.
    void removeSelectedRows();
    // Removes every row, and drops the prediction in progress and any queued inputs.
    void clearPredictions();
    void setGradCamShown(bool shown);
    bool exportCsv(const QString& file, QString* error = nullptr);

    BackgroundJob* job() const { return m_job; }
    QTableWidget* resultsTable() const { return m_table; }
    // Shown instead of the table and picture while a detection run's model is open.
    DetectionPredictView* detectionView() const { return m_detection; }
    bool showsDetection() const;
    ImagePreview* imageView() const { return m_image; }
    // Grad-CAM overlays computed so far (for tests: the toggle really ran it).
    int gradCamsShown() const { return m_gradCams; }

  Q_SIGNALS:
    // The user chose `folder` with this page's own button (a run folder, a bundle or a model
    // file): the window shows a run on the other run pages too.
    void runChosen(const QString& folder);
    void modelLoaded();
    void predicted();
    void failed(const QString& message);

  protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

  private:
    enum class Work { None, Load, Predict, GradCam };
    QHBoxLayout* buildToolBar();
    void buildResultsTable();
    QWidget* buildImagePane();  // the image, the Grad-CAM box and the selected image's scores
    bool startWork(Work work, const std::function<BackgroundJob::Outcome(BackgroundJob&)>& run);
    void onJobFinished(bool ok, const QString& message);
    void addRows(const ModelPredictor::Batch& batch);
    void appendRow(const ModelPredictor::Prediction& prediction);
    void showSelection();
    bool startGradCam(const ModelPredictor::Prediction& prediction);
    // The score bars' room, as high as top-k bars whatever the row shows: selecting another
    // row never moves the picture.
    void keepRoomForScores();
    void showScores(const ModelPredictor::Prediction* prediction);  // none: the pane is emptied
    void runQueued();
    void updateActions();
    QString listText() const;  // "12 in the list" or "the list is empty"

    std::shared_ptr<ModelPredictor> m_predictor;
    std::shared_ptr<ModelPredictor> m_loaded;  // written by the job
    ModelPredictor::Batch m_batch;             // written by the job
    QImage m_overlay;                          // written by the job, of m_overlayPath
    QString m_overlayPath;                     // empty when m_overlay is of no row
    bool m_gradCamPending = false;     // the selected row wants Grad-CAM once the job is free
    bool m_discardPrediction = false;  // cleared while predicting: the results are not wanted
    // Where the file dialogs open.
    QString predictFolder() const;
    // "Model: <run> (<facts>) · <path>", for the line above the table.
    static QString modelLine(const ModelPredictor& model);
    QString m_runsFolder;
    std::function<QString()> m_imagesFolder;
    bool m_discardLoad = false;                         // clearModel() while a model loaded
    QVector<ModelPredictor::Prediction> m_predictions;  // the table's rows
    QStringList m_queuedInputs;  // dropped while the model was loading or predicting
    Work m_work = Work::None;
    int m_gradCams = 0;
    BackgroundJob* m_job;
    ElidedLabel* m_modelLabel = nullptr;
    QSpinBox* m_topK = nullptr;
    QPushButton* m_removeButton = nullptr;
    QPushButton* m_clearButton = nullptr;
    QPushButton* m_addImagesButton = nullptr;
    QPushButton* m_exportButton = nullptr;
    QTableWidget* m_table = nullptr;
    QAction* m_removeAction = nullptr;
    QAction* m_clearAction = nullptr;
    ImagePreview* m_image = nullptr;
    QCheckBox* m_gradCam = nullptr;
    QVBoxLayout* m_scores = nullptr;
    QWidget* m_scoresBox = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_purpose = nullptr;  // the header's line: it says what the kind of model shown does
    QStackedWidget* m_views = nullptr;  // the classification splitter, or m_detection
    QWidget* m_classificationView = nullptr;
    DetectionPredictView* m_detection = nullptr;
};

}  // namespace fovea::ui
