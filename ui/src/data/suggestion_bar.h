#pragma once

#include <QList>
#include <QWidget>
#include <cstdint>

#include "fovea/core/session/labeling_order.h"

class QActionGroup;
class QLabel;
class QPushButton;
class QSpinBox;
class QToolButton;

namespace fovea::ui {

class BackgroundJob;
class JobProgressBar;
class ProjectSession;

// The Data page's strip for model-assisted labeling: Suggest Labels… (a trained model predicts
// the project's unlabeled images on a worker thread, core::suggestLabels), Refresh (a head
// fitted in seconds on the offline backbone's cached embeddings of the labels so far suggests
// instead, core::refreshSuggestions; both order "Label next" by the uncertainty measure the Order
// menu beside Refresh chooses, with diversity), what the last run did and how
// many suggestions wait, and Accept All… with its confidence threshold, which says how many
// images it will label before it does. Accepting is the page's (one undoable command): this strip
// asks for it through acceptRequested.
// Suggest Labels' progress: the unlabeled images first ("320 of 49" read wrong when the labeled
// images predicted for "Label next"'s coverage were counted with them), then those.
QString suggestingProgressText(std::int64_t done, std::int64_t total, std::int64_t unlabeled);

class SuggestionBar : public QWidget {
    Q_OBJECT
  public:
    explicit SuggestionBar(QWidget* parent = nullptr);
    ~SuggestionBar() override;

    // The open project (nullptr: none); a suggestion run of the previous one is cancelled.
    void setSession(ProjectSession* session);
    // Counts the waiting suggestions again (after labels changed).
    void refresh();

    // Chooses a model (SuggestModelDialog) and suggests with it.
    void chooseModelAndSuggest();
    // Starts suggesting with `modelSource` (run folder, bundle or model file); false, with why,
    // when it cannot start (no project, a run already going).
    bool suggestLabels(const QString& modelSource, QString* error = nullptr);
    // Starts a Refresh; false, with why, when it cannot start.
    bool refreshSuggestions(QString* error = nullptr);
    BackgroundJob* job() const { return m_job; }

    // How "Label next" measures where the model hesitates, for the next Suggest or Refresh
    // (the Order menu beside Refresh).
    core::UncertaintyMeasure uncertaintyMeasure() const;
    void setUncertaintyMeasure(core::UncertaintyMeasure measure);

    int acceptThresholdPercent() const;
    void setAcceptThresholdPercent(int percent);
    // The unlabeled images whose suggestion is at least `percent` sure, in the whole project.
    QList<qint64> suggestedImages(int percent) const;
    // Accept all ≥ X %…: asks "Label N images with their suggestions (confidence ≥ X %)?"
    // and, on Yes, emits acceptRequested with exactly those images.
    void askAcceptAll();
    // What the last suggestion run did (or why it failed), as shown.
    QString report() const;

  Q_SIGNALS:
    void acceptRequested(const QList<qint64>& imageIds);
    // A suggestion run stored new suggestions in the project.
    void suggestionsStored();
    // The confidence threshold changed (Accept All's, which the Suggested filter shares).
    void thresholdChanged(int percent);

  private:
    // Whether a job can start now; if not, why.
    bool canStart(QString* error) const;
    void onFinished(bool ok, const QString& message);

    ProjectSession* m_session = nullptr;
    QString m_runningFor;  // the project folder the running job writes to
    QString m_lastRun;     // what the last suggestion run did, or why it failed
    BackgroundJob* m_job;
    JobProgressBar* m_progress;
    QPushButton* m_suggest;
    QPushButton* m_refresh;
    QToolButton* m_measureButton;
    QActionGroup* m_measures;
    QLabel* m_report;
    QSpinBox* m_threshold;
    QPushButton* m_acceptAll;
};

}  // namespace fovea::ui
