#include "predict/predict_page.h"

#include <QAction>
#include <QCheckBox>
#include <QColor>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <functional>
#include <set>

#include "fovea/core/session/detection_training.h"
#include "page_header.h"
#include "predict/detection_predict_view.h"
#include "runs/run_choice_dialog.h"
#include "widgets/dialog_folders.h"
#include "widgets/elided_label.h"
#include "widgets/heatmap_color_bar.h"

namespace fovea::ui {

namespace {

constexpr const char* kNoModelText = "No model yet: train one, or open a run folder or model file.";

// The preview's least side: small enough that the page, with ten score bars below the image,
// fits the window on a 1366 x 768 laptop screen (tests/ui/main_window_test.cpp).
constexpr int kPreviewSide = 256;
constexpr QRgb kErrorRgb = 0xffc03020;
constexpr char kEmptyMessage[] = "Drop images or folders here.";
// The purpose line, for the kind of model shown: a detector's boxes come without an explanation
// (Grad-CAM is the classifier's).
constexpr char kClassificationPurpose[] =
    "Drop images or folders to see what the model makes of them, and why.";
constexpr char kDetectionPurpose[] =
    "Drop images or folders to see the objects the detector finds in them, with their class "
    "and score.";

enum Column { kImageColumn, kPredictionColumn, kProbabilityColumn, kProblemColumn, kColumns };

QString percent(double p) { return QString("%1%").arg(100.0 * p, 0, 'f', 1); }

QString errorHtml(const QString& message) {
    return QString("<font color='%1'>%2</font>")
        .arg(QColor(kErrorRgb).name(), message.toHtmlEscaped());
}

// The problem without the file's path, which its row already shows.
QString problemOf(const ModelPredictor::Prediction& prediction) {
    const QString prefix = prediction.path + ": ";
    return prediction.error.startsWith(prefix) ? prediction.error.mid(prefix.size())
                                               : prediction.error;
}

int unreadableCount(const QVector<ModelPredictor::Prediction>& predictions) {
    return static_cast<int>(
        std::count_if(predictions.begin(), predictions.end(),
                      [](const ModelPredictor::Prediction& p) { return p.top.isEmpty(); }));
}

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
    m_classificationView = splitter;
    m_detection = new DetectionPredictView(this);
    m_views = new QStackedWidget(this);
    m_views->addWidget(m_classificationView);
    m_views->addWidget(m_detection);

    m_status = new QLabel(this);
    m_status->setObjectName("predictStatus");
    connect(m_detection, &DetectionPredictView::statusChanged, m_status, &QLabel::setText);
    connect(m_detection, &DetectionPredictView::modelLoaded, this, [this] {
        const core::DetectionModel* model = m_detection->model();
        m_modelLabel->setText(QString("Model: %1 (%2, %3 classes) · %4")
                                  .arg(QFileInfo(m_detection->source()).fileName(),
                                       QString::fromStdString(model->architecture()))
                                  .arg(model->classNames().size())
                                  .arg(m_detection->source()));
        Q_EMIT modelLoaded();
    });
    connect(m_detection, &DetectionPredictView::predicted, this, [this] {
        updateActions();
        Q_EMIT predicted();
    });
    connect(m_detection, &DetectionPredictView::failed, this, [this](const QString& message) {
        if (!m_detection->hasModel()) m_modelLabel->setText("No model: " + message);
        Q_EMIT failed(message);
    });
    updateActions();
    auto* layout = new QVBoxLayout(this);
    QWidget* header = makePageHeader("Predict", kClassificationPurpose, this);
    for (QLabel* label : header->findChildren<QLabel*>()) {
        if (label->text() == kClassificationPurpose) m_purpose = label;
    }
    layout->addWidget(header);
    layout->addLayout(tools);
    layout->addWidget(m_views, 1);
    layout->addWidget(m_status);
    connect(m_job, &BackgroundJob::finished, this, &PredictPage::onJobFinished);
    connect(m_job, &BackgroundJob::progress, this, [this](qint64 done, qint64 total) {
        if (m_discardPrediction) return;  // the list was cleared: it says so
        m_status->setText(QString("Predicting %1 of %2 images…").arg(done).arg(total));
    });
}

QHBoxLayout* PredictPage::buildToolBar() {
    // A long run path is elided in the middle, the whole of it in the tooltip.
    // Elided at its end: the run's name and facts lead the line, its path (in full in the
    // tooltip) gives way first; elided in the middle, the facts were cut ("…mobilenet_v2_keras,
    // 1…·").
    m_modelLabel = new ElidedLabel(kNoModelText, this, Qt::ElideRight);
    m_modelLabel->setObjectName("predictModelLabel");
    auto* openModel = new QPushButton("Open Model…", this);
    openModel->setObjectName("openModelButton");
    connect(openModel, &QPushButton::clicked, this, [this] {
        const QString chosen = RunChoiceDialog::choose(
            m_runsFolder,
            {"predict", "Open a Model",
             "The model predicts the images you add or drop here: its classes with their "
             "probabilities, and Grad-CAM shows where it looked.",
             "Open", /*bundles=*/true, /*modelFiles=*/true},
            m_predictor ? m_predictor->source() : QString(), this);
        if (chosen.isEmpty()) return;
        setModelSource(chosen);
        Q_EMIT runChosen(chosen);
    });
    auto* addImages = new QPushButton("Add Images…", this);
    m_addImagesButton = addImages;
    addImages->setObjectName("addImagesButton");
    connect(addImages, &QPushButton::clicked, this, [this] {
        const QStringList files = QFileDialog::getOpenFileNames(
            this, "Predict Images", predictFolder(),
            "Images (*.jpg *.jpeg *.png *.bmp *.webp *.tif *.tiff);;All files (*)");
        if (files.isEmpty()) return;
        rememberDialogFolder("predict", files.front());
        addInputs(files);
    });
    auto* addFolder = new QPushButton("Add Folder…", this);
    addFolder->setObjectName("addFolderButton");
    connect(addFolder, &QPushButton::clicked, this, [this] {
        const QString folder =
            QFileDialog::getExistingDirectory(this, "Predict a Folder", predictFolder());
        if (folder.isEmpty()) return;
        rememberDialogFolder("predict", folder);
        addInputs({folder});
    });
    auto* exportButton = new QPushButton("Export CSV…", this);
    exportButton->setObjectName("exportCsvButton");
    m_removeButton = new QPushButton("Remove", this);
    m_removeButton->setObjectName("removeRowsButton");
    m_removeButton->setToolTip("Remove the selected rows from the list (Delete)");
    connect(m_removeButton, &QPushButton::clicked, this, &PredictPage::removeSelectedRows);
    m_clearButton = new QPushButton("Clear", this);
    m_clearButton->setObjectName("clearRowsButton");
    m_clearButton->setToolTip("Remove every row from the list");
    connect(m_clearButton, &QPushButton::clicked, this, &PredictPage::clearPredictions);
    m_exportButton = exportButton;
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getSaveFileName(
            this, "Save Predictions", QDir(predictFolder()).filePath("predictions.csv"),
            "CSV (*.csv)");
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
    tools->addWidget(m_removeButton);
    tools->addWidget(m_clearButton);
    tools->addWidget(m_topK);
    tools->addWidget(exportButton);
    return tools;
}

void PredictPage::buildResultsTable() {
    m_table = new QTableWidget(this);
    m_table->setObjectName("predictionsTable");
    m_table->setColumnCount(kColumns);
    m_table->setHorizontalHeaderLabels({"Image", "Prediction", "Probability", "Problem"});
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->horizontalHeader()->setSectionResizeMode(kImageColumn, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(kProblemColumn, QHeaderView::Stretch);
    m_table->setColumnHidden(kProblemColumn, true);  // until a file cannot be read
    connect(m_table, &QTableWidget::currentCellChanged, this, [this] { showSelection(); });
    connect(m_table, &QTableWidget::itemSelectionChanged, this, &PredictPage::updateActions);

    // Delete (Backspace on a Mac keyboard) and the context menu act on the table's selection.
    m_removeAction = new QAction("Remove", m_table);
    m_removeAction->setObjectName("removeRowsAction");
    QList<QKeySequence> removeKeys = QKeySequence::keyBindings(QKeySequence::Delete);
    if (!removeKeys.contains(QKeySequence(Qt::Key_Backspace))) removeKeys << Qt::Key_Backspace;
    m_removeAction->setShortcuts(removeKeys);
    m_removeAction->setShortcutContext(Qt::WidgetShortcut);
    connect(m_removeAction, &QAction::triggered, this, &PredictPage::removeSelectedRows);
    m_clearAction = new QAction("Clear List", m_table);
    m_clearAction->setObjectName("clearRowsAction");
    connect(m_clearAction, &QAction::triggered, this, &PredictPage::clearPredictions);
    m_table->addAction(m_removeAction);
    m_table->addAction(m_clearAction);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
}

QWidget* PredictPage::buildImagePane() {
    m_image = new ImagePreview(this);
    m_image->setObjectName("predictImage");
    m_image->setMinimumSize(kPreviewSide, kPreviewSide);
    m_image->showMessage(kEmptyMessage);
    m_gradCam = new QCheckBox("Grad-CAM: where the network looked", this);
    m_gradCam->setObjectName("gradCamCheck");
    connect(m_gradCam, &QCheckBox::toggled, this, [this] { showSelection(); });
    m_scoresBox = new QWidget(this);
    m_scores = new QVBoxLayout(m_scoresBox);
    m_scores->setContentsMargins(0, 0, 0, 0);
    m_scores->setAlignment(Qt::AlignTop);
    keepRoomForScores();
    connect(m_topK, &QSpinBox::valueChanged, this, [this] {
        keepRoomForScores();
        const int row = m_table->currentRow();
        showScores(row >= 0 && row < m_predictions.size() ? &m_predictions[row] : nullptr);
    });

    auto* pane = new QWidget(this);
    auto* layout = new QVBoxLayout(pane);
    layout->addWidget(m_image, 1);
    layout->addWidget(m_gradCam);
    layout->addWidget(makeGradCamColorBar(m_gradCam, pane));
    layout->addWidget(m_scoresBox);
    return pane;
}

PredictPage::~PredictPage() {
    // The job writes members from its thread: join it while they still exist.
    delete m_job;
}

bool PredictPage::startWork(Work work,
                            const std::function<BackgroundJob::Outcome(BackgroundJob&)>& run) {
    // Busy until onJobFinished() has taken the outcome, not only while the worker runs: work
    // started in between would write the members the pending outcome is read from.
    if (m_work != Work::None) return false;
    m_work = work;
    const bool started = m_job->start(run);
    if (!started) m_work = Work::None;
    updateActions();
    return started;
}

void PredictPage::clearModel() {
    clearPredictions();
    m_detection->clearModel();
    m_views->setCurrentWidget(m_classificationView);
    m_topK->setVisible(true);
    m_exportButton->setVisible(true);
    m_removeButton->setVisible(true);
    m_purpose->setText(kClassificationPurpose);
    if (m_work == Work::Load) {
        m_discardLoad = true;
        m_job->cancel();
    }
    m_predictor.reset();
    m_modelLabel->setText(kNoModelText);
    m_status->clear();
    updateActions();
}

bool PredictPage::showsDetection() const { return m_views->currentWidget() == m_detection; }

bool PredictPage::setModelSource(const QString& source) {
    m_modelLabel->setText("Loading " + source + "…");
    const bool detection = core::isDetectionRun(source.toStdString());
    // Only the tools of the kind of model shown: top-k and the classification CSV have no
    // meaning for boxes, whose view has its own threshold and files.
    m_topK->setVisible(!detection);
    m_exportButton->setVisible(!detection);
    m_removeButton->setVisible(!detection);
    m_purpose->setText(detection ? kDetectionPurpose : kClassificationPurpose);
    if (detection) {
        clearPredictions();
        m_predictor.reset();
        m_views->setCurrentWidget(m_detection);
        return m_detection->load(source);
    }
    m_detection->clearModel();
    m_views->setCurrentWidget(m_classificationView);
    return startWork(Work::Load, [this, source](BackgroundJob&) -> BackgroundJob::Outcome {
        auto loaded = ModelPredictor::load(source);
        if (!loaded) return {false, QString::fromStdString(loaded.error().message)};
        m_loaded = loaded.value();
        return {true, {}};
    });
}

bool PredictPage::addInputs(const QStringList& inputs) {
    if (showsDetection()) {
        m_detection->addInputs(inputs);
        return true;
    }
    if (!m_predictor || m_work != Work::None) {
        m_queuedInputs << inputs;  // predicted once the model is there
        updateActions();
        return true;
    }
    // The rows as they are now: none can be added before this job's own come back.
    QSet<QString> listed;
    listed.reserve(m_predictions.size());
    for (const auto& p : m_predictions) listed.insert(p.identity);
    auto predictor = m_predictor;
    // As many classes as the spin box can ask for: changing it then shows more or fewer at
    // once, without predicting again.
    const int topK = m_topK->maximum();
    return startWork(
        Work::Predict,
        [this, predictor, inputs, listed, topK](BackgroundJob& job) -> BackgroundJob::Outcome {
            auto predicted = predictor->predict(
                inputs, listed, topK, job.cancelFlag(),
                [&job](qint64 done, qint64 total) { job.reportProgress(done, total, {}); });
            if (!predicted) return {false, QString::fromStdString(predicted.error().message)};
            m_batch = std::move(predicted.value());
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
    if (work == Work::Predict && m_discardPrediction) {
        // Cleared while predicting: what came back (or the cancellation) is of no row.
        m_discardPrediction = false;
        m_batch = {};
    } else if (work == Work::Load && m_discardLoad) {
        // The model was let go while it loaded (the project closed).
        m_discardLoad = false;
        m_loaded.reset();
    } else if (!ok) {
        if (work == Work::GradCam) m_overlayPath.clear();
        m_status->setText(errorHtml(message));
        if (work == Work::Load) m_modelLabel->setText("No model: " + message);
        Q_EMIT failed(message);
    } else {
        switch (work) {
            case Work::Load:
                m_predictor = std::move(m_loaded);
                m_overlayPath.clear();  // another model looks elsewhere
                m_overlay = QImage();
                m_modelLabel->setText(modelLine(*m_predictor));
                m_status->clear();
                Q_EMIT modelLoaded();
                break;
            case Work::Predict: {
                const ModelPredictor::Batch batch = std::move(m_batch);
                m_batch = {};
                addRows(batch);
                Q_EMIT predicted();
                break;
            }
            case Work::GradCam: {
                ++m_gradCams;
                // The selection may have moved on (or its row gone) while the overlay was made.
                const int row = m_table->currentRow();
                const bool current = row >= 0 && row < m_predictions.size() &&
                                     m_predictions[row].path == m_overlayPath;
                if (current && m_gradCam->isChecked()) m_image->showImage(m_overlay);
                break;
            }
            case Work::None:
                break;
        }
    }
    runQueued();
    if (m_gradCamPending && m_work == Work::None) showSelection();
    updateActions();
}

void PredictPage::addRows(const ModelPredictor::Batch& batch) {
    const int first = m_predictions.size();
    for (const auto& p : batch.predictions) appendRow(p);
    const int added = batch.predictions.size();
    const int unreadable = unreadableCount(batch.predictions);
    // An unreadable file is a row but not a prediction: it is counted on its own.
    QString text;
    if (added == 0) {
        text = batch.alreadyListed > 0
                   ? QString("Nothing added: %1 already in the list").arg(batch.alreadyListed)
                   : QString("No images found");
    } else {
        QStringList parts;
        if (added > unreadable) parts << QString("%1 predicted").arg(added - unreadable);
        if (unreadable > 0) parts << QString("%1 unreadable").arg(unreadable);
        if (batch.alreadyListed > 0) {
            parts << QString("%1 already in the list").arg(batch.alreadyListed);
        }
        text = parts.join(", ");
    }
    if (first > 0) text += " · " + listText();
    m_status->setText(text);
    if (m_table->currentRow() < 0 && added > 0) selectPrediction(first);
}

void PredictPage::appendRow(const ModelPredictor::Prediction& p) {
    const int row = m_table->rowCount();
    m_predictions << p;
    m_table->insertRow(row);
    auto* name = new QTableWidgetItem(QFileInfo(p.path).fileName());
    name->setToolTip(p.path);
    m_table->setItem(row, kImageColumn, name);
    auto* probability = new QTableWidgetItem;
    probability->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    m_table->setItem(row, kProbabilityColumn, probability);
    if (p.top.isEmpty()) {
        // Why it failed has its own column: the probability cell stays for probabilities.
        auto* label = new QTableWidgetItem("unreadable");
        label->setForeground(QColor(kErrorRgb));
        label->setToolTip(p.error);
        m_table->setItem(row, kPredictionColumn, label);
        auto* problem = new QTableWidgetItem(problemOf(p));
        problem->setForeground(QColor(kErrorRgb));
        problem->setToolTip(p.error);
        m_table->setItem(row, kProblemColumn, problem);
        return;
    }
    m_table->setItem(row, kPredictionColumn, new QTableWidgetItem(p.top.front().label));
    probability->setText(percent(p.top.front().probability));
    m_table->setItem(row, kProblemColumn, new QTableWidgetItem);
}

void PredictPage::removeSelectedRows() {
    std::set<int, std::greater<>> rows;  // last first, so the rows before keep their index
    for (const QModelIndex& index : m_table->selectionModel()->selectedIndexes()) {
        rows.insert(index.row());
    }
    if (rows.empty()) return;
    const int removed = static_cast<int>(rows.size());
    {
        // One showSelection() afterwards, not one per row that becomes current on the way.
        const QSignalBlocker blocker(m_table);
        if (removed == m_predictions.size()) {
            m_table->setRowCount(0);
            m_predictions.clear();
        } else {
            for (int row : rows) {
                m_table->removeRow(row);
                m_predictions.removeAt(row);
            }
            const int next = std::min(*rows.rbegin(), static_cast<int>(m_predictions.size()) - 1);
            m_table->setCurrentCell(
                next, kImageColumn,
                QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        }
    }
    showSelection();
    m_status->setText(QString("%1 removed · %2").arg(removed).arg(listText()));
    updateActions();
}

void PredictPage::clearPredictions() {
    if (m_work == Work::Predict) {
        m_discardPrediction = true;
        m_job->cancel();
    }
    m_queuedInputs.clear();
    m_detection->clearImages();
    const int removed = m_predictions.size();
    {
        const QSignalBlocker blocker(m_table);
        m_table->setRowCount(0);
        m_predictions.clear();
    }
    showSelection();
    m_status->setText(removed > 0 ? QString("%1 removed · the list is empty").arg(removed)
                                  : QString("The list is empty"));
    const bool clearHadFocus = m_clearButton->hasFocus();
    updateActions();
    // The disabled Clear passed the focus on to the top-k field, its text selected: the next
    // thing to do is to add images.
    if (clearHadFocus) m_addImagesButton->setFocus();
}

void PredictPage::updateActions() {
    const bool selected = m_table->selectionModel()->hasSelection();
    const bool listed =
        !m_predictions.isEmpty() || (m_detection && m_detection->imageList()->count() > 0);
    const bool pending = m_work == Work::Predict || !m_queuedInputs.isEmpty();
    m_removeAction->setEnabled(selected);
    m_removeButton->setEnabled(selected);
    m_clearAction->setEnabled(listed || pending);
    m_clearButton->setEnabled(listed || pending);
    m_exportButton->setEnabled(listed);
    m_table->setColumnHidden(kProblemColumn, unreadableCount(m_predictions) == 0);
}

QString PredictPage::modelLine(const ModelPredictor& model) {
    // The run's name first and the path last, which is elided first. A run named after its
    // architecture (the workbench's "<time>-<network>") does not say it twice: the facts were
    // cut off at the default window size.
    const QString name = QFileInfo(model.source()).fileName();
    const QString classes = QString("%1 classes").arg(model.classNames().size());
    const QString facts =
        name.contains(model.architecture()) ? classes : model.architecture() + ", " + classes;
    return QString("Model: %1 (%2) · %3").arg(name, facts, model.source());
}

QString PredictPage::predictFolder() const {
    // Where the user last chose for Predict; else beside the folder they imported the project
    // from (new images to predict are usually its siblings); else the project's images.
    const QString projectImages = m_imagesFolder ? m_imagesFolder() : QString();
    return dialogFolder("predict", dialogFolder("images", projectImages));
}

QString PredictPage::listText() const {
    if (m_predictions.isEmpty()) return "the list is empty";
    const int unreadable = unreadableCount(m_predictions);
    QString text = QString("%1 in the list").arg(m_predictions.size());
    if (unreadable > 0) text += QString(" (%1 unreadable)").arg(unreadable);
    return text;
}

void PredictPage::selectPrediction(int row) {
    if (row == m_table->currentRow()) {
        showSelection();
    } else {
        m_table->setCurrentCell(row, kImageColumn);  // currentCellChanged shows it
    }
}

void PredictPage::setGradCamShown(bool shown) { m_gradCam->setChecked(shown); }

void PredictPage::showSelection() {
    m_gradCamPending = false;
    const int row = m_table->currentRow();
    if (row < 0 || row >= m_predictions.size()) {
        m_image->showMessage(kEmptyMessage);
        showScores(nullptr);
        return;
    }
    const ModelPredictor::Prediction& p = m_predictions[row];
    showScores(&p);
    if (!p.error.isEmpty()) {
        m_image->showMessage(p.error);  // said once, where the picture would be
        return;
    }
    if (!m_gradCam->isChecked() || !m_predictor || p.top.isEmpty()) {
        m_image->showFile(p.path);
        return;
    }
    const bool overlayOnItsWay = m_work == Work::GradCam && m_overlayPath == p.path;
    if (p.path == m_overlayPath && !overlayOnItsWay && !m_overlay.isNull()) {
        m_image->showImage(m_overlay);  // made already: toggling back costs nothing
        return;
    }
    m_image->showFile(p.path);  // until its overlay is ready
    if (!overlayOnItsWay && !startGradCam(p)) m_gradCamPending = true;
}

bool PredictPage::startGradCam(const ModelPredictor::Prediction& prediction) {
    if (m_work != Work::None) return false;
    auto predictor = m_predictor;
    const QString path = prediction.path;
    const int classIndex = prediction.top.front().index;
    m_overlayPath = path;
    m_overlay = QImage();  // no work in progress: nothing else writes it now
    return startWork(Work::GradCam,
                     [this, predictor, path, classIndex](BackgroundJob&) -> BackgroundJob::Outcome {
                         auto overlay = predictor->gradCamOverlay(path, classIndex);
                         if (!overlay) {
                             return {false, QString::fromStdString(overlay.error().message)};
                         }
                         m_overlay = overlay.value();
                         return {true, {}};
                     });
}

void PredictPage::keepRoomForScores() {
    const int bars = m_topK->value();
    const int bar = QProgressBar().sizeHint().height();
    m_scoresBox->setFixedHeight(bars * bar + (bars - 1) * m_scores->spacing());
}

void PredictPage::showScores(const ModelPredictor::Prediction* prediction) {
    while (QLayoutItem* item = m_scores->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    if (!prediction) return;
    // The class and its probability beside the bar, not on it: drawn over the bar's edge, a
    // digit turned white on white ("Pullover 53.3%" lost its "5").
    const int shown = std::min<int>(m_topK->value(), static_cast<int>(prediction->top.size()));
    for (const auto& score : prediction->top.mid(0, shown)) {
        auto* row = new QWidget;
        auto* rowLayout = new QHBoxLayout(row);
        rowLayout->setContentsMargins(0, 0, 0, 0);
        auto* label = new QLabel(QString("%1  %2").arg(score.label, percent(score.probability)));
        label->setObjectName("scoreLabel");
        auto* bar = new QProgressBar;
        bar->setObjectName("scoreBar");
        bar->setRange(0, 1000);
        bar->setValue(static_cast<int>(1000 * score.probability));
        bar->setTextVisible(false);
        bar->setToolTip(label->text());
        rowLayout->addWidget(label, 1);
        rowLayout->addWidget(bar, 1);
        m_scores->addWidget(row);
    }
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
