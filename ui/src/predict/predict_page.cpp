#include "predict/predict_page.h"

#include <QCheckBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include "page_header.h"

namespace fovea::ui {

namespace {

constexpr int kPreviewSide = 320;

QString percent(double p) { return QString("%1%").arg(100.0 * p, 0, 'f', 1); }

}  // namespace

PredictPage::PredictPage(QWidget* parent) : QWidget(parent), m_job(new BackgroundJob(this)) {
    setObjectName("predictPage");
    setAcceptDrops(true);
    QHBoxLayout* tools = buildToolBar();
    buildResultsTable();
    QWidget* imagePane = buildImagePane();
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_table);
    splitter->addWidget(imagePane);
    splitter->setSizes({620, 420});

    m_status = new QLabel(this);
    m_status->setObjectName("predictStatus");
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(makePageHeader(
        "Predict", "Drop images or folders to see what the model makes of them, and why.", this));
    layout->addLayout(tools);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_status);
    connect(m_job, &BackgroundJob::finished, this, &PredictPage::onJobFinished);
    connect(m_job, &BackgroundJob::progress, this, [this](qint64 done, qint64 total) {
        m_status->setText(QString("Predicting %1 of %2 images…").arg(done).arg(total));
    });
}

QHBoxLayout* PredictPage::buildToolBar() {
    m_modelLabel = new QLabel("No model yet: train one, or open a run folder or model file.", this);
    m_modelLabel->setObjectName("predictModelLabel");
    m_modelLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    auto* openModel = new QPushButton("Open Model…", this);
    openModel->setObjectName("openModelButton");
    connect(openModel, &QPushButton::clicked, this, [this] {
        const QString folder =
            QFileDialog::getExistingDirectory(this, "Open a Run Folder or Model Bundle", QString());
        if (!folder.isEmpty()) setModelSource(folder);
    });
    auto* addImages = new QPushButton("Add Images…", this);
    addImages->setObjectName("addImagesButton");
    connect(addImages, &QPushButton::clicked, this, [this] {
        const QStringList files = QFileDialog::getOpenFileNames(
            this, "Predict Images", QString(),
            "Images (*.jpg *.jpeg *.png *.bmp *.webp *.tif *.tiff);;All files (*)");
        if (!files.isEmpty()) addInputs(files);
    });
    auto* addFolder = new QPushButton("Add Folder…", this);
    addFolder->setObjectName("addFolderButton");
    connect(addFolder, &QPushButton::clicked, this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, "Predict a Folder");
        if (!folder.isEmpty()) addInputs({folder});
    });
    auto* exportButton = new QPushButton("Export CSV…", this);
    exportButton->setObjectName("exportCsvButton");
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getSaveFileName(this, "Save Predictions",
                                                          "predictions.csv", "CSV (*.csv)");
        QString error;
        if (!file.isEmpty() && !exportCsv(file, &error)) m_status->setText(error);
    });
    m_topK = new QSpinBox(this);
    m_topK->setObjectName("topKSpin");
    m_topK->setRange(1, 20);
    m_topK->setValue(5);
    m_topK->setPrefix("top ");

    auto* tools = new QHBoxLayout;
    tools->addWidget(m_modelLabel, 1);
    tools->addWidget(openModel);
    tools->addWidget(addImages);
    tools->addWidget(addFolder);
    tools->addWidget(m_topK);
    tools->addWidget(exportButton);
    return tools;
}

void PredictPage::buildResultsTable() {
    m_table = new QTableWidget(this);
    m_table->setObjectName("predictionsTable");
    m_table->setColumnCount(3);
    m_table->setHorizontalHeaderLabels({"Image", "Prediction", "Probability"});
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    connect(m_table, &QTableWidget::currentCellChanged, this, [this] { showSelection(); });
}

QWidget* PredictPage::buildImagePane() {
    m_image = new ImagePreview(this);
    m_image->setObjectName("predictImage");
    m_image->setMinimumSize(kPreviewSide, kPreviewSide);
    m_image->showMessage("Drop images or folders here.");
    m_gradCam = new QCheckBox("Grad-CAM: where the network looked", this);
    m_gradCam->setObjectName("gradCamCheck");
    connect(m_gradCam, &QCheckBox::toggled, this, [this] { showSelection(); });
    auto* scoresBox = new QWidget(this);
    m_scores = new QVBoxLayout(scoresBox);
    m_scores->setContentsMargins(0, 0, 0, 0);

    auto* pane = new QWidget(this);
    auto* layout = new QVBoxLayout(pane);
    layout->addWidget(m_image, 1);
    layout->addWidget(m_gradCam);
    layout->addWidget(scoresBox);
    return pane;
}

PredictPage::~PredictPage() {
    // The job writes members from its thread: join it while they still exist.
    delete m_job;
}

bool PredictPage::startWork(Work work,
                            const std::function<BackgroundJob::Outcome(BackgroundJob&)>& run) {
    if (m_job->isRunning()) return false;
    m_work = work;
    return m_job->start(run);
}

bool PredictPage::setModelSource(const QString& source) {
    m_modelLabel->setText("Loading " + source + "…");
    return startWork(Work::Load, [this, source](BackgroundJob&) -> BackgroundJob::Outcome {
        auto loaded = ModelPredictor::load(source);
        if (!loaded) return {false, QString::fromStdString(loaded.error().message)};
        m_loaded = loaded.value();
        return {true, {}};
    });
}

bool PredictPage::addInputs(const QStringList& inputs) {
    if (!m_predictor || m_job->isRunning()) {
        m_queuedInputs << inputs;  // predicted once the model is there
        return true;
    }
    auto predictor = m_predictor;
    const int topK = m_topK->value();
    return startWork(Work::Predict,
                     [this, predictor, inputs, topK](BackgroundJob& job) -> BackgroundJob::Outcome {
                         auto predicted = predictor->predict(
                             inputs, topK, job.cancelFlag(), [&job](qint64 done, qint64 total) {
                                 job.reportProgress(done, total, {});
                             });
                         if (!predicted) {
                             return {false, QString::fromStdString(predicted.error().message)};
                         }
                         m_results = predicted.value();
                         return {true, {}};
                     });
}

void PredictPage::runQueued() {
    if (m_queuedInputs.isEmpty() || !m_predictor) return;
    const QStringList inputs = m_queuedInputs;
    m_queuedInputs.clear();
    addInputs(inputs);
}

void PredictPage::onJobFinished(bool ok, const QString& message) {
    const Work work = m_work;
    m_work = Work::None;
    if (!ok) {
        m_status->setText("<font color='#c03020'>" + message.toHtmlEscaped() + "</font>");
        if (work == Work::Load) m_modelLabel->setText("No model: " + message);
        Q_EMIT failed(message);
        runQueued();
        return;
    }
    switch (work) {
        case Work::Load:
            m_predictor = std::move(m_loaded);
            m_modelLabel->setText(QString("Model: %1 (%2, %3 classes)")
                                      .arg(m_predictor->source(), m_predictor->architecture())
                                      .arg(m_predictor->classNames().size()));
            m_status->clear();
            Q_EMIT modelLoaded();
            break;
        case Work::Predict: {
            const int first = m_predictions.size();
            m_predictions += m_results;
            m_table->setRowCount(m_predictions.size());
            for (int row = first; row < m_predictions.size(); ++row) {
                const auto& p = m_predictions[row];
                auto* name = new QTableWidgetItem(QFileInfo(p.path).fileName());
                name->setToolTip(p.path);
                m_table->setItem(row, 0, name);
                m_table->setItem(
                    row, 1,
                    new QTableWidgetItem(p.top.isEmpty() ? "unreadable" : p.top.front().label));
                auto* probability = new QTableWidgetItem(
                    p.top.isEmpty() ? p.error : percent(p.top.front().probability));
                probability->setToolTip(p.error);
                m_table->setItem(row, 2, probability);
            }
            m_status->setText(QString("%1 images predicted.").arg(m_predictions.size()));
            if (m_table->currentRow() < 0 && !m_predictions.isEmpty()) selectPrediction(first);
            Q_EMIT predicted();
            break;
        }
        case Work::GradCam:
            ++m_gradCams;
            if (m_gradCam->isChecked()) m_image->showImage(m_overlay);
            break;
        case Work::None:
            break;
    }
    runQueued();
}

void PredictPage::selectPrediction(int row) {
    m_table->setCurrentCell(row, 0);
    showSelection();
}

void PredictPage::setGradCamShown(bool shown) { m_gradCam->setChecked(shown); }

void PredictPage::showSelection() {
    const int row = m_table->currentRow();
    if (row < 0 || row >= m_predictions.size()) return;
    const ModelPredictor::Prediction& p = m_predictions[row];
    showScores(p);
    if (m_gradCam->isChecked() && m_predictor && !p.top.isEmpty()) {
        auto predictor = m_predictor;
        const QString path = p.path;
        const int classIndex = p.top.front().index;
        startWork(Work::GradCam,
                  [this, predictor, path, classIndex](BackgroundJob&) -> BackgroundJob::Outcome {
                      auto overlay = predictor->gradCamOverlay(path, classIndex);
                      if (!overlay) return {false, QString::fromStdString(overlay.error().message)};
                      m_overlay = overlay.value();
                      return {true, {}};
                  });
        return;
    }
    m_image->showFile(p.path);
}

void PredictPage::showScores(const ModelPredictor::Prediction& prediction) {
    while (QLayoutItem* item = m_scores->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    for (const auto& score : prediction.top) {
        auto* bar = new QProgressBar;
        bar->setObjectName("scoreBar");
        bar->setRange(0, 1000);
        bar->setValue(static_cast<int>(1000 * score.probability));
        bar->setFormat(QString("%1  %2").arg(score.label, percent(score.probability)));
        bar->setAlignment(Qt::AlignLeft | Qt::AlignVCenter);
        m_scores->addWidget(bar);
    }
    if (!prediction.error.isEmpty()) m_scores->addWidget(new QLabel(prediction.error));
}

bool PredictPage::exportCsv(const QString& file, QString* error) {
    auto written = ModelPredictor::writeCsv(file, m_predictions, m_topK->value());
    if (!written) {
        if (error) *error = QString::fromStdString(written.error().message);
        return false;
    }
    m_status->setText("Saved " + file);
    return true;
}

void PredictPage::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) {
        event->acceptProposedAction();
    } else {
        event->ignore();
    }
}

void PredictPage::dropEvent(QDropEvent* event) {
    QStringList inputs;
    for (const QUrl& url : event->mimeData()->urls()) {
        if (url.isLocalFile()) inputs << url.toLocalFile();
    }
    if (inputs.isEmpty()) {
        event->ignore();
        return;
    }
    event->acceptProposedAction();
    addInputs(inputs);
}

}  // namespace fovea::ui
