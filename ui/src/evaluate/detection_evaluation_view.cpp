#include "evaluate/detection_evaluation_view.h"

#include <QHeaderView>
#include <QLabel>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <map>

#include "data/thumbnail_cache.h"
#include "fovea/core/session/detection_model.h"
#include "gui_wording.h"
#include "widgets/background_job.h"
#include "widgets/job_progress_bar.h"

namespace fovea::ui {

namespace {

// Tiles are cut from the image decoded at this side: enough for a small object's 96 px tile.
constexpr int kTileSourceSide = 1024;

QString figure(const std::optional<double>& value) {
    return value ? QString::number(*value, 'f', 3) : QString("–");
}

// Draws the tiles of the first kTilesPerKind entries of each kind, decoding each image once.
void drawTiles(EvaluatedDetections& evaluated, BackgroundJob& job) {
    auto& entries = evaluated.errors.entries();
    std::map<std::size_t, std::vector<std::size_t>> byImage;  // image -> entries to draw
    std::array<int, kDetectionErrorKinds> drawn{};
    for (std::size_t i = 0; i < entries.size(); ++i) {
        int& count = drawn[static_cast<std::size_t>(entries[i].kind)];
        if (count++ < DetectionEvaluationView::kTilesPerKind)
            byImage[entries[i].image].push_back(i);
    }
    qint64 done = 0;
    for (const auto& [image, indices] : byImage) {
        if (job.cancelFlag()->load()) return;
        const auto& detections = evaluated.evaluation.images[image].detections;
        QString error;
        const QImage picture = decodeThumbnail(QString::fromStdString(detections.file.string()),
                                               kTileSourceSide, &error);
        for (const std::size_t i : indices) {
            entries[i].tile = drawErrorTile(picture, evaluated.evaluation, entries[i],
                                            DetectionErrorBrowser::kTileSide);
        }
        job.reportProgress(++done, static_cast<qint64>(byImage.size()), "Drawing the errors");
    }
}

}  // namespace

DetectionEvaluationView::DetectionEvaluationView(QWidget* parent)
    : QWidget(parent), m_job(new BackgroundJob(this)) {
    setObjectName("detectionEvaluationView");
    m_progress = new JobProgressBar(this);
    m_progress->setObjectName("detectionEvaluationProgress");
    m_summary = new QLabel(this);
    m_summary->setObjectName("detectionSummary");
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setWordWrap(true);
    m_perClass = new QTableWidget(this);
    m_perClass->setObjectName("detectionPerClassTable");
    m_perClass->setColumnCount(6);
    m_perClass->setHorizontalHeaderLabels(
        {"AP", "AP50", "AP75", "Recall", "Truth boxes", "Detections"});
    m_perClass->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_perClass->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_perClass->setToolTip(
        "COCO's figures per class: AP averaged over IoU 0.50 to 0.95, at 0.50 and at 0.75; "
        "recall with up to 100 detections per image, averaged over the IoUs");
    m_browser = new DetectionErrorBrowser(this);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_perClass);
    split->addWidget(m_browser);
    split->setSizes({140, 520});
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_progress);
    layout->addWidget(m_summary);
    layout->addWidget(split, 1);
    connect(m_job, &BackgroundJob::finished, this, &DetectionEvaluationView::onJobFinished);
}

DetectionEvaluationView::~DetectionEvaluationView() {
    // The job writes m_pending from its thread: join it while the members exist.
    delete m_job;
}

bool DetectionEvaluationView::evaluate(const QString& runFolder) {
    if (m_job->isRunning()) return false;
    clear();
    m_discard = false;
    m_summary->setText("Evaluating the run's detector on its validation images…");
    m_progress->track(m_job, "Evaluating");
    return m_job->start([this, runFolder](BackgroundJob& job) -> BackgroundJob::Outcome {
        core::DetectionEvaluationOptions options;
        options.cancel = job.cancelFlag();
        auto result = core::evaluateDetectionRun(
            runFolder.toStdString(), options, [&job](std::size_t done, std::size_t total) {
                job.reportProgress(static_cast<qint64>(done), static_cast<qint64>(total),
                                   "Detecting");
            });
        if (!result) return {false, QString::fromStdString(result.error().message)};
        auto evaluated = std::make_shared<EvaluatedDetections>();
        evaluated->evaluation = std::move(result.value());
        evaluated->errors = DetectionErrors(evaluated->evaluation);
        drawTiles(*evaluated, job);
        if (job.cancelFlag()->load()) return {false, "the evaluation was cancelled"};
        m_pending = std::move(evaluated);  // read on the GUI thread once finished() arrives
        return {true, {}};
    });
}

void DetectionEvaluationView::clear() {
    if (m_job->isRunning()) {
        m_discard = true;
        m_job->cancel();
    }
    m_evaluated.reset();
    m_summary->clear();
    m_perClass->setRowCount(0);
    m_browser->setEvaluation(nullptr);
}

void DetectionEvaluationView::onJobFinished(bool ok, const QString& message) {
    auto pending = std::move(m_pending);
    m_pending.reset();
    if (m_discard) {
        m_discard = false;
        return;
    }
    if (!ok) {
        m_summary->setText("<font color='#c03020'>" + inGuiWords(message).toHtmlEscaped() +
                           "</font>");
        Q_EMIT failed(message);
        return;
    }
    m_evaluated = std::move(pending);
    showFigures();
    m_browser->setEvaluation(m_evaluated);
    Q_EMIT evaluated();
}

void DetectionEvaluationView::showFigures() {
    const auto& e = m_evaluated->evaluation;
    const auto& m = e.metrics;
    std::int64_t unreadable = 0;
    for (const auto& image : e.images) unreadable += image.detections.error ? 1 : 0;
    QString text =
        QString(
            "<b>mAP@[.5:.95] %1</b> · AP50 %2 · AP75 %3 · AR@100 %4 on %5 %6 images "
            "(COCO's definitions)")
            .arg(figure(m.map), figure(m.ap50), figure(m.ap75), figure(m.ar))
            .arg(e.images.size())
            .arg(e.split == "val" ? QString("validation") : QString::fromStdString(e.split));
    if (unreadable > 0) text += QString(" · %1 unreadable images").arg(unreadable);
    m_summary->setText(text);
    QStringList names;
    for (const auto& name : e.classNames) names << QString::fromStdString(name);
    m_perClass->setRowCount(static_cast<int>(m.perClass.size()));
    m_perClass->setVerticalHeaderLabels(names);
    for (int row = 0; row < static_cast<int>(m.perClass.size()); ++row) {
        const auto& c = m.perClass[static_cast<std::size_t>(row)];
        const QStringList cells = {figure(c.ap),
                                   figure(c.ap50),
                                   figure(c.ap75),
                                   figure(c.recall),
                                   QString::number(c.truthBoxes),
                                   QString::number(c.detections)};
        for (int column = 0; column < cells.size(); ++column) {
            auto* item = new QTableWidgetItem(cells[column]);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_perClass->setItem(row, column, item);
        }
    }
}

}  // namespace fovea::ui
