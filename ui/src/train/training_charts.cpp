#include "train/training_charts.h"

#include <QGridLayout>
#include <QTimer>
#include <algorithm>

#include "fovea/core/training/run_folder_layout.h"
#include "qcustomplot_wrapper.h"
#include "widgets/plot_legend.h"

namespace fovea::ui {

namespace {

// TensorBoard's default smoothing: an exponential moving average of the raw batch losses.
constexpr double kSmoothing = 0.9;
constexpr int kRedrawIntervalMs = 100;

enum LossGraph { BatchRaw, BatchSmoothed, EpochTrain, EpochValidation, FirstDetectionLoss };
enum AccuracyGraph { AccuracyTrain, AccuracyValidation, DetectionAp50 };

// torchvision's four losses, drawn per epoch on detection runs, in metrics.csv's order.
const char* const kDetectionLosses[] = {"loss_classifier", "loss_box_reg", "loss_objectness",
                                        "loss_rpn_box_reg"};
const QColor kDetectionLossColours[] = {QColor(214, 39, 40), QColor(148, 103, 189),
                                        QColor(140, 86, 75), QColor(227, 119, 194)};

const QColor kTrainColour(31, 119, 180);
const QColor kValidationColour(255, 127, 14);

QCustomPlot* makePlot(const QString& name, const QString& xLabel, const QString& yLabel,
                      QWidget* parent) {
    auto* plot = new QCustomPlot(parent);
    plot->setObjectName(name);
    plot->setMinimumHeight(180);
    plot->xAxis->setLabel(xLabel);
    plot->yAxis->setLabel(yLabel);
    // Steps and epochs are counted: no tick at 2.5 or 7.5.
    useWholeNumberTicks(plot->xAxis);
    plot->legend->setVisible(true);
    QFont small = plot->legend->font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    plot->legend->setFont(small);
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    return plot;
}

QCPGraph* addGraph(QCustomPlot* plot, const QString& name, const QPen& pen,
                   QCPScatterStyle scatter = {}) {
    QCPGraph* graph = plot->addGraph();
    graph->setName(name);
    graph->setPen(pen);
    graph->setScatterStyle(scatter);
    return graph;
}

}  // namespace

TrainingCharts::TrainingCharts(QWidget* parent) : QWidget(parent) {
    setObjectName("trainingCharts");
    m_loss = makePlot("lossPlot", "step", "loss", this);
    QColor faint = kTrainColour;
    faint.setAlpha(70);
    addGraph(m_loss, "batch", QPen(faint, 1));
    addGraph(m_loss, "batch (smoothed)", QPen(kTrainColour, 2));
    addGraph(m_loss, "epoch train", QPen(kTrainColour.darker(140), 1, Qt::DashLine),
             QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
    addGraph(m_loss, "epoch validation", QPen(kValidationColour, 2),
             QCPScatterStyle(QCPScatterStyle::ssDisc, 7));
    placeLegendBelowPlot(m_loss);

    m_accuracy = makePlot("accuracyPlot", "epoch", "accuracy", this);
    addGraph(m_accuracy, "train", QPen(kTrainColour, 2),
             QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
    addGraph(m_accuracy, "validation", QPen(kValidationColour, 2),
             QCPScatterStyle(QCPScatterStyle::ssDisc, 7));
    addGraph(m_accuracy, "validation AP50", QPen(QColor(44, 160, 44), 2),
             QCPScatterStyle(QCPScatterStyle::ssDiamond, 7));
    m_accuracy->yAxis->setRange(0, 1);
    placeLegendBelowPlot(m_accuracy);
    for (int i = 0; i < 4; ++i) {
        // Without "loss_": seven entries share the legend's width.
        addGraph(m_loss, QString(kDetectionLosses[i]).mid(5), QPen(kDetectionLossColours[i], 1.5),
                 QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
    }

    m_learningRate = makePlot("learningRatePlot", "step", "learning rate", this);
    addGraph(m_learningRate, "learning rate", QPen(QColor(44, 160, 44), 2));
    m_learningRate->legend->setVisible(false);

    auto* layout = new QGridLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_loss, 0, 0, 1, 2);
    layout->addWidget(m_accuracy, 1, 0);
    layout->addWidget(m_learningRate, 1, 1);
    layout->setRowStretch(0, 3);
    layout->setRowStretch(1, 2);

    m_redrawTimer = new QTimer(this);
    m_redrawTimer->setSingleShot(true);
    m_redrawTimer->setInterval(kRedrawIntervalMs);
    connect(m_redrawTimer, &QTimer::timeout, this, &TrainingCharts::redraw);
    setDetection(false);
    clear();
}

void TrainingCharts::setDetection(bool detection) {
    m_detection = detection;
    auto show = [](QCPGraph* graph, bool visible) {
        graph->setVisible(visible);
        if (visible) {
            graph->addToLegend();
        } else {
            graph->removeFromLegend();
        }
    };
    // A detection run has no validation loss (torchvision computes losses in training mode
    // only) and no accuracy: its validation figures are COCO's.
    show(m_loss->graph(EpochValidation), !detection);
    for (int i = 0; i < 4; ++i) show(m_loss->graph(FirstDetectionLoss + i), detection);
    show(m_accuracy->graph(AccuracyTrain), !detection);
    show(m_accuracy->graph(DetectionAp50), detection);
    m_accuracy->graph(AccuracyValidation)->setName(detection ? "validation mAP" : "validation");
    m_accuracy->yAxis->setLabel(detection ? "mAP / AP50" : "accuracy");
    m_loss->graph(EpochTrain)->setName(detection ? "epoch (sum)" : "epoch train");
    scheduleRedraw();
}

void TrainingCharts::addDetectionEpoch(const core::DetectionEpochReport& report, qint64 epochs) {
    const double step =
        static_cast<double>((report.epoch + 1) * std::max<qint64>(1, m_stepsPerEpoch));
    const double epoch = static_cast<double>(report.epoch + 1);
    m_loss->graph(EpochTrain)->addData(step, report.loss);
    for (int i = 0; i < 4; ++i) {
        const auto found = report.losses.find(kDetectionLosses[i]);
        if (found != report.losses.end()) {
            m_loss->graph(FirstDetectionLoss + i)->addData(step, found->second);
        }
    }
    if (report.hasValidation) {
        // No detection at all leaves COCO's figures undefined: drawn as 0, what the run scored.
        m_accuracy->graph(AccuracyValidation)->addData(epoch, report.validation.map.value_or(0));
        m_accuracy->graph(DetectionAp50)->addData(epoch, report.validation.ap50.value_or(0));
    }
    m_accuracy->xAxis->setRange(0.5, std::max<double>(static_cast<double>(epochs), epoch) + 0.5);
    scheduleRedraw();
}

void TrainingCharts::addDetectionHistory(const std::vector<core::DetectionEpochReport>& reports,
                                         qint64 epochs) {
    for (const core::DetectionEpochReport& report : reports) {
        addDetectionEpoch(report, epochs);
        addLearningRate(
            static_cast<double>((report.epoch + 1) * std::max<qint64>(1, m_stepsPerEpoch)),
            report.learningRate);
    }
}

void TrainingCharts::clear() {
    for (QCustomPlot* plot : {m_loss, m_accuracy, m_learningRate}) {
        for (int i = 0; i < plot->graphCount(); ++i) plot->graph(i)->data()->clear();
    }
    m_hasSmoothed = false;
    m_stepsPerEpoch = 0;
    m_loss->xAxis->setRange(0, 10);
    m_loss->yAxis->setRange(0, 2.5);
    m_accuracy->xAxis->setRange(0, 10);
    m_learningRate->xAxis->setRange(0, 10);
    m_learningRate->yAxis->setRange(0, 1e-3);
    redraw();
}

void TrainingCharts::setPlannedEpochs(qint64 epochs) {
    m_accuracy->xAxis->setRange(0.5, static_cast<double>(std::max<qint64>(1, epochs)) + 0.5);
    scheduleRedraw();
}

void TrainingCharts::addBatch(const core::BatchProgress& point) {
    m_stepsPerEpoch = point.batchesInEpoch;
    addBatchLoss(static_cast<double>(point.step), point.loss);
    addLearningRate(static_cast<double>(point.step), point.learningRate);
    scheduleRedraw();
}

void TrainingCharts::addBatchHistory(const core::ScalarCurves& curves) {
    if (auto loss = curves.find(core::run_layout::kBatchLossTag); loss != curves.end()) {
        for (const core::ScalarPoint& point : loss->second) {
            addBatchLoss(static_cast<double>(point.step), point.value);
        }
    }
    if (auto rate = curves.find(core::run_layout::kBatchLearningRateTag); rate != curves.end()) {
        for (const core::ScalarPoint& point : rate->second) {
            addLearningRate(static_cast<double>(point.step), point.value);
        }
    }
    scheduleRedraw();
}

namespace {

// Drops the points at `step` and after: the run is training those steps again.
void restartAt(QCPGraph* graph, double step) {
    if (!graph->data()->isEmpty() && (graph->data()->constEnd() - 1)->key >= step) {
        graph->data()->removeAfter(step - 0.5);
    }
}

}  // namespace

void TrainingCharts::addBatchLoss(double step, double loss) {
    QCPGraph* smoothed = m_loss->graph(BatchSmoothed);
    if (!smoothed->data()->isEmpty() && (smoothed->data()->constEnd() - 1)->key >= step) {
        restartAt(m_loss->graph(BatchRaw), step);
        restartAt(smoothed, step);
        m_hasSmoothed = !smoothed->data()->isEmpty();
        if (m_hasSmoothed) m_smoothed = (smoothed->data()->constEnd() - 1)->value;
    }
    m_smoothed = m_hasSmoothed ? kSmoothing * m_smoothed + (1 - kSmoothing) * loss : loss;
    m_hasSmoothed = true;
    m_loss->graph(BatchRaw)->addData(step, loss);
    smoothed->addData(step, m_smoothed);
}

void TrainingCharts::addLearningRate(double step, double learningRate) {
    restartAt(m_learningRate->graph(0), step);
    m_learningRate->graph(0)->addData(step, learningRate);
}

void TrainingCharts::addEpoch(const core::EpochReport& point, qint64 epochs) {
    // Epoch figures sit at the step where the epoch ended, so they line up with the batches.
    const double step =
        static_cast<double>((point.epoch + 1) * std::max<qint64>(1, m_stepsPerEpoch));
    const double epoch = static_cast<double>(point.epoch + 1);
    m_loss->graph(EpochTrain)->addData(step, point.trainLoss);
    m_accuracy->graph(AccuracyTrain)->addData(epoch, point.trainAccuracy);
    if (point.hasValidation) {
        m_loss->graph(EpochValidation)->addData(step, point.validationLoss);
        m_accuracy->graph(AccuracyValidation)->addData(epoch, point.validationAccuracy);
    }
    m_accuracy->xAxis->setRange(0.5, std::max<double>(static_cast<double>(epochs), epoch) + 0.5);
    scheduleRedraw();
}

int TrainingCharts::batchPoints() const { return m_loss->graph(BatchRaw)->dataCount(); }
int TrainingCharts::epochPoints() const { return m_loss->graph(EpochTrain)->dataCount(); }

void TrainingCharts::scheduleRedraw() {
    if (!m_redrawTimer->isActive()) m_redrawTimer->start();
}

void TrainingCharts::redraw() {
    ++m_redraws;
    bool found = false;
    m_loss->rescaleAxes();
    const QCPRange loss = m_loss->yAxis->range();
    m_loss->yAxis->setRange(0, std::max(loss.upper * 1.05, 0.1));
    m_learningRate->rescaleAxes();
    // Steps from 0 (one point alone would be centred in a range around it, -4 to 6), with room
    // after the last so that its marker is not cut in half at the edge.
    for (QCustomPlot* plot : {m_loss, m_learningRate}) {
        plot->xAxis->setRange(0, std::max(1.0, plot->xAxis->range().upper) * 1.03);
    }
    const QCPRange rate = m_learningRate->graph(0)->getValueRange(found);
    if (found) m_learningRate->yAxis->setRange(0, std::max(rate.upper * 1.1, 1e-8));
    m_accuracy->yAxis->setRange(0, 1.02);
    for (QCustomPlot* plot : {m_loss, m_accuracy, m_learningRate}) {
        plot->replot(QCustomPlot::rpQueuedReplot);
    }
}

}  // namespace fovea::ui
