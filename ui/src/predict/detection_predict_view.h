#pragma once

#include <QColor>
#include <QHash>
#include <QSet>
#include <QStringList>
#include <QWidget>
#include <memory>
#include <vector>

#include "fovea/core/session/detection_model.h"

class QLabel;
class QListWidget;
class QPushButton;
class QSlider;
class QTableWidget;

namespace fovea::ui {

class BackgroundJob;
class ImagePreview;

// The Predict page for a detection run (issue 24, point 4): the run's detector is loaded and
// runs the chosen images and folders in the background; the chosen image is shown with its
// boxes, class names and scores, the boxes listed beside it. The score threshold filters live:
// the detector keeps every box down to its own 0.05 once, the slider only hides them. What is
// shown is saved as JSON and CSV (fovea-cli predict's formats) or COCO results JSON.
class DetectionPredictView : public QWidget {
    Q_OBJECT
  public:
    explicit DetectionPredictView(QWidget* parent = nullptr);
    ~DetectionPredictView() override;

    // Loads the detector of the run in `runFolder` in the background; modelLoaded() or failed().
    bool load(const QString& runFolder);
    // Forgets the model and the images.
    void clearModel();
    bool hasModel() const { return m_model != nullptr; }
    const core::DetectionModel* model() const { return m_model.get(); }
    QString source() const { return m_source; }
    // Detects the images of these files and folders (queued while the model loads or another
    // batch runs); images already listed are left out. predicted() follows.
    void addInputs(const QStringList& inputs);
    // Empties the list (a batch in progress is dropped).
    void clearImages();

    // The open project's class colours by name: a box of a class the project has is drawn in
    // its colour, as on the Data page; other classes (a run of another project) in a palette's.
    void setClassColours(QHash<QString, QColor> colours);
    QColor colourOf(const QString& className, int classIndex) const;

    // The least score shown and saved, 0..1.
    double threshold() const;
    void setThreshold(double threshold);
    // The listed images with their boxes at the threshold, in the list's order.
    std::vector<core::ImageDetections> shownDetections() const;
    void selectImage(int row);

    bool saveJson(const QString& file, QString* error = nullptr);
    bool saveCsv(const QString& file, QString* error = nullptr);
    bool saveCoco(const QString& file, QString* error = nullptr);

    BackgroundJob* job() const { return m_job; }
    QListWidget* imageList() const { return m_list; }
    QTableWidget* boxTable() const { return m_boxes; }
    ImagePreview* imageView() const { return m_image; }
    QSlider* thresholdSlider() const { return m_slider; }

  Q_SIGNALS:
    void modelLoaded();
    void predicted();
    void failed(const QString& message);
    void statusChanged(const QString& text);

  private:
    enum class Work { None, Load, Detect };
    bool startDetecting(const QStringList& inputs);
    void onJobFinished(bool ok, const QString& message);
    void refreshList();  // box counts at the threshold
    void showChosen();
    bool save(const QString& file, const std::string& content, QString* error);
    void updateButtons();

    QHash<QString, QColor> m_classColours;
    std::shared_ptr<core::DetectionModel> m_model;
    std::shared_ptr<core::DetectionModel> m_loaded;  // written by the job
    std::vector<core::ImageDetections> m_detected;   // written by the job
    std::vector<core::ImageDetections> m_images;     // every box down to 0.05, listed order
    QSet<QString> m_identities;                      // of the listed images
    QStringList m_queued;
    QString m_source;
    QString m_pendingLoad;  // asked for while the job ran
    Work m_work = Work::None;
    bool m_discard = false;  // the list was cleared or the model let go while the job ran
    QImage m_picture;        // the chosen image, decoded once for every threshold
    int m_pictureRow = -1;
    BackgroundJob* m_job;
    QSlider* m_slider;
    QLabel* m_thresholdLabel;
    QListWidget* m_list;
    ImagePreview* m_image;
    QTableWidget* m_boxes;
    QPushButton* m_saveJson;
    QPushButton* m_saveCsv;
    QPushButton* m_saveCoco;
};

}  // namespace fovea::ui
