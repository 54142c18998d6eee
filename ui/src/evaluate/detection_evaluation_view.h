#pragma once

#include <QWidget>
#include <memory>

#include "evaluate/detection_error_browser.h"

class QLabel;
class QTableWidget;

namespace fovea::ui {

class BackgroundJob;
class JobProgressBar;

// The Evaluate page for a detection run (issue 24, point 4): the run's detector evaluated on its
// validation images in the background (progress and Cancel), COCO's mAP@[.5:.95], AP50, AP75
// and AR@100 with a per-class table, and the error browser. The figures are core's
// evaluateDetectionRun's, as fovea-cli eval prints them.
class DetectionEvaluationView : public QWidget {
    Q_OBJECT
  public:
    // Tiles drawn per kind of mistake, the most confident first: the rest are counted only, so
    // a large project's thousands of low-scoring false positives cost no memory.
    static constexpr int kTilesPerKind = 240;

    explicit DetectionEvaluationView(QWidget* parent = nullptr);
    ~DetectionEvaluationView() override;

    // Evaluates the detection run in `runFolder`; evaluated() or failed() follows. Refused
    // while an evaluation runs.
    bool evaluate(const QString& runFolder);
    // Cancels an evaluation in progress and empties the view.
    void clear();
    const EvaluatedDetections* result() const { return m_evaluated.get(); }

    BackgroundJob* job() const { return m_job; }
    QLabel* summary() const { return m_summary; }
    QTableWidget* perClassTable() const { return m_perClass; }
    DetectionErrorBrowser* errorBrowser() const { return m_browser; }

  Q_SIGNALS:
    void evaluated();
    void failed(const QString& message);

  private:
    void onJobFinished(bool ok, const QString& message);
    void showFigures();

    std::shared_ptr<const EvaluatedDetections> m_evaluated;
    std::shared_ptr<const EvaluatedDetections> m_pending;  // written by the job
    bool m_discard = false;  // cleared while evaluating: the outcome is of no run shown
    BackgroundJob* m_job;
    JobProgressBar* m_progress;
    QLabel* m_summary;
    QTableWidget* m_perClass;
    DetectionErrorBrowser* m_browser;
};

}  // namespace fovea::ui
