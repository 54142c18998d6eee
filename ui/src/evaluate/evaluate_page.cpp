#include "evaluate/evaluate_page.h"

#include <QCheckBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include "data/class_chooser.h"
#include "data/labeling_commands.h"
#include "data/thumbnail_cache.h"
#include "evaluate/confusion_matrix_view.h"
#include "evaluate/detection_evaluation_view.h"
#include "evaluate/image_tile_delegate.h"
#include "evaluate/run_evaluation.h"
#include "fovea/core/session/detection_training.h"
#include "gui_wording.h"
#include "page_header.h"
#include "project/project_session.h"
#include "runs/run_choice_dialog.h"
#include "widgets/background_job.h"
#include "widgets/elided_label.h"
#include "widgets/heatmap_color_bar.h"

namespace fovea::ui {

namespace {

constexpr const char* kNoRunText = "No run evaluated yet: train one on the Train page.";
constexpr const char* kCellTabText = "Images in cell";
constexpr const char* kClassificationPurpose =
    "Where the model is wrong. Confusion matrix: rows are the true classes, columns what the "
    "model predicted; click a cell to see its images. Keys 1-9, or L and the start of a class "
    "name, fix a wrong label.";
constexpr const char* kDetectionPurpose =
    "Where the detector is wrong: COCO's figures per class, and its mistakes by kind; click a "
    "tile to see the whole image with every truth box and detection.";

constexpr int kThumbnailSide = 96;
// Wide enough for "T-shirt/top → Pullover"; longer captions are elided, in full in the tooltip.
constexpr int kCaptionWidth = 150;
constexpr int kTileSpacing = 6;
constexpr int kImageIdRole = Qt::UserRole + 1;
constexpr int kPredictedRole = Qt::UserRole + 2;  // the model's class index for the image
constexpr int kPathRole = Qt::UserRole + 3;

// A grid of equal tiles (image_tile_delegate.h): thumbnails that arrive later, and captions of
// any length, never change a tile's size, so the tiles neither clip nor leave gaps.
QListWidget* makeImageList(const QString& name, QWidget* parent) {
    auto* list = new QListWidget(parent);
    list->setObjectName(name);
    list->setViewMode(QListView::IconMode);
    list->setIconSize(QSize(kThumbnailSide, kThumbnailSide));
    list->setItemDelegate(new ImageTileDelegate(kThumbnailSide, kCaptionWidth, list));
    list->setResizeMode(QListView::Adjust);
    list->setMovement(QListView::Static);
    list->setUniformItemSizes(true);
    list->setWordWrap(false);
    list->setSpacing(kTileSpacing);
    list->setToolTip(
        "Keys 1-9 give the selected image that class in the project; L chooses any class by "
        "typing the start of its name.");
    return list;
}

QString percent(double fraction) { return QString("%1%").arg(100.0 * fraction, 0, 'f', 1); }

}  // namespace

EvaluatePage::EvaluatePage(QWidget* parent)
    : QWidget(parent),
      m_job(new BackgroundJob(this)),
      m_thumbnails(new ThumbnailCache(kThumbnailSide, this)) {
    setObjectName("evaluatePage");
    m_runLabel = new ElidedLabel(kNoRunText, this);
    m_runLabel->setObjectName("evaluatedRunLabel");
    m_chooseButton = new QPushButton("Evaluate a Run…", this);
    m_chooseButton->setObjectName("chooseRunButton");
    connect(m_chooseButton, &QPushButton::clicked, this, &EvaluatePage::chooseRun);
    m_summary = new QLabel(this);
    m_summary->setObjectName("evaluationSummary");
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_summary->setWordWrap(true);

    m_confusion = new ConfusionMatrixView(this);
    connect(m_confusion, &ConfusionMatrixView::cellChosen, this, &EvaluatePage::showCell);
    m_cellImages = makeImageList("cellImages", this);
    m_topLosses = makeImageList("topLosses", this);
    m_perClass = new QTableWidget(this);
    m_perClass->setObjectName("perClassTable");
    m_perClass->setColumnCount(4);
    m_perClass->setHorizontalHeaderLabels({"Precision", "Recall", "F1", "Images"});
    m_perClass->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_perClass->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    for (QListWidget* list : {m_cellImages, m_topLosses}) list->installEventFilter(this);

    m_tabs = new QTabWidget(this);
    m_tabs->addTab(m_cellImages, kCellTabText);
    m_tabs->addTab(m_topLosses, "Top losses");
    m_tabs->addTab(m_perClass, "Per class");
    // Key L: every class by name, as on the Data page (keys 1-9 reach only the first nine).
    m_chooser = new ClassChooser(m_tabs);
    connect(m_chooser, &ClassChooser::chosen, this, [this](core::ClassId id) {
        auto* list = qobject_cast<QListWidget*>(m_tabs->currentWidget());
        if (list) list->setFocus(Qt::OtherFocusReason);
        relabelCurrentImage(m_session ? m_session->classNames().value(id) : QString());
    });
    connect(m_chooser, &ClassChooser::dismissed, this, [this] {
        if (QWidget* list = m_tabs->currentWidget()) list->setFocus(Qt::OtherFocusReason);
    });
    m_image = new ImagePreview(this);
    m_image->setObjectName("evaluateImage");
    m_image->setMinimumHeight(200);
    m_gradCam = new QCheckBox("Grad-CAM: where the network looked for its prediction", this);
    m_gradCam->setObjectName("gradCamCheck");
    connect(m_gradCam, &QCheckBox::toggled, this, &EvaluatePage::showSelectedImage);
    m_colorBar = makeGradCamColorBar(m_gradCam, this);
    // Shown with a Grad-CAM image only, not beside an empty preview (showSelectedImage).
    disconnect(m_gradCam, &QCheckBox::toggled, m_colorBar, nullptr);
    for (QListWidget* list : {m_cellImages, m_topLosses}) {
        connect(list, &QListWidget::currentRowChanged, this, &EvaluatePage::showSelectedImage);
    }
    connect(m_tabs, &QTabWidget::currentChanged, this, &EvaluatePage::showSelectedImage);
    auto* right = new QSplitter(Qt::Vertical, this);
    right->addWidget(m_tabs);
    auto* imageBox = new QWidget(this);
    auto* imageLayout = new QVBoxLayout(imageBox);
    imageLayout->setContentsMargins(0, 0, 0, 0);
    imageLayout->addWidget(m_image, 1);
    imageLayout->addWidget(m_colorBar);
    imageLayout->addWidget(m_gradCam);
    right->addWidget(imageBox);
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_confusion);
    splitter->addWidget(right);
    splitter->setSizes({560, 560});

    auto* top = new QHBoxLayout;
    top->addWidget(m_runLabel, 1);
    top->addWidget(m_chooseButton);
    auto* layout = new QVBoxLayout(this);
    QWidget* header = makePageHeader("Evaluate", kClassificationPurpose, this);
    // The purpose line follows the kind of run shown (setRunKind).
    for (auto* label : header->findChildren<QLabel*>()) {
        if (label->text() == kClassificationPurpose) m_purpose = label;
    }
    layout->addWidget(header);
    layout->addLayout(top);
    m_classificationView = new QWidget(this);
    auto* classification = new QVBoxLayout(m_classificationView);
    classification->setContentsMargins(0, 0, 0, 0);
    classification->addWidget(m_summary);
    classification->addWidget(splitter, 1);
    m_detection = new DetectionEvaluationView(this);
    connect(m_detection, &DetectionEvaluationView::evaluated, this, &EvaluatePage::evaluated);
    connect(m_detection, &DetectionEvaluationView::failed, this, &EvaluatePage::failed);
    m_views = new QStackedWidget(this);
    m_views->addWidget(m_classificationView);
    m_views->addWidget(m_detection);
    layout->addWidget(m_views, 1);

    connect(m_job, &BackgroundJob::finished, this, &EvaluatePage::onJobFinished);
    connect(m_job, &BackgroundJob::progress, this, [this](qint64 done, qint64 total) {
        m_summary->setText(QString("Evaluating: %1 of %2 images…").arg(done).arg(total));
    });
    connect(m_thumbnails, &ThumbnailCache::thumbnailReady, this, &EvaluatePage::onThumbnail);
    setSession(nullptr);
}

EvaluatePage::~EvaluatePage() {
    // The job writes m_pending from its thread: stop and join it while the members still exist.
    delete m_job;
}

void EvaluatePage::setSession(ProjectSession* session) {
    m_job->cancel();
    if (m_session) disconnect(m_session, nullptr, this, nullptr);
    m_session = session;
    if (m_session) {
        connect(m_session, &ProjectSession::labelsChanged, this, &EvaluatePage::onLabelsChanged);
    }
    closeRun();
    setEnabled(session != nullptr);
}

void EvaluatePage::closeRun() {
    m_job->cancel();
    m_pending.reset();
    m_runFolder.clear();
    m_runLabel->setText(kNoRunText);
    clearResults();
    m_detection->clear();
    showView(m_classificationView);
}

void EvaluatePage::showView(QWidget* view) {
    m_views->setCurrentWidget(view);
    if (m_purpose) {
        m_purpose->setText(view == m_detection ? kDetectionPurpose : kClassificationPurpose);
    }
}

void EvaluatePage::clearResults() {
    m_evaluation.reset();
    m_cellTruth = m_cellPredicted = -1;
    m_confusion->showEvaluation(nullptr);
    m_cellImages->clear();
    m_topLosses->clear();
    m_tabs->setTabText(0, kCellTabText);
    m_perClass->setRowCount(0);
    m_summary->clear();
    m_image->clearPreview();
}

bool EvaluatePage::evaluateRun(const QString& runFolder) {
    if (m_job->isRunning()) return false;
    if (core::isDetectionRun(runFolder.toStdString())) {
        clearResults();
        m_runFolder = runFolder;
        m_runLabel->setText("Run: " + runFolder);
        showView(m_detection);
        return m_detection->evaluate(runFolder);
    }
    m_detection->clear();
    showView(m_classificationView);
    m_gradCamJob = false;
    // Nothing of the run shown before stays on screen as if it were this one's.
    clearResults();
    m_runFolder = runFolder;
    m_runLabel->setText("Run: " + runFolder);
    m_summary->setText("Evaluating the run's model on its validation images…");
    m_job->start([this, runFolder](BackgroundJob& job) -> BackgroundJob::Outcome {
        auto result = RunEvaluation::evaluate(
            runFolder, job.cancelFlag(),
            [&job](qint64 done, qint64 total) { job.reportProgress(done, total, {}); });
        if (!result) return {false, QString::fromStdString(result.error().message)};
        m_pending = result.value();  // read on the GUI thread once finished() arrives
        return {true, {}};
    });
    return true;
}

void EvaluatePage::chooseRun() {
    const QString chosen = RunChoiceDialog::choose(
        m_session ? m_session->runsFolder() : QString(),
        {"evaluate", "Evaluate a Run",
         "The run's model is evaluated on the validation images the run kept apart: accuracy, "
         "the confusion matrix, each class's figures and the images it gets wrong.",
         "Evaluate"},
        m_runFolder, this);
    if (chosen.isEmpty()) return;
    evaluateRun(chosen);
    Q_EMIT runChosen(chosen);
}

void EvaluatePage::onJobFinished(bool ok, const QString& message) {
    if (m_gradCamJob) {
        m_gradCamJob = false;
        ++m_gradCams;
        if (ok && m_gradCam->isChecked()) {
            m_image->showImage(m_overlay);
        } else if (!ok) {
            m_image->showMessage(message);
            m_colorBar->setVisible(false);
        }
        return;
    }
    if (m_runFolder.isEmpty()) {  // closed while it was evaluated: nothing to show
        m_pending.reset();
        return;
    }
    if (!ok) {
        m_summary->setText("<font color='#c03020'>" + inGuiWords(message).toHtmlEscaped() +
                           "</font>");
        Q_EMIT failed(message);
        return;
    }
    m_evaluation = std::move(m_pending);
    m_cellTruth = m_cellPredicted = -1;
    m_thumbnails->clear();
    showFigures();
    refreshLists();
    Q_EMIT evaluated();
}

void EvaluatePage::showFigures() {
    const RunEvaluation* e = m_evaluation.get();
    m_confusion->showEvaluation(e);
    if (!e) return;
    QString text = QString(
                       "<b>Accuracy %1</b> on %2 validation images · top-%3 %4 · macro F1 "
                       "%5 · mean loss %6 · on %7")
                       .arg(percent(e->accuracy()))
                       .arg(e->total())
                       .arg(e->topK())
                       .arg(percent(e->topKAccuracy()))
                       .arg(e->macroF1(), 0, 'f', 3)
                       .arg(e->meanLoss(), 0, 'f', 3)
                       .arg(e->device());
    if (e->failures() > 0) text += QString(" · %1 unreadable images left out").arg(e->failures());
    m_summary->setText(text);
    const QStringList names = e->classNames();
    m_perClass->setRowCount(e->classCount());
    m_perClass->setVerticalHeaderLabels(names);
    for (int c = 0; c < e->classCount(); ++c) {
        const auto figures = e->classFigures(c);
        const QStringList cells = {percent(figures.precision), percent(figures.recall),
                                   QString::number(figures.f1, 'f', 3),
                                   QString::number(figures.support)};
        for (int column = 0; column < cells.size(); ++column) {
            auto* item = new QTableWidgetItem(cells[column]);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_perClass->setItem(c, column, item);
        }
    }
}

void EvaluatePage::showCell(int truth, int predicted) {
    if (!m_evaluation) return;
    m_cellTruth = truth;
    m_cellPredicted = predicted;
    refreshLists();
    m_tabs->setCurrentWidget(m_cellImages);
}

void EvaluatePage::refreshLists() {
    const RunEvaluation* e = m_evaluation.get();
    const QStringList names = e ? e->classNames() : QStringList();
    auto fill = [&](QListWidget* list, const QVector<RunEvaluation::Outcome>& outcomes) {
        const int row = list->currentRow();
        list->clear();
        for (const auto& o : outcomes) {
            // Two caption lines, given → predicted and the loss; the tooltip says it in full.
            const QString given = names[o.trueClass];
            const QString predicted = names[o.predictedClass];
            const QString text =
                QString("%1\nloss %2 · %3 sure")
                    .arg(o.trueClass == o.predictedClass ? given : given + " → " + predicted)
                    .arg(o.loss, 0, 'f', 2)
                    .arg(percent(o.predictedProbability));
            auto* item = new QListWidgetItem(text, list);
            item->setData(kImageIdRole, o.imageId);
            item->setData(kPredictedRole, o.predictedClass);
            item->setData(kPathRole, o.path);
            item->setToolTip(QString("Given: %1\nPredicted: %2 (%3)\nLoss: %4\n%5%6")
                                 .arg(given, predicted, percent(o.predictedProbability))
                                 .arg(o.loss, 0, 'f', 3)
                                 .arg(o.path)
                                 .arg(o.relabeled ? "\nrelabeled since the evaluation" : ""));
            const QImage thumb = m_thumbnails->request(o.imageId, o.path);
            if (!thumb.isNull()) item->setIcon(QPixmap::fromImage(thumb));
        }
        if (list->count() > 0) list->setCurrentRow(std::clamp(row, 0, list->count() - 1));
    };
    fill(m_cellImages, e && m_cellTruth >= 0 ? e->cell(m_cellTruth, m_cellPredicted)
                                             : QVector<RunEvaluation::Outcome>());
    fill(m_topLosses, e ? e->topLosses() : QVector<RunEvaluation::Outcome>());
    if (e && m_cellTruth >= 0) {
        m_tabs->setTabText(0, QString("%1 → %2 (%3)")
                                  .arg(names[m_cellTruth], names[m_cellPredicted])
                                  .arg(m_cellImages->count()));
    }
}

void EvaluatePage::onThumbnail(qint64 id) {
    const QImage thumb = m_thumbnails->request(id, {});
    for (QListWidget* list : {m_cellImages, m_topLosses}) {
        for (int row = 0; row < list->count(); ++row) {
            QListWidgetItem* item = list->item(row);
            if (item->data(kImageIdRole).toLongLong() == id) {
                item->setIcon(QPixmap::fromImage(thumb));
            }
        }
    }
}

void EvaluatePage::setGradCamShown(bool shown) { m_gradCam->setChecked(shown); }

void EvaluatePage::showSelectedImage() {
    auto* list = qobject_cast<QListWidget*>(m_tabs->currentWidget());
    QListWidgetItem* item = list ? list->currentItem() : nullptr;
    m_colorBar->setVisible(item && m_evaluation && m_gradCam->isChecked());
    if (!item || !m_evaluation) {
        m_image->clearPreview();
        return;
    }
    const QString path = item->data(kPathRole).toString();
    if (m_gradCam->isChecked()) {
        if (m_job->isRunning()) return;  // shown when asked again
        const auto evaluation = m_evaluation;
        const int predicted = item->data(kPredictedRole).toInt();
        m_gradCamJob = true;
        m_job->start([this, evaluation, path, predicted](BackgroundJob&) -> BackgroundJob::Outcome {
            auto overlay = evaluation->gradCamOverlay(path, predicted);
            if (!overlay) return {false, QString::fromStdString(overlay.error().message)};
            m_overlay = overlay.value();
            return {true, {}};
        });
        return;
    }
    m_image->showFile(path);
}

bool EvaluatePage::relabel(qint64 imageId, int classIndex) {
    if (!m_evaluation || !m_session || classIndex < 0 || classIndex >= m_evaluation->classCount()) {
        return false;
    }
    // The model's classes are the project's, matched by name.
    const QString name = m_evaluation->classNames()[classIndex];
    const std::optional<core::ClassId> classId = m_session->classIdNamed(name);
    if (!classId) return false;
    QUndoStack* stack = m_session->undoStack();
    const int before = stack->index();
    stack->push(
        new SetLabelCommand(*m_session, {imageId}, classId,
                            QString("Label an image as \"%1\" (from the evaluation)").arg(name)));
    // The command's labelsChanged() updated the figures (onLabelsChanged).
    return stack->index() > before;
}

void EvaluatePage::onLabelsChanged(const QList<qint64>& ids) {
    if (!m_evaluation || !m_session) return;
    const QStringList modelClasses = m_evaluation->classNames();
    const QHash<core::ClassId, QString> projectClasses = m_session->classNames();
    bool changed = false;
    const QList<qint64> affected = ids.isEmpty() ? m_evaluation->imageIds() : ids;
    for (qint64 id : affected) {
        auto record = m_session->store().image(id);
        if (!record || !record.value().classId) continue;  // unlabeled: keeps its evaluated class
        // The model's classes are the project's, matched by name; a class the model does not
        // know leaves the image as it was evaluated.
        const int index =
            static_cast<int>(modelClasses.indexOf(projectClasses.value(*record.value().classId)));
        if (index >= 0) changed |= m_evaluation->relabel(id, index);
    }
    if (!changed) return;
    showFigures();
    refreshLists();
}

bool EvaluatePage::relabelCurrentImage(const QString& className) {
    auto* list = qobject_cast<QListWidget*>(m_tabs->currentWidget());
    QListWidgetItem* item = list ? list->currentItem() : nullptr;
    if (!item || !m_evaluation || className.isEmpty()) return false;
    return relabel(item->data(kImageIdRole).toLongLong(),
                   static_cast<int>(m_evaluation->classNames().indexOf(className)));
}

QList<core::ClassInfo> EvaluatePage::projectClasses() const {
    QList<core::ClassInfo> classes;
    if (!m_session) return classes;
    if (auto stored = m_session->store().classes()) {
        for (const auto& info : stored.value()) classes << info;
    }
    return classes;
}

void EvaluatePage::openClassChooser() {
    auto* list = qobject_cast<QListWidget*>(m_tabs->currentWidget());
    if (!list || !list->currentItem() || !m_evaluation) return;
    const QList<core::ClassInfo> classes = projectClasses();
    QList<ClassChooser::Entry> entries;
    for (qsizetype i = 0; i < classes.size(); ++i) {
        entries.push_back({classes[i].id, QString::fromStdString(classes[i].name),
                           i < 9 ? QString::number(i + 1) : QString()});
    }
    if (!entries.isEmpty()) m_chooser->open(entries);
}

bool EvaluatePage::eventFilter(QObject* watched, QEvent* event) {
    auto* list = qobject_cast<QListWidget*>(watched);
    if (list && event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        const auto modifiers = key->modifiers() & ~Qt::KeypadModifier;
        if (modifiers == Qt::NoModifier && key->key() >= Qt::Key_1 && key->key() <= Qt::Key_9) {
            // Key N is the project's Nth class, as on the Data page.
            const QList<core::ClassInfo> classes = projectClasses();
            const auto number = static_cast<qsizetype>(key->key() - Qt::Key_1);
            if (number < classes.size()) {
                relabelCurrentImage(QString::fromStdString(classes[number].name));
            }
            return true;
        }
        if (modifiers == Qt::NoModifier && key->key() == Qt::Key_L) {
            openClassChooser();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

}  // namespace fovea::ui
