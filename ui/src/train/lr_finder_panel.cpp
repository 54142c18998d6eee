#include "train/lr_finder_panel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>
#include <algorithm>
#include <mutex>

#include "fovea/core/session/lr_find_run.h"
#include "gui_wording.h"
#include "qcustomplot_wrapper.h"
#include "train/training_request.h"
#include "widgets/background_job.h"

namespace fovea::ui {

// The curve as the job's thread produces it; the GUI thread copies it when progress arrives.
struct LearningRateFinderPanel::Curve {
    std::mutex mutex;
    QVector<double> rates;
    QVector<double> losses;
    double suggested = 0;
    QString rule;
    QString stopReason;  // why it stopped before its last step; empty otherwise
};

LearningRateFinderPanel::LearningRateFinderPanel(QWidget* parent)
    : QWidget(parent), m_job(new BackgroundJob(this)), m_curve(std::make_shared<Curve>()) {
    setObjectName("learningRateFinder");
    m_find = new QPushButton("Find learning rate", this);
    m_find->setObjectName("findLearningRateButton");
    m_find->setToolTip(
        "Train a few batches while the rate grows from 1e-7 to 10 and plot the loss: a good "
        "rate lies where the loss falls fastest. The network's weights are left as they were.");

    m_plot = new QCustomPlot(this);
    m_plot->setObjectName("lrFinderPlot");
    m_plot->setMinimumHeight(110);
    m_plot->xAxis->setScaleType(QCPAxis::stLogarithmic);
    // The panel is narrow and the range spans up to eight decades: a few whole decades,
    // labelled once each, so that labels neither overlap nor repeat.
    QSharedPointer<QCPAxisTickerLog> ticker(new QCPAxisTickerLog);
    ticker->setTickCount(4);
    ticker->setSubTickCount(0);
    m_plot->xAxis->setTicker(ticker);
    m_plot->xAxis->setNumberFormat("eb");
    m_plot->xAxis->setNumberPrecision(0);
    m_plot->xAxis->setLabel("learning rate");
    // Short: the plot is about 110 px high, and a rotated "loss (smoothed)" was cut.
    m_plot->yAxis->setLabel("loss");
    m_plot->yAxis->ticker()->setTickCount(3);
    m_plot->setToolTip(
        "The training loss (smoothed) as the learning rate grows; the dashed "
        "line marks the suggested rate.");
    m_graph = m_plot->addGraph();
    m_graph->setPen(QPen(QColor(31, 119, 180), 2));
    m_marker = new QCPItemStraightLine(m_plot);
    m_marker->setPen(QPen(QColor(214, 39, 40), 1, Qt::DashLine));
    m_marker->setVisible(false);
    // Hidden until a test runs, its room kept: the settings column never moves when it shows.
    QSizePolicy keepRoom = m_plot->sizePolicy();
    keepRoom.setRetainSizeWhenHidden(true);
    m_plot->setSizePolicy(keepRoom);
    m_plot->setVisible(false);

    m_status = new QLabel(this);
    m_status->setObjectName("lrFinderStatus");
    m_status->setWordWrap(true);
    m_status->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_status->setFixedHeight(2 * m_status->fontMetrics().lineSpacing() + 4);
    m_use = new QPushButton("Use", this);
    keepRoom = m_use->sizePolicy();
    keepRoom.setRetainSizeWhenHidden(true);
    m_use->setSizePolicy(keepRoom);
    m_use->setObjectName("useSuggestedLearningRateButton");
    m_use->setToolTip("Set the learning rate to the suggested one");
    m_use->setVisible(false);

    auto* result = new QHBoxLayout;
    result->addWidget(m_status, 1);
    result->addWidget(m_use);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_find);
    layout->addWidget(m_plot);
    layout->addLayout(result);

    connect(m_find, &QPushButton::clicked, this, [this] {
        if (isRunning()) {
            cancel();
            return;
        }
        QString error;
        if (!start(&error)) m_status->setText(error);
    });
    connect(m_use, &QPushButton::clicked, this, [this] { Q_EMIT learningRateChosen(m_suggested); });
    connect(m_job, &BackgroundJob::progress, this, [this](qint64, qint64, const QString& text) {
        m_status->setText(text);
        showCurve();
    });
    connect(m_job, &BackgroundJob::finished, this, &LearningRateFinderPanel::onFinished);
}

LearningRateFinderPanel::~LearningRateFinderPanel() = default;

void LearningRateFinderPanel::setRequestProvider(std::function<TrainingRequest()> provider) {
    m_request = std::move(provider);
}

bool LearningRateFinderPanel::isRunning() const { return m_job->isRunning(); }
void LearningRateFinderPanel::cancel() { m_job->cancel(); }

void LearningRateFinderPanel::clear() {
    m_discard = m_job->isRunning();
    m_job->cancel();
    m_suggested = 0;
    m_graph->data()->clear();
    m_marker->setVisible(false);
    m_use->setVisible(false);
    m_plot->setVisible(false);
    m_status->clear();
    m_status->setToolTip({});
}

int LearningRateFinderPanel::points() const { return m_graph->dataCount(); }

bool LearningRateFinderPanel::start(QString* error) {
    if (!m_request) {
        if (error) *error = "Open a project first.";
        return false;
    }
    if (isRunning()) {
        if (error) *error = "A test is already running.";
        return false;
    }
    const core::RunSettings settings = m_request().settings;
    core::LrFinderOptions options;
    options.steps = m_steps;
    m_curve = std::make_shared<Curve>();
    const bool started = m_job->start([settings, options, curve = m_curve](BackgroundJob& job) {
        core::TrainingControl control;
        auto result = core::runLearningRateFinder(settings, settings.data, options, &control,
                                                  [&](std::int64_t step, double rate, double loss) {
                                                      {
                                                          std::lock_guard lock(curve->mutex);
                                                          curve->rates.push_back(rate);
                                                          curve->losses.push_back(loss);
                                                      }
                                                      if (job.wasCancelled()) control.requestStop();
                                                      job.reportProgress(
                                                          step + 1, options.steps,
                                                          QString("Step %1 of %2: rate %3, loss %4")
                                                              .arg(step + 1)
                                                              .arg(options.steps)
                                                              .arg(rate, 0, 'e', 1)
                                                              .arg(loss, 0, 'f', 3));
                                                  },
                                                  {});
        if (!result)
            return BackgroundJob::Outcome{false, QString::fromStdString(result.error().message)};
        if (job.wasCancelled()) return BackgroundJob::Outcome{false, "Cancelled."};
        const core::LrFinderResult& r = result.value();
        std::lock_guard lock(curve->mutex);
        // The final curve replaces the progressive one (same points, in step order).
        curve->rates = QVector<double>(r.learningRates.begin(), r.learningRates.end());
        curve->losses = QVector<double>(r.losses.begin(), r.losses.end());
        curve->suggested = r.suggestedLearningRate;
        curve->rule = QString::fromStdString(r.suggestionRule);
        QString summary = r.suggestionRule == "none" ? QString("Too few steps to suggest a rate.")
                                                     : QString("Suggested: %1 (%2 rule)")
                                                           .arg(r.suggestedLearningRate, 0, 'g', 2)
                                                           .arg(curve->rule);
        if (r.stoppedEarly)
            summary += QString(" · stopped early at step %1").arg(r.learningRates.size());
        curve->stopReason = QString::fromStdString(r.stopReason);
        return BackgroundJob::Outcome{true, summary};
    });
    if (!started) {
        if (error) *error = "A test is already running.";
        return false;
    }
    m_suggested = 0;
    m_graph->data()->clear();
    m_marker->setVisible(false);
    m_use->setVisible(false);
    m_plot->setVisible(true);
    m_plot->replot();
    m_status->setText("Reading the data and building the network…");
    m_find->setText("Cancel");
    Q_EMIT runningChanged(true);
    return true;
}

void LearningRateFinderPanel::showCurve() {
    QVector<double> rates;
    QVector<double> losses;
    {
        std::lock_guard lock(m_curve->mutex);
        rates = m_curve->rates;
        losses = m_curve->losses;
    }
    m_graph->setData(rates, losses, true);
    m_plot->rescaleAxes();
    // The whole sweep from the start: while the curve grew the axis spanned a fraction of a
    // decade, and its labels (3·10⁻⁷, 4·10⁻⁷…) ran into each other.
    const core::LrFinderOptions sweep;
    m_plot->xAxis->setRange(sweep.minLearningRate, sweep.maxLearningRate);
    // The blow-up at the end would flatten the part that matters: show losses up to 1.5x the
    // first one (the network as it starts), as fastai's plot does.
    if (!losses.isEmpty()) {
        const double lowest = *std::min_element(losses.begin(), losses.end());
        const double highest = *std::max_element(losses.begin(), losses.end());
        const double top = std::min(highest, std::max(losses.front(), lowest) * 1.5);
        const double margin = 0.05 * std::max(top - lowest, 1e-6);
        m_plot->yAxis->setRange(lowest - margin, top + margin);
    }
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

void LearningRateFinderPanel::onFinished(bool ok, const QString& message) {
    if (m_discard) {  // cleared while it ran: its curve is of another project
        m_discard = false;
        m_find->setText("Find learning rate");
        Q_EMIT runningChanged(false);
        return;
    }
    showCurve();
    {
        std::lock_guard lock(m_curve->mutex);
        m_suggested = ok ? m_curve->suggested : 0;
    }
    if (m_suggested > 0) {
        m_marker->point1->setCoords(m_suggested, 0);
        m_marker->point2->setCoords(m_suggested, 1);
        m_marker->setVisible(true);
        m_use->setText(QString("Use %1").arg(m_suggested, 0, 'g', 2));
        m_use->setVisible(true);
        m_plot->replot();
    }
    m_status->setToolTip(m_curve->stopReason);
    if (ok) {
        m_status->setText(message);
    } else if (m_job->wasCancelled()) {
        m_status->setText("Cancelled; the curve so far is shown.");
    } else {
        m_status->setText("Learning-rate test failed: " + inGuiWords(message));
    }
    m_find->setText("Find learning rate");
    Q_EMIT runningChanged(false);
    Q_EMIT finished(ok, message);
}

}  // namespace fovea::ui
