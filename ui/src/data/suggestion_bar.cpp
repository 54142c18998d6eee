#include "data/suggestion_bar.h"

#include <QActionGroup>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>

#include "fovea/core/count_text.h"
#include "fovea/core/session/label_refresh.h"
#include "fovea/core/session/label_suggestions.h"
#include "gui_wording.h"
#include "project/project_session.h"
#include "runs/run_choice_dialog.h"
#include "widgets/background_job.h"
#include "widgets/job_progress_bar.h"
#include "widgets/menu_button.h"

namespace fovea::ui {

namespace {

constexpr int kDefaultAcceptPercent = 90;

QString imagesText(qsizetype count) {
    return count == 1 ? QString("1 image") : QString("%1 images").arg(count);
}

core::ImageFilter suggestedFilter(int percent) {
    core::ImageFilter filter;
    filter.suggested = core::Require::Yes;
    filter.minSuggestionConfidence = percent / 100.0;
    return filter;
}

// One line for the strip: what the run did, in the workbench's words.
QString reportText(const core::SuggestionReport& report, const QString& modelName) {
    QString text =
        QString("Suggested labels for %1 with %2.")
            .arg(QString::fromStdString(core::countText(report.suggested, "image")), modelName);
    if (report.suggested < report.considered) {
        text += QString(" %1 of %2 unlabeled images got none.")
                    .arg(report.considered - report.suggested)
                    .arg(report.considered);
    }
    if (!report.failures.empty()) {
        text += QString(" %1 unreadable (marked in the grid).")
                    .arg(imagesText(static_cast<qsizetype>(report.failures.size())));
    }
    if (!report.unmatchedClasses.empty()) {
        QStringList names;
        for (const auto& name : report.unmatchedClasses) names << QString::fromStdString(name);
        text += " Not in the project, so never suggested: " + names.join(", ") + ".";
    }
    return text;
}

}  // namespace

SuggestionBar::SuggestionBar(QWidget* parent)
    : QWidget(parent),
      m_job(new BackgroundJob(this)),
      m_progress(new JobProgressBar(this)),
      m_suggest(new QPushButton("Suggest Labels…", this)),
      m_refresh(new QPushButton("Refresh", this)),
      m_measureButton(new QToolButton(this)),
      m_measures(new QActionGroup(this)),
      m_report(new QLabel(this)),
      m_threshold(new QSpinBox(this)),
      m_acceptAll(new QPushButton(this)) {
    setObjectName("suggestionBar");
    m_suggest->setObjectName("suggestLabelsButton");
    m_suggest->setToolTip(
        "Let a trained model suggest a class for every unlabeled image; you accept or correct");
    connect(m_suggest, &QPushButton::clicked, this, &SuggestionBar::chooseModelAndSuggest);
    m_refresh->setObjectName("refreshSuggestionsButton");
    m_refresh->setToolTip(
        "Suggest from the labels given so far, in seconds and without a training run: a head "
        "fitted on the offline backbone's features of the labeled images. \"Label next\" then "
        "puts first the images the head is least sure of, no two near-identical together.");
    connect(m_refresh, &QPushButton::clicked, this, [this] {
        QString error;
        if (!refreshSuggestions(&error)) m_report->setText(error);
    });
    // The measure is a choice few make, so it waits in a menu rather than taking the strip's
    // room; both Suggest and Refresh order by it.
    m_measureButton->setObjectName("labelNextMeasureButton");
    makeMenuButton(m_measureButton, "Order");
    m_measureButton->setToolTip("What \"Label next\" puts first, from the next Suggest or Refresh");
    auto* measureMenu = new QMenu(m_measureButton);
    // Short: a section's title does not widen the menu, and the long one was cut. The button's
    // tooltip says that the choice shows from the next Suggest or Refresh.
    measureMenu->addSection("Label next puts first images whose");
    const auto addMeasure = [&](const QString& text, core::UncertaintyMeasure measure,
                                const QString& name) {
        QAction* action = measureMenu->addAction(text);
        action->setObjectName(name);
        action->setCheckable(true);
        action->setData(static_cast<int>(measure));
        m_measures->addAction(action);
        return action;
    };
    addMeasure("two most probable classes are closest (margin)", core::UncertaintyMeasure::Margin,
               "marginMeasureAction")
        ->setChecked(true);
    addMeasure("probabilities are most spread out (entropy)", core::UncertaintyMeasure::Entropy,
               "entropyMeasureAction");
    m_measureButton->setMenu(measureMenu);

    m_report->setObjectName("suggestionReport");
    m_report->setWordWrap(true);
    m_report->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_threshold->setObjectName("acceptThresholdSpin");
    m_threshold->setToolTip(
        "How sure a suggestion must be for Accept All to take it, and for the Suggested filter "
        "to show it");
    m_threshold->setRange(1, 100);
    m_threshold->setSingleStep(5);
    // Read with the button before it: "Accept All…  ≥ 90 %".
    m_threshold->setPrefix("≥ ");
    m_threshold->setSuffix(" %");
    m_threshold->setValue(kDefaultAcceptPercent);
    // One query per value the user settles on, not per digit typed.
    m_threshold->setKeyboardTracking(false);
    connect(m_threshold, &QSpinBox::valueChanged, this, &SuggestionBar::thresholdChanged);
    m_acceptAll->setObjectName("acceptAllButton");
    m_acceptAll->setText("Accept All…");
    m_acceptAll->setToolTip(
        "Label every unlabeled image whose suggestion is at least this sure (asks first; Ctrl+Z "
        "undoes it)");
    connect(m_acceptAll, &QPushButton::clicked, this, &SuggestionBar::askAcceptAll);

    // The report has a line of its own below the buttons, two lines high: beside them, in the
    // Data page's middle column, it wrapped to five lines and the grid jumped each time it
    // changed. The progress strip takes the report's place while a job runs (beside the
    // buttons it had a few dozen pixels and cut its own words), in the same fixed room.
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_suggest);
    buttons->addWidget(m_refresh);
    buttons->addWidget(m_measureButton);
    buttons->addStretch();
    buttons->addWidget(m_acceptAll);
    buttons->addWidget(m_threshold);
    m_report->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    auto* status = new QWidget(this);
    auto* statusLayout = new QVBoxLayout(status);
    statusLayout->setContentsMargins(0, 0, 0, 0);
    statusLayout->addWidget(m_report);
    statusLayout->addWidget(m_progress);
    status->setFixedHeight(
        std::max(2 * m_report->fontMetrics().lineSpacing(), m_progress->sizeHint().height()));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(buttons);
    layout->addWidget(status);

    connect(m_job, &BackgroundJob::finished, this, &SuggestionBar::onFinished);
    refresh();
}

SuggestionBar::~SuggestionBar() = default;

void SuggestionBar::setSession(ProjectSession* session) {
    if (m_job->isRunning()) m_job->cancel();
    m_session = session;
    m_lastRun.clear();
    refresh();
}

core::UncertaintyMeasure SuggestionBar::uncertaintyMeasure() const {
    const QAction* checked = m_measures->checkedAction();
    return checked ? static_cast<core::UncertaintyMeasure>(checked->data().toInt())
                   : core::UncertaintyMeasure::Margin;
}

void SuggestionBar::setUncertaintyMeasure(core::UncertaintyMeasure measure) {
    for (QAction* action : m_measures->actions()) {
        if (action->data().toInt() == static_cast<int>(measure)) action->setChecked(true);
    }
}

int SuggestionBar::acceptThresholdPercent() const { return m_threshold->value(); }

void SuggestionBar::setAcceptThresholdPercent(int percent) { m_threshold->setValue(percent); }

QList<qint64> SuggestionBar::suggestedImages(int percent) const {
    QList<qint64> ids;
    if (!m_session) return ids;
    auto images = m_session->store().images(suggestedFilter(percent));
    if (!m_session->check(images)) return ids;
    for (const auto& image : images.value()) ids << image.id;
    return ids;
}

QString SuggestionBar::report() const { return m_report->text(); }

void SuggestionBar::refresh() {
    qint64 waiting = 0;
    if (m_session) {
        if (auto count = m_session->store().imageCount(suggestedFilter(0))) waiting = count.value();
    }
    m_acceptAll->setEnabled(waiting > 0 && !m_job->isRunning());
    // The threshold is the Suggested filter's too: settable before any suggestion exists.
    m_suggest->setEnabled(m_session && !m_job->isRunning());
    m_refresh->setEnabled(m_session && !m_job->isRunning());
    m_measureButton->setEnabled(!m_job->isRunning());
    m_report->setVisible(!m_job->isRunning());
    if (m_job->isRunning()) return;  // the progress strip speaks
    QString text = m_lastRun;
    if (waiting > 0) {
        if (!text.isEmpty()) text += " ";
        text += m_lastRun.isEmpty()
                    ? QString("%1 waiting.")
                          .arg(waiting == 1 ? QString("1 suggestion")
                                            : QString("%1 suggestions").arg(waiting))
                    : QString("%1 waiting.").arg(waiting);
    } else if (text.isEmpty() && m_session) {
        text =
            "No suggestions yet: Suggest Labels… has a trained model suggest labels for the "
            "unlabeled images.";
    }
    m_report->setText(text);
}

void SuggestionBar::chooseModelAndSuggest() {
    if (!m_session) return;
    SuggestModelDialog dialog(m_session->runsFolder(), this);
    if (dialog.exec() != QDialog::Accepted || dialog.modelSource().isEmpty()) return;
    QString error;
    if (!suggestLabels(dialog.modelSource(), &error)) m_report->setText(error);
}

bool SuggestionBar::canStart(QString* error) const {
    if (!m_session) {
        if (error) *error = "Open a project first.";
        return false;
    }
    if (m_job->isRunning()) {
        if (error) *error = "Suggesting labels is already running.";
        return false;
    }
    return true;
}

bool SuggestionBar::refreshSuggestions(QString* error) {
    if (!canStart(error)) return false;
    const std::filesystem::path folder = m_session->folder().toStdString();
    m_runningFor = m_session->folder();
    m_lastRun.clear();
    m_report->clear();
    m_progress->track(m_job, "Refreshing suggestions");
    const core::UncertaintyMeasure measure = uncertaintyMeasure();
    m_job->start([folder, measure](BackgroundJob& job) -> BackgroundJob::Outcome {
        core::RefreshOptions options;
        options.measure = measure;
        options.cancel = job.cancelFlag();
        options.progress = [&job](const std::string& stage, std::int64_t done, std::int64_t total) {
            const QString words = QString::fromStdString(stage);
            job.reportProgress(
                done, total,
                total > 0 ? QString("%1: %2 of %3").arg(words).arg(done).arg(total) : words);
        };
        auto report = core::refreshSuggestions(folder, options);
        if (!report) return {false, QString::fromStdString(report.error().message)};
        const core::RefreshReport& r = report.value();
        return {true, QString("Refreshed: a head fitted on %1 suggests a class for %2 (Label next "
                              "puts the most useful first).")
                          .arg(QString::fromStdString(core::countText(r.labeled, "labeled image")),
                               QString::fromStdString(core::countText(r.suggested, "image")))};
    });
    refresh();
    return true;
}

QString suggestingProgressText(std::int64_t done, std::int64_t total, std::int64_t unlabeled) {
    if (done <= unlabeled || total <= unlabeled) {
        return QString("%1 of %2 unlabeled images").arg(std::min(done, unlabeled)).arg(unlabeled);
    }
    return QString("labeled images for Label next: %1 of %2")
        .arg(done - unlabeled)
        .arg(total - unlabeled);
}

bool SuggestionBar::suggestLabels(const QString& modelSource, QString* error) {
    if (!canStart(error)) return false;
    const std::filesystem::path folder = m_session->folder().toStdString();
    const std::filesystem::path source = modelSource.toStdString();
    const QString modelName = QFileInfo(modelSource).fileName();
    m_runningFor = m_session->folder();
    m_lastRun.clear();
    m_report->clear();
    m_progress->track(m_job, "Suggesting labels");
    core::SuggestionSettings settings;
    settings.measure = uncertaintyMeasure();
    // suggestLabels predicts the unlabeled images first, then a sample of labeled ones (for
    // "Label next"'s coverage): the progress says each part's own count ("320 of 547 images"
    // read as a wrong count of 49 unlabeled ones).
    core::ImageFilter unlabeledFilter = core::usableImages();
    unlabeledFilter.labeled = core::Require::No;
    const auto unlabeledCount = m_session->store().imageCount(unlabeledFilter);
    const std::int64_t unlabeled = unlabeledCount ? unlabeledCount.value() : 0;
    m_job->start([folder, source, modelName, settings,
                  unlabeled](BackgroundJob& job) -> BackgroundJob::Outcome {
        auto report = core::suggestLabels(
            folder, source, settings,
            [&job, unlabeled](std::int64_t done, std::int64_t total) {
                job.reportProgress(done, total, suggestingProgressText(done, total, unlabeled));
            },
            job.cancelFlag());
        if (!report) return {false, QString::fromStdString(report.error().message)};
        return {true, reportText(report.value(), modelName)};
    });
    refresh();
    return true;
}

void SuggestionBar::onFinished(bool ok, const QString& message) {
    const bool sameProject = m_session && m_session->folder() == m_runningFor;
    if (!sameProject) return;  // the project was closed meanwhile
    QString text;
    if (ok) {
        text = message;
    } else if (m_job->wasCancelled()) {
        text = "Suggesting cancelled; the earlier suggestions are kept.";
    } else {
        text = "Could not suggest labels: " + inGuiWords(message);
    }
    m_lastRun = text;
    refresh();
    // Unreadable images were recorded through the job's own connection, like a training run's
    // splits: every row is read again.
    if (ok) {
        m_session->noteChangedElsewhere();
        Q_EMIT suggestionsStored();
    }
}

void SuggestionBar::askAcceptAll() {
    const int percent = m_threshold->value();
    const QList<qint64> ids = suggestedImages(percent);
    if (ids.isEmpty()) {
        QMessageBox box(
            QMessageBox::Information, "Accept Suggestions",
            QString("No unlabeled image has a suggestion at least %1 % sure.").arg(percent),
            QMessageBox::Ok, this);
        box.setObjectName("acceptAllQuestion");
        box.exec();
        return;
    }
    // Said before it is done, so a low threshold never labels hundreds of images by surprise.
    QMessageBox box(QMessageBox::Question, "Accept Suggestions",
                    QString("Label %1 with their suggestions (confidence ≥ %2 %)?")
                        .arg(imagesText(ids.size()))
                        .arg(percent),
                    QMessageBox::Yes | QMessageBox::No, this);
    box.setObjectName("acceptAllQuestion");
    box.setInformativeText("Ctrl+Z undoes it in one step.");
    box.setDefaultButton(QMessageBox::Yes);
    if (box.exec() != QMessageBox::Yes) return;
    Q_EMIT acceptRequested(ids);
}

}  // namespace fovea::ui
