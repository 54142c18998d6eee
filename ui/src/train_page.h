#pragma once

#include <QWidget>

class QCustomPlot;

namespace fovea::ui {

// Training controls and the live loss/accuracy plots. The plots are laid out now so the page
// shows what a run will draw; the trainer feeds them in a later step.
class TrainPage : public QWidget {
    Q_OBJECT
  public:
    explicit TrainPage(QWidget* parent = nullptr);

    QCustomPlot* lossPlot() const { return m_lossPlot; }
    QCustomPlot* accuracyPlot() const { return m_accuracyPlot; }

  private:
    QCustomPlot* m_lossPlot = nullptr;
    QCustomPlot* m_accuracyPlot = nullptr;
};

}  // namespace fovea::ui
