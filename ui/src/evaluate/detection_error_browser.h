#pragma once

#include <QWidget>
#include <array>
#include <memory>

#include "evaluate/detection_errors.h"

class QButtonGroup;
class QLabel;
class QListWidget;
class QToolButton;

namespace fovea::ui {

class ImagePreview;

// A detection run's evaluation shown with its errors.
struct EvaluatedDetections {
    core::DetectionEvaluation evaluation;
    DetectionErrors errors;  // with the tiles drawn
};

// The Evaluate page's error browser for a detection run (issue 24, point 4): one filter per kind
// of mistake with its count, the mistakes of the chosen kind as tiles (the region around the
// truth box and the detection, captioned with class and score), and the chosen tile's whole
// image large, with every truth box and detection and each detection's verdict. A legend says
// what the colours mean.
class DetectionErrorBrowser : public QWidget {
    Q_OBJECT
  public:
    static constexpr int kTileSide = 96;
    // Detections shown on the large image (besides the chosen one): the box head keeps all
    // down to 0.05, which would bury the picture.
    static constexpr double kShownScore = 0.3;

    explicit DetectionErrorBrowser(QWidget* parent = nullptr);

    // nullptr: nothing shown.
    void setEvaluation(std::shared_ptr<const EvaluatedDetections> evaluated);
    // Shows the tiles of one kind (as its filter button does).
    void showKind(DetectionErrorKind kind);
    DetectionErrorKind shownKind() const { return m_kind; }

    QToolButton* filterButton(DetectionErrorKind kind) const {
        return m_filters[static_cast<std::size_t>(kind)];
    }
    QListWidget* tiles() const { return m_tiles; }
    ImagePreview* imageView() const { return m_image; }

  private:
    void fillTiles();
    void showChosenTile();

    std::shared_ptr<const EvaluatedDetections> m_evaluated;
    DetectionErrorKind m_kind = DetectionErrorKind::Background;
    std::array<QToolButton*, kDetectionErrorKinds> m_filters{};
    QButtonGroup* m_filterGroup;
    QListWidget* m_tiles;
    QLabel* m_shownNote;
    ImagePreview* m_image;
};

}  // namespace fovea::ui
