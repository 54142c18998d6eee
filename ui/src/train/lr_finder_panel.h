#pragma once

#include <QWidget>
#include <functional>
#include <memory>

#include "train/training_request.h"

class QCPGraph;
class QCPItemStraightLine;
class QCustomPlot;
class QLabel;
class QPushButton;

namespace fovea::ui {

class BackgroundJob;

// The learning-rate range test on the Train page: a button that runs core's finder on the
// project's images with the Model page's network and the page's optimizer (on a background
// thread, cancellable), the smoothed loss against the rate on a log axis as it comes in, the
// suggested rate marked, and a button that puts the suggestion into the learning-rate field.
class LearningRateFinderPanel : public QWidget {
    Q_OBJECT
  public:
    explicit LearningRateFinderPanel(QWidget* parent = nullptr);
    ~LearningRateFinderPanel() override;

    // The settings to test with (read when the test starts).
    void setRequestProvider(std::function<TrainingRequest()> provider);
    // Optimizer steps of the next test (100 by default, as fovea-cli lr-find).
    void setSteps(int steps) { m_steps = steps; }

    bool start(QString* error = nullptr);
    void cancel();
    // No curve, no suggestion (another project); a running test is cancelled and forgotten.
    void clear();
    bool isRunning() const;

    QCustomPlot* plot() const { return m_plot; }
    int points() const;
    // 0 until a finished test suggested a rate.
    double suggestedLearningRate() const { return m_suggested; }

  Q_SIGNALS:
    void runningChanged(bool running);
    void finished(bool ok, const QString& message);
    // "Use" was clicked.
    void learningRateChosen(double learningRate);

  private:
    struct Curve;
    void showCurve();
    void onFinished(bool ok, const QString& message);

    std::function<TrainingRequest()> m_request;
    int m_steps = 100;
    double m_suggested = 0;
    BackgroundJob* m_job;
    std::shared_ptr<Curve> m_curve;  // filled by the job's thread
    bool m_discard = false;          // clear() while a test ran
    QPushButton* m_find;
    QCustomPlot* m_plot;
    QCPGraph* m_graph;
    QCPItemStraightLine* m_marker;
    QLabel* m_status;
    QPushButton* m_use;
};

}  // namespace fovea::ui
