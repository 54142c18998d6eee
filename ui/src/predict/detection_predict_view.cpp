#include "predict/detection_predict_view.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "data/thumbnail_cache.h"
#include "evaluate/detection_overlay.h"
#include "fovea/core/atomic_file.h"
#include "fovea/core/session/prediction.h"
#include "predict/model_predictor.h"
#include "widgets/background_job.h"
#include "widgets/dialog_folders.h"
#include "widgets/image_preview.h"

namespace fovea::ui {

namespace {

// The box head's own least score: the detector is asked once for every box it keeps.
constexpr double kDetectorMinScore = 0.05;
constexpr int kSliderSteps = 100;
constexpr double kDefaultThreshold = 0.5;
constexpr int kPictureSide = 1600;

enum BoxColumn { kClassColumn, kScoreColumn, kXColumn, kYColumn, kWColumn, kHColumn, kColumns };

QString fileOf(const core::ImageDetections& image) {
    return QString::fromStdString(image.file.string());
}

std::vector<core::DetectedBox> boxesAbove(const core::ImageDetections& image, double threshold) {
    std::vector<core::DetectedBox> kept;
    for (const auto& box : image.boxes) {
        if (box.score >= threshold) kept.push_back(box);
    }
    return kept;
}

}  // namespace

DetectionPredictView::DetectionPredictView(QWidget* parent)
    : QWidget(parent), m_job(new BackgroundJob(this)) {
    setObjectName("detectionPredictView");
    m_slider = new QSlider(Qt::Horizontal, this);
    m_slider->setObjectName("scoreThresholdSlider");
    m_slider->setRange(0, kSliderSteps);
    m_slider->setValue(static_cast<int>(kDefaultThreshold * kSliderSteps));
    m_slider->setToolTip("Boxes scoring below this are hidden, and left out of what is saved");
    m_thresholdLabel = new QLabel(this);
    m_thresholdLabel->setObjectName("scoreThresholdLabel");
    m_thresholdLabel->setMinimumWidth(
        m_thresholdLabel->fontMetrics().horizontalAdvance("Score at least 100%"));
    connect(m_slider, &QSlider::valueChanged, this, [this] {
        m_thresholdLabel->setText(QString("Score at least %1%").arg(m_slider->value()));
        refreshList();
        showChosen();
    });
    m_thresholdLabel->setText(QString("Score at least %1%").arg(m_slider->value()));
    m_saveJson = new QPushButton("Save JSON…", this);
    m_saveJson->setObjectName("saveDetectionsJsonButton");
    m_saveCsv = new QPushButton("Save CSV…", this);
    m_saveCsv->setObjectName("saveDetectionsCsvButton");
    m_saveCoco = new QPushButton("Save COCO Results…", this);
    m_saveCoco->setObjectName("saveDetectionsCocoButton");
    m_saveCoco->setToolTip(
        "COCO results JSON: image ids 1..N in the list's order, category ids 1..K in the "
        "model's class order");
    const auto saver = [this](const QString& name, const QString& filter,
                              bool (DetectionPredictView::*save)(const QString&, QString*)) {
        return [this, name, filter, save] {
            const QString file = QFileDialog::getSaveFileName(
                this, "Save Detections",
                QDir(dialogFolder("predict", QDir::homePath())).filePath(name), filter);
            if (file.isEmpty()) return;
            rememberDialogFolder("predict", file);
            QString error;
            if (!(this->*save)(file, &error)) Q_EMIT statusChanged(error);
        };
    };
    connect(m_saveJson, &QPushButton::clicked, this,
            saver("detections.json", "JSON (*.json)", &DetectionPredictView::saveJson));
    connect(m_saveCsv, &QPushButton::clicked, this,
            saver("detections.csv", "CSV (*.csv)", &DetectionPredictView::saveCsv));
    connect(m_saveCoco, &QPushButton::clicked, this,
            saver("coco_results.json", "JSON (*.json)", &DetectionPredictView::saveCoco));

    m_list = new QListWidget(this);
    m_list->setObjectName("detectionImageList");
    connect(m_list, &QListWidget::currentRowChanged, this, &DetectionPredictView::showChosen);
    m_image = new ImagePreview(this);
    m_image->setObjectName("detectionPredictImage");
    m_image->setMinimumSize(256, 256);
    m_image->showMessage("Drop images or folders here.");
    m_boxes = new QTableWidget(this);
    m_boxes->setObjectName("detectionBoxTable");
    m_boxes->setColumnCount(kColumns);
    m_boxes->setHorizontalHeaderLabels({"Class", "Score", "x", "y", "w", "h"});
    m_boxes->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_boxes->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_boxes->verticalHeader()->setVisible(false);
    m_boxes->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_boxes->horizontalHeader()->setSectionResizeMode(kClassColumn, QHeaderView::Stretch);
    m_boxes->setToolTip("The chosen image's boxes at the threshold, in the image's pixels");

    auto* tools = new QHBoxLayout;
    tools->addWidget(m_thresholdLabel);
    tools->addWidget(m_slider, 1);
    tools->addWidget(m_saveJson);
    tools->addWidget(m_saveCsv);
    tools->addWidget(m_saveCoco);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_list);
    split->addWidget(m_image);
    split->addWidget(m_boxes);
    split->setStretchFactor(1, 1);
    split->setSizes({220, 560, 300});
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(tools);
    layout->addWidget(split, 1);
    connect(m_job, &BackgroundJob::finished, this, &DetectionPredictView::onJobFinished);
    connect(m_job, &BackgroundJob::progress, this, [this](qint64 done, qint64 total) {
        if (m_work == Work::Detect && !m_discard) {
            Q_EMIT statusChanged(QString("Detecting %1 of %2 images…").arg(done).arg(total));
        }
    });
    updateButtons();
}

DetectionPredictView::~DetectionPredictView() {
    // The job writes members from its thread: join it while they exist.
    delete m_job;
}

bool DetectionPredictView::load(const QString& runFolder) {
    if (m_work != Work::None) {
        // Loaded once the job in progress, whose outcome is of no use now, has ended.
        m_pendingLoad = runFolder;
        m_discard = true;
        m_job->cancel();
        return true;
    }
    clearModel();
    m_source = runFolder;
    m_work = Work::Load;
    return m_job->start([this, runFolder](BackgroundJob&) -> BackgroundJob::Outcome {
        auto opened = core::DetectionModel::open(runFolder.toStdString());
        if (!opened) return {false, QString::fromStdString(opened.error().message)};
        m_loaded = std::make_shared<core::DetectionModel>(std::move(opened.value()));
        return {true, {}};
    });
}

void DetectionPredictView::clearModel() {
    clearImages();
    m_pendingLoad.clear();
    if (m_work == Work::Load) {
        m_discard = true;
        m_job->cancel();
    }
    m_model.reset();
    m_source.clear();
    updateButtons();
}

void DetectionPredictView::addInputs(const QStringList& inputs) {
    if (!m_model || m_work != Work::None) {
        m_queued << inputs;
        return;
    }
    startDetecting(inputs);
}

bool DetectionPredictView::startDetecting(const QStringList& inputs) {
    std::vector<std::filesystem::path> paths;
    for (const QString& input : inputs) paths.emplace_back(input.toStdString());
    const core::ImageFileList found = core::collectImageFiles(paths);
    std::vector<std::filesystem::path> files;
    for (const auto& file : found.files) {
        const QString identity = ModelPredictor::identityOf(QString::fromStdString(file.string()));
        if (m_identities.contains(identity)) continue;
        m_identities.insert(identity);
        files.push_back(file);
    }
    for (const auto& problem : found.problems) {
        core::ImageDetections failed;
        failed.file = problem.path;
        failed.error = problem.message;
        m_images.push_back(failed);
    }
    if (files.empty()) {
        refreshList();
        Q_EMIT statusChanged(found.problems.empty() ? "No new images" : "No images found");
        Q_EMIT predicted();
        return false;
    }
    auto model = m_model;
    m_work = Work::Detect;
    m_discard = false;
    return m_job->start([this, model, files](BackgroundJob& job) -> BackgroundJob::Outcome {
        m_detected = model->detect(
            files, kDetectorMinScore, 4,
            [&job](std::size_t done, std::size_t total) {
                job.reportProgress(static_cast<qint64>(done), static_cast<qint64>(total), {});
            },
            job.cancelFlag());
        return {true, {}};
    });
}

void DetectionPredictView::onJobFinished(bool ok, const QString& message) {
    const Work work = m_work;
    m_work = Work::None;
    auto loaded = std::move(m_loaded);
    auto detected = std::move(m_detected);
    m_loaded.reset();
    m_detected.clear();
    if (m_discard) {
        m_discard = false;
    } else if (!ok) {
        Q_EMIT statusChanged(message);
        Q_EMIT failed(message);
    } else if (work == Work::Load) {
        m_model = std::move(loaded);
        Q_EMIT modelLoaded();
    } else if (work == Work::Detect) {
        const int first = m_list->count();
        std::size_t boxes = 0;
        for (auto& image : detected) {
            boxes += image.boxes.size();
            m_images.push_back(std::move(image));
        }
        refreshList();
        if (m_list->currentRow() < 0 && m_list->count() > first) m_list->setCurrentRow(first);
        Q_EMIT statusChanged(QString("%1 images detected · %2 in the list")
                                 .arg(detected.size())
                                 .arg(m_images.size()));
        Q_EMIT predicted();
    }
    if (!m_pendingLoad.isEmpty()) {
        const QString source = m_pendingLoad;
        m_pendingLoad.clear();
        load(source);
    } else if (!m_queued.isEmpty() && m_model) {
        const QStringList queued = m_queued;
        m_queued.clear();
        startDetecting(queued);
    }
    updateButtons();
}

void DetectionPredictView::clearImages() {
    if (m_work == Work::Detect) {
        m_discard = true;
        m_job->cancel();
    }
    m_queued.clear();
    m_images.clear();
    m_identities.clear();
    m_picture = QImage();
    m_pictureRow = -1;
    m_list->clear();
    m_boxes->setRowCount(0);
    m_image->showMessage("Drop images or folders here.");
    updateButtons();
}

double DetectionPredictView::threshold() const {
    return static_cast<double>(m_slider->value()) / kSliderSteps;
}

void DetectionPredictView::setThreshold(double threshold) {
    m_slider->setValue(static_cast<int>(std::lround(threshold * kSliderSteps)));
}

std::vector<core::ImageDetections> DetectionPredictView::shownDetections() const {
    std::vector<core::ImageDetections> shown = m_images;
    for (auto& image : shown) image.boxes = boxesAbove(image, threshold());
    return shown;
}

void DetectionPredictView::selectImage(int row) { m_list->setCurrentRow(row); }

void DetectionPredictView::setClassColours(QHash<QString, QColor> colours) {
    m_classColours = std::move(colours);
    if (m_list->currentRow() >= 0) showChosen();
}

QColor DetectionPredictView::colourOf(const QString& className, int classIndex) const {
    return m_classColours.value(className, detectorClassColour(classIndex));
}

void DetectionPredictView::refreshList() {
    const int row = m_list->currentRow();
    {
        const QSignalBlocker blocker(m_list);
        while (m_list->count() > static_cast<int>(m_images.size())) delete m_list->takeItem(0);
        while (m_list->count() < static_cast<int>(m_images.size())) m_list->addItem(QString());
        for (int i = 0; i < m_list->count(); ++i) {
            const auto& image = m_images[static_cast<std::size_t>(i)];
            QListWidgetItem* item = m_list->item(i);
            const QString name = QFileInfo(fileOf(image)).fileName();
            if (image.error) {
                item->setText(name + " · unreadable");
                item->setForeground(QColor(0xc0, 0x30, 0x20));
                item->setToolTip(fileOf(image) + ": " + QString::fromStdString(*image.error));
            } else {
                const auto boxes = boxesAbove(image, threshold()).size();
                item->setText(
                    QString("%1 · %2 %3").arg(name).arg(boxes).arg(boxes == 1 ? "box" : "boxes"));
                item->setToolTip(fileOf(image));
            }
        }
        m_list->setCurrentRow(std::min(row, m_list->count() - 1));
    }
}

void DetectionPredictView::showChosen() {
    const int row = m_list->currentRow();
    m_boxes->setRowCount(0);
    if (row < 0 || row >= static_cast<int>(m_images.size())) {
        m_image->showMessage("Drop images or folders here.");
        return;
    }
    const auto& image = m_images[static_cast<std::size_t>(row)];
    if (image.error) {
        m_image->showMessage(fileOf(image) + ": " + QString::fromStdString(*image.error));
        return;
    }
    if (row != m_pictureRow) {
        QString error;
        m_picture = decodeThumbnail(fileOf(image), kPictureSide, &error);
        m_pictureRow = row;
        if (m_picture.isNull()) {
            m_image->showMessage(error);
            return;
        }
    }
    const auto boxes = boxesAbove(image, threshold());
    QVector<OverlayBox> overlay;
    m_boxes->setRowCount(static_cast<int>(boxes.size()));
    for (int i = 0; i < static_cast<int>(boxes.size()); ++i) {
        const auto& box = boxes[static_cast<std::size_t>(i)];
        const QString name = QString::fromStdString(box.className);
        overlay.push_back({QRectF(box.x, box.y, box.w, box.h), colourOf(name, box.classIndex),
                           QString("%1 %2").arg(name).arg(box.score, 0, 'f', 2), false});
        const QStringList cells = {name,
                                   QString::number(box.score, 'f', 3),
                                   QString::number(box.x, 'f', 1),
                                   QString::number(box.y, 'f', 1),
                                   QString::number(box.w, 'f', 1),
                                   QString::number(box.h, 'f', 1)};
        for (int column = 0; column < kColumns; ++column) {
            auto* item = new QTableWidgetItem(cells[column]);
            if (column == kClassColumn) {
                item->setForeground(colourOf(name, box.classIndex));
            } else {
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            }
            m_boxes->setItem(i, column, item);
        }
    }
    // Drawn from the lowest score up: where two boxes of an object overlap, the likelier one's
    // label is the one left readable on top (the table lists them as the detector does).
    std::vector<int> order(boxes.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return boxes[std::size_t(a)].score < boxes[std::size_t(b)].score;
    });
    QVector<OverlayBox> drawn;
    for (int i : order) drawn.push_back(overlay[i]);
    const QSizeF size(image.width, image.height);
    m_image->showImage(
        drawOverlay(m_picture, size, QRectF(QPointF(0, 0), size), kPictureSide, drawn));
    m_image->setToolTip(fileOf(image));
}

bool DetectionPredictView::save(const QString& file, const std::string& content, QString* error) {
    auto written = core::files::writeFileAtomically(file.toStdString(), content);
    if (!written) {
        if (error) *error = QString::fromStdString(written.error().message);
        return false;
    }
    Q_EMIT statusChanged("Saved " + file);
    return true;
}

bool DetectionPredictView::saveJson(const QString& file, QString* error) {
    nlohmann::json json = {
        {"task", "detection"},
        {"model", m_model ? m_model->weightsFile().string() : std::string()},
        {"architecture", m_model ? m_model->architecture() : std::string()},
        {"classes", m_model ? m_model->classNames() : std::vector<std::string>()},
        {"min_score", threshold()},
        {"predictions", core::detectionPredictionsJson(shownDetections())}};
    return save(file, json.dump(2) + "\n", error);
}

bool DetectionPredictView::saveCsv(const QString& file, QString* error) {
    return save(file, core::detectionPredictionsCsv(shownDetections()), error);
}

bool DetectionPredictView::saveCoco(const QString& file, QString* error) {
    return save(file, core::cocoResultsJson(shownDetections()).dump(2) + "\n", error);
}

void DetectionPredictView::updateButtons() {
    const bool any = !m_images.empty();
    m_saveJson->setEnabled(any);
    m_saveCsv->setEnabled(any);
    m_saveCoco->setEnabled(any);
}

}  // namespace fovea::ui
