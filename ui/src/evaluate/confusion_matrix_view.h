#pragma once

#include <QTableWidget>

namespace fovea::ui {

class RunEvaluation;

// The confusion matrix as a heatmap: rows are the true classes, columns the predictions; each
// cell shows its count, shaded by its share of the row (green on the diagonal, red off it, so
// the worst confusions stand out). Clicking a cell asks for its images.
class ConfusionMatrixView : public QTableWidget {
    Q_OBJECT
  public:
    explicit ConfusionMatrixView(QWidget* parent = nullptr);
    void showEvaluation(const RunEvaluation* evaluation);

  Q_SIGNALS:
    void cellChosen(int truth, int predicted);
};

}  // namespace fovea::ui
