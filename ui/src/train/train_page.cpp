#include "train/train_page.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>
#include <algorithm>
#include <vector>

#include "duration_text.h"
#include "fovea/core/atomic_file.h"
#include "fovea/core/count_text.h"
#include "fovea/core/session/run_catalogue.h"
#include "fovea/core/torch_runtime.h"
#include "gui_wording.h"
#include "model/detection_project_settings.h"
#include "model/model_catalogue.h"
#include "model/network_choice.h"
#include "page_header.h"
#include "project/project_session.h"
#include "train/cluster_command_dialog.h"
#include "train/detection_settings_form.h"
#include "train/detection_training_worker.h"
#include "train/estimate_text.h"
#include "train/first_run.h"
#include "train/lr_finder_panel.h"
#include "train/run_follower.h"
#include "train/run_time_estimator.h"
#include "train/train_page_settings.h"
#include "train/training_charts.h"
#include "train/training_worker.h"
#include "train/watch_set_view.h"
#include "widgets/elided_label.h"
#include "widgets/input_size_spin_box.h"

namespace fovea::ui {

namespace {

// The page's purpose line, for the project's task.
constexpr const char* kClassificationPurpose =
    "Fine-tune the chosen network on the labeled images and watch it learn.";
constexpr const char* kDetectionPurpose =
    "Fine-tune the chosen detector on the images' boxes and watch each loss and the mAP.";

const QString kEstimatingText = QStringLiteral("Estimating the run's time…");

bool offlineWeightsMissing(const ModelSelection& model) {
    const WeightOption weights = weightOptionFor(model.architecture, model.weights);
    return weights.kind == WeightKind::OfflineDefault && !QFileInfo::exists(weights.file);
}

const char* const kSettingsKey = "train.settings";
// The settings column: wide enough for the form, the same whatever it shows.
constexpr int kSettingsWidth = 330;

QComboBox* makeCombo(const QString& name, const QStringList& items, const QString& tip,
                     QWidget* parent) {
    auto* combo = new QComboBox(parent);
    combo->setObjectName(name);
    combo->addItems(items);
    combo->setToolTip(tip);
    return combo;
}

}  // namespace

TrainPage::TrainPage(QWidget* parent)
    : QWidget(parent),
      m_worker(new TrainingWorker(this)),
      m_detectionWorker(new DetectionTrainingWorker(this)) {
    setObjectName("trainPage");
    m_charts = new TrainingCharts(this);
    m_log = new QPlainTextEdit(this);
    m_log->setObjectName("trainingLog");
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    m_log->setPlaceholderText("The run's log appears here.");

    m_progress = new QProgressBar(this);
    m_progress->setObjectName("trainingProgress");
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(false);
    // Long messages (a failure's) are elided with the whole text in the tooltip and the log.
    m_progressLabel = new ElidedLabel("Not training.", this, Qt::ElideRight);
    m_progressLabel->setObjectName("trainingProgressLabel");

    m_watchSet = new WatchSetView(this);
    auto* bottom = new QSplitter(Qt::Horizontal, this);
    bottom->addWidget(m_log);
    bottom->addWidget(m_watchSet);
    // The log's epoch lines are long: it gets the larger share (at a third it wrapped each one
    // over five lines while the watch set, often empty, kept two thirds).
    bottom->setStretchFactor(0, 3);
    bottom->setStretchFactor(1, 2);
    auto* right = new QSplitter(Qt::Vertical, this);
    right->addWidget(m_charts);
    right->addWidget(bottom);
    right->setStretchFactor(0, 2);
    right->setStretchFactor(1, 1);

    auto* body = new QHBoxLayout;
    body->addWidget(buildSettings());
    body->addWidget(right, 1);

    auto* layout = new QVBoxLayout(this);
    QWidget* header = makePageHeader("Train", kClassificationPurpose, this);
    // The purpose line says the project's task (showTaskForm): found by the text it was made
    // with.
    for (QLabel* label : header->findChildren<QLabel*>()) {
        if (label->text() == kClassificationPurpose) m_purpose = label;
    }
    layout->addWidget(header);
    layout->addLayout(body, 1);
    auto* progressRow = new QHBoxLayout;
    progressRow->addWidget(m_progress, 1);
    progressRow->addWidget(m_progressLabel, 2);
    layout->addLayout(progressRow);

    m_estimator = new RunTimeEstimator(this);
    connect(m_estimator, &RunTimeEstimator::estimated, this, &TrainPage::onEstimated);
    connect(m_estimator, &RunTimeEstimator::failed, this, [this](const QString& message) {
        m_estimateLabel->setText("No time estimate: " + inGuiWords(message));
    });
    m_follower = new RunFollower(this);
    connect(m_follower, &RunFollower::updated, this, &TrainPage::onFollowedUpdate);
    connect(m_follower, &RunFollower::lost, this, [this] {
        m_progressLabel->setText(QFileInfo(m_follower->folder()).fileName() +
                                 " is no longer there (its folder was deleted or renamed).");
    });
    connect(m_follower, &RunFollower::logged, this, [this](const QStringList& lines) {
        // log.txt's lines carry their UTC time: shown as the local time they were written,
        // not the time they were read next to it.
        static const QRegularExpression stamped(R"(^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) (.*)$)");
        for (const QString& line : lines) {
            const auto match = stamped.match(line);
            const QDateTime written = QDateTime::fromString(match.captured(1), Qt::ISODate);
            if (match.hasMatch() && written.isValid()) {
                appendLog(match.captured(2), written.toLocalTime().time());
            } else {
                appendLog(line);
            }
        }
    });
    connectWorker();
    connectDetectionWorker();
    setSession(nullptr);
}

TrainPage::~TrainPage() { shutdown(); }

QWidget* TrainPage::buildSettings() {
    auto* panel = new QWidget(this);
    panel->setFixedWidth(kSettingsWidth);
    createTrainingFields(panel);
    createDeviceFields(panel);
    m_validationFraction = new QDoubleSpinBox(panel);
    m_validationFraction->setObjectName("validationFractionSpin");
    m_validationFraction->setRange(0.0, 0.9);
    m_validationFraction->setSingleStep(0.05);
    m_validationFraction->setValue(0.2);
    m_validationFraction->setToolTip(
        "Share of each class held out for validation, for images without a split.");

    m_classificationForm = new QWidget(panel);
    auto* form = new QFormLayout(m_classificationForm);
    form->setContentsMargins(0, 0, 0, 0);
    // Tight rows: the whole column, the finder's plot included, fits a 1280 x 800 window.
    form->setVerticalSpacing(3);
    form->addRow("Epochs:", m_epochs);
    form->addRow("Input size:", m_imageSize);
    form->addRow("Batch size:", m_batchSize);
    form->addRow("Learning rate:", m_learningRate);
    form->addRow("Optimizer:", m_optimizer);
    form->addRow("Schedule:", m_schedule);
    form->addRow("Augmentation:", m_augment);
    form->addRow("Early stopping:", m_earlyStop);
    form->addRow("Imbalance:", m_classWeights);
    form->addRow("Validation:", m_validationFraction);
    form->addRow("Device:", m_device);
    form->addRow("Precision:", m_precision);
    form->addRow("GPUs:", m_gpuList);
    QHBoxLayout* buttons = createRunButtons(panel);
    saveSettingsOnChange();
    createLearningRateFinder(panel);

    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_classificationForm);
    // A detection project's form instead (issue 24); the buttons and the log are shared.
    m_detectionForm = new DetectionSettingsForm(panel);
    m_detectionForm->hide();
    connect(m_detectionForm, &DetectionSettingsForm::changed, this, [this] {
        if (m_session && !m_loading) {
            m_session->check(saveDetectionSettings(
                m_session->store(),
                m_detectionForm->settings(loadDetectionSettings(m_session->store()))));
        }
    });
    layout->addWidget(m_detectionForm);
    layout->addLayout(buttons);
    layout->addWidget(m_estimateLabel);
    layout->addWidget(m_lrFinder);
    layout->addStretch(1);

    // A window too short for every field scrolls the column rather than squashing the fields;
    // its width is fixed, scroll bar or not, so the charts beside it never move.
    auto* scroll = new QScrollArea(this);
    scroll->setObjectName("trainSettingsScroll");
    scroll->setWidget(panel);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setFixedWidth(kSettingsWidth + scroll->verticalScrollBar()->sizeHint().width());
    return scroll;
}

void TrainPage::createTrainingFields(QWidget* panel) {
    m_epochs = new QSpinBox(panel);
    m_epochs->setObjectName("epochsSpin");
    m_epochs->setRange(1, 1000);
    m_epochs->setValue(10);
    m_imageSize = new InputSizeSpinBox(panel);
    m_imageSize->setObjectName("trainImageSizeSpin");
    m_imageSize->setToolTip(
        "Side of the square the images are resized and cropped to (the same field as on the "
        "Model page). Smaller trains much faster on a CPU.");
    connect(m_imageSize, &QSpinBox::valueChanged, this, [this](int pixels) {
        if (m_loading) return;
        m_firstRun = false;  // the user chose
        m_firstRunNote.clear();
        Q_EMIT imageSizeChosen(pixels);
    });
    m_estimateLabel = new QLabel(panel);
    m_estimateLabel->setObjectName("estimateLabel");
    m_estimateLabel->setWordWrap(true);
    m_estimateLabel->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    // Fixed room, so that a shorter or longer estimate never moves the form or the buttons;
    // four lines, as the first run's estimate with its advice takes.
    m_estimateLabel->setFixedHeight(4 * m_estimateLabel->fontMetrics().lineSpacing() + 4);
    m_estimateLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_batchSize = new QSpinBox(panel);
    m_batchSize->setObjectName("batchSizeSpin");
    m_batchSize->setRange(0, 4096);
    m_batchSize->setValue(32);
    // 0 is core::kAutoBatchSize: the largest power of two whose training step fits the GPU.
    m_batchSize->setSpecialValueText("auto");
    m_batchSize->setToolTip(
        "Images per batch; auto (below 1) tries powers of two on the GPU and takes the largest "
        "that fits");
    m_learningRate = new QDoubleSpinBox(panel);
    m_learningRate->setObjectName("learningRateSpin");
    m_learningRate->setDecimals(6);
    m_learningRate->setRange(1e-6, 10.0);
    m_learningRate->setSingleStep(1e-4);
    m_learningRate->setValue(1e-3);
    m_learningRate->setToolTip("Base learning rate (one-cycle: its maximum).");
    m_optimizer = makeCombo("optimizerCombo", {"adamw", "sgd"},
                            "AdamW (robust default) or SGD with momentum", panel);
    m_schedule = makeCombo("scheduleCombo", {"cosine", "onecycle", "step", "constant"},
                           "How the learning rate changes over the run", panel);
    m_augment = makeCombo("augmentCombo", {"light", "strong", "none"},
                          "Random crops, flips and colour changes of the training images", panel);
    m_earlyStop = new QSpinBox(panel);
    m_earlyStop->setObjectName("earlyStopSpin");
    m_earlyStop->setRange(0, 100);
    m_earlyStop->setSpecialValueText("off");
    m_earlyStop->setSuffix(" epochs");
    m_earlyStop->setToolTip(
        "Stop when the validation loss has not improved for this many epochs; the best "
        "weights are kept either way.");
    m_classWeights = new QCheckBox("weight classes by rarity", panel);
    m_classWeights->setObjectName("classWeightsCheck");
    m_classWeights->setToolTip("Weights the loss inversely to class counts (imbalanced data).");
}

void TrainPage::createDeviceFields(QWidget* panel) {
    m_device = makeCombo("deviceCombo", {"auto", "cpu", "cuda"},
                         "auto: CUDA when a GPU is available, else the CPU", panel);
    const core::TorchRuntimeInfo runtime = core::queryTorchRuntime();
    QStringList gpus;
    for (const auto& gpu : runtime.cudaDevices)
        gpus << QString::fromStdString(core::describeGpu(gpu));
    m_precision =
        makeCombo("precisionCombo", {"auto", "fp32", "bf16", "fp16"},
                  "auto: bf16 mixed precision where the hardware computes bf16 natively (CPUs with "
                  "AVX512-BF16 or AMX, GPUs of compute capability 8.0 or newer), fp32 elsewhere.\n"
                  "fp32: full precision everywhere. The run's log says what it used.",
                  panel);
    m_gpuList =
        new QLabel(gpus.isEmpty() ? "None: training runs on the CPU" : gpus.join("\n"), panel);
    m_gpuList->setObjectName("gpuList");
    m_gpuList->setWordWrap(true);
    if (!runtime.cudaAvailable) {
        m_device->setItemData(2, 0, Qt::UserRole - 1);  // disabled: no CUDA here
        m_device->setItemData(2, "No CUDA device on this machine", Qt::ToolTipRole);
    } else {
        m_device->setItemData(2, gpus.join("\n"), Qt::ToolTipRole);
    }
    if (!runtime.cudaAvailable) {
        m_precision->setItemData(3, 0, Qt::UserRole - 1);  // fp16 autocast exists only on CUDA
        m_precision->setItemData(3, "fp16 needs a CUDA device", Qt::ToolTipRole);
    }
}

QHBoxLayout* TrainPage::createRunButtons(QWidget* panel) {
    m_start = new QPushButton("Start", panel);
    m_start->setObjectName("startButton");
    m_start->setToolTip("Train the Model page's network on this project's labeled images");
    m_pause = new QPushButton("Pause", panel);
    m_pause->setObjectName("pauseButton");
    m_pause->setToolTip("Pause after the current batch; frozen blocks may be changed meanwhile");
    m_stop = new QPushButton("Stop", panel);
    m_stop->setObjectName("stopButton");
    m_stop->setToolTip("Stop after the current batch; a checkpoint is written");
    connect(m_start, &QPushButton::clicked, this, [this] {
        QString error;
        if (!startTraining(&error)) appendLog("Cannot start: " + error);
    });
    connect(m_pause, &QPushButton::clicked, this, &TrainPage::togglePause);
    connect(m_stop, &QPushButton::clicked, this, &TrainPage::stopTraining);
    m_clusterCommand = new QPushButton("Cluster…", panel);
    m_clusterCommand->setObjectName("clusterCommandButton");
    m_clusterCommand->setToolTip(
        "Cluster Command: the command that starts these settings on several processes or "
        "machines (torchrun)");
    connect(m_clusterCommand, &QPushButton::clicked, this, &TrainPage::openClusterCommand);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_start);
    buttons->addWidget(m_pause);
    buttons->addWidget(m_stop);
    buttons->addStretch(1);
    buttons->addWidget(m_clusterCommand);
    return buttons;
}

void TrainPage::saveSettingsOnChange() {
    // Every change is kept in the project at once.
    for (QSpinBox* spin : {m_epochs, m_batchSize, m_earlyStop}) {
        connect(spin, &QSpinBox::valueChanged, this, &TrainPage::saveSettings);
    }
    for (QDoubleSpinBox* spin : {m_learningRate, m_validationFraction}) {
        connect(spin, &QDoubleSpinBox::valueChanged, this, &TrainPage::saveSettings);
    }
    for (QComboBox* combo : {m_optimizer, m_schedule, m_augment, m_device, m_precision}) {
        connect(combo, &QComboBox::currentIndexChanged, this, &TrainPage::saveSettings);
    }
    connect(m_classWeights, &QCheckBox::toggled, this, &TrainPage::saveSettings);
}

void TrainPage::createLearningRateFinder(QWidget* panel) {
    m_lrFinder = new LearningRateFinderPanel(panel);
    m_lrFinder->setRequestProvider([this] { return request(); });
    connect(m_lrFinder, &LearningRateFinderPanel::learningRateChosen, this, [this](double rate) {
        m_learningRate->setValue(rate);
        appendLog(QString("Learning rate set to %1, the range test's suggestion.").arg(rate));
    });
    // One piece of training at a time: the test and a run would share the cores.
    connect(m_lrFinder, &LearningRateFinderPanel::runningChanged, this, [this] {
        updateButtons();
        if (!m_lrFinder->isRunning()) scheduleEstimate();
    });
}

void TrainPage::setSession(ProjectSession* session) {
    if (isTraining()) shutdown();
    m_follower->stop();
    m_lrFinder->clear();  // its curve was for the previous project
    // Nor are the last run's charts, log and progress this project's.
    m_runFolder.clear();
    m_charts->clear();
    m_watchSet->clearPredictions();
    m_log->clear();
    m_progress->setValue(0);
    m_progressLabel->setText({});
    m_lastPosition.clear();
    m_session = session;
    m_detectionProject = session && session->store().projectTask() == core::ProjectTask::Detection;
    showTaskForm();
    m_watchSet->setSession(session);
    loadSettings();
    setEnabled(session != nullptr);
    updateButtons();
    m_estimator->cancel();
    m_estimateLabel->clear();
    if (session) {
        // More labels, other classes: another estimate.
        connect(session, &ProjectSession::labelsChanged, this, &TrainPage::scheduleEstimate);
        connect(session, &ProjectSession::classesChanged, this, &TrainPage::scheduleEstimate);
        connect(session, &ProjectSession::imagesChanged, this, &TrainPage::scheduleEstimate);
    }
    onModelSelectionChanged();
}

void TrainPage::setModelSelectionProvider(std::function<ModelSelection()> provider) {
    m_modelSelection = std::move(provider);
}

void TrainPage::onModelSelectionChanged() {
    if (!m_modelSelection) return;
    const ModelSelection selection = m_modelSelection();
    {
        const QSignalBlocker block(m_imageSize);
        const ArchitectureEntry* entry = findArchitectureEntry(selection.architecture);
        m_imageSize->setWeightsSize(entry ? entry->inputSize : 0);
        m_imageSize->setValue(selection.imageSize);
    }
    scheduleEstimate();
    if (!m_worker->isPaused()) return;
    // Block names belong to one architecture; another's would end the run.
    if (selection.architecture != m_runArchitecture) return;
    const QStringList frozen = selection.frozenBlocks;
    m_worker->setFrozenBlocks(frozen);
    appendLog(QString("Frozen blocks from the next batch: %1")
                  .arg(frozen.isEmpty() ? "none" : frozen.join(", ")));
}

TrainingRequest TrainPage::request() const {
    TrainingRequest r;
    core::RunSettings& s = r.settings;
    if (m_session) s.data = m_session->folder().toStdString();
    if (m_modelSelection) r.model = m_modelSelection();
    applyModelSelection(s, r.model);
    s.training.epochs = m_epochs->value();
    s.batchSize = m_batchSize->value();
    s.training.learningRate = m_learningRate->value();
    // The combo boxes list exactly core's names.
    s.training.optimizer =
        core::parseOptimizerKind(m_optimizer->currentText().toStdString()).value();
    s.training.schedule.kind =
        core::parseScheduleKind(m_schedule->currentText().toStdString()).value();
    s.augment = core::parseAugmentationLevel(m_augment->currentText().toStdString()).value();
    s.training.earlyStopPatience = m_earlyStop->value();
    s.training.classWeightedLoss = m_classWeights->isChecked();
    s.training.device = core::parseDevicePreference(m_device->currentText().toStdString()).value();
    s.training.precision = core::parsePrecision(m_precision->currentText().toStdString()).value();
    s.validationFraction = m_validationFraction->value();
    return r;
}

void TrainPage::setSettings(const core::RunSettings& s) {
    m_epochs->setValue(static_cast<int>(s.training.epochs));
    m_batchSize->setValue(static_cast<int>(s.batchSize));
    m_learningRate->setValue(s.training.learningRate);
    m_optimizer->setCurrentText(core::optimizerKindName(s.training.optimizer));
    m_schedule->setCurrentText(core::scheduleKindName(s.training.schedule.kind));
    m_augment->setCurrentText(core::augmentationLevelName(s.augment));
    m_earlyStop->setValue(static_cast<int>(s.training.earlyStopPatience));
    m_classWeights->setChecked(s.training.classWeightedLoss);
    m_device->setCurrentText(core::devicePreferenceName(s.training.device));
    m_precision->setCurrentText(core::precisionName(s.training.precision));
    m_validationFraction->setValue(s.validationFraction);
}

void TrainPage::saveSettings() {
    if (m_loading || !m_session) return;
    // The user's own choice wins over what a first run would choose.
    if (!m_applyingFirstRun) {
        m_firstRun = false;
        m_firstRunNote.clear();
    }
    scheduleEstimate();
    m_session->check(
        m_session->store().setSetting(kSettingsKey, trainPageSettingsJson(request().settings)));
}

void TrainPage::noteUnfinishedRun(const core::RunListing& run) {
    // The window closed during it (or it was stopped): said where a new run would start, so
    // that the user resumes it rather than starting over by mistake.
    const QString text =
        QString("The last run, %1, ended after %2 of %3 epochs. Resume it on the Runs page.")
            .arg(QString::fromStdString(run.name))
            .arg(run.epochsDone)
            .arg(run.epochsPlanned);
    m_progressLabel->setText(text);
    appendLog(text);
}

void TrainPage::loadSettings() {
    m_loading = true;
    core::RunSettings settings = TrainingRequest::defaultSettings();
    m_firstRun = false;
    m_firstRunNote.clear();
    if (m_session) {
        auto stored = m_session->store().setting(kSettingsKey);
        const auto runs = core::listRuns(m_session->runsFolder().toStdString());
        if (!runs.empty() && runs.front().resumable()) noteUnfinishedRun(runs.front());
        // A project that already has runs (fovea-cli's, the demo's) is past its first one; with
        // nothing saved, the workbench goes on with its newest run's training settings.
        m_firstRun = stored && !stored.value() && runs.empty();
        if (stored && !stored.value()) {
            for (const auto& run : runs) {
                if (!run.config) continue;
                settings.training = run.config->settings.training;
                settings.augment = run.config->settings.augment;
                settings.batchSize = run.config->settings.batchSize;
                break;
            }
        }
        if (stored && stored.value()) {
            auto read = trainPageSettingsFromJson(*stored.value());
            if (read) {
                settings = read.value();
            } else {
                appendLog("The project's saved training settings were not used: " +
                          QString::fromStdString(read.error().message));
            }
        }
    }
    setSettings(settings);
    if (m_session && m_detectionProject) {
        m_detectionForm->setSettings(loadDetectionSettings(m_session->store()));
    }
    m_loading = false;
}

void TrainPage::showTaskForm() {
    if (m_purpose)
        m_purpose->setText(m_detectionProject ? kDetectionPurpose : kClassificationPurpose);
    // The watch set shows a classifier's guesses; a detector's boxes are the Predict page's.
    m_watchSet->setVisible(!m_detectionProject);
    m_classificationForm->setVisible(!m_detectionProject);
    m_detectionForm->setVisible(m_detectionProject);
    // The range test, the estimate and the cluster command drive classification runs only.
    m_lrFinder->setVisible(!m_detectionProject);
    m_estimateLabel->setVisible(!m_detectionProject);
    m_clusterCommand->setVisible(!m_detectionProject);
    m_charts->setDetection(m_detectionProject);
    m_start->setToolTip(m_detectionProject
                            ? "Train the Model page's detector on this project's boxes"
                            : "Train the Model page's network on this project's labeled images");
}

bool TrainPage::startDetectionTraining(QString* error) {
    if (!canStart(error)) return false;
    core::DetectionTrainingSettings settings =
        m_detectionForm->settings(loadDetectionSettings(m_session->store()));
    settings.project = m_session->folder().toStdString();
    const QString architecture = QString::fromStdString(settings.architecture);
    const QString runFolder = newRunFolder(architecture);
    m_follower->stop();
    if (!m_detectionWorker->start(settings, runFolder, false)) {
        if (error) *error = "A run is already going.";
        return false;
    }
    m_runFolder = runFolder;
    m_runEpochs = settings.epochs;
    m_runArchitecture = architecture;
    m_charts->clear();
    m_charts->setPlannedEpochs(m_runEpochs);
    m_log->clear();
    m_progress->setValue(0);
    m_lastPosition.clear();
    m_progressLabel->setText("Preparing: reading the boxes and building the detector…");
    appendLog(QString("Training %1 for %2 into %3")
                  .arg(architecture)
                  .arg(QString::fromStdString(core::countText(settings.epochs, "epoch")))
                  .arg(runFolder));
    updateButtons();
    Q_EMIT trainingStarted(runFolder);
    return true;
}

bool TrainPage::canStart(QString* error) const {
    QString reason;
    if (!m_session) {
        reason = "Open or create a project first.";
    } else if (isTraining()) {
        reason = "A run is already going.";
    } else if (m_lrFinder->isRunning()) {
        reason = "The learning-rate test is still running.";
    } else if (!m_detectionProject && offlineWeightsMissing(request().model)) {
        // Said before a run folder is made: the run would fail at once on the missing file.
        reason = QString("The offline default weights are not prepared yet: %1.")
                     .arg(kPrepareOfflineWeights);
    }
    if (error) *error = reason;
    return reason.isEmpty();
}

bool TrainPage::followRun(const QString& runFolder, QString* error) {
    if (isTraining()) {
        if (QDir::cleanPath(runFolder) == QDir::cleanPath(m_runFolder)) return true;  // shown
        if (error) *error = "this window is training a run; follow another once it ends.";
        return false;
    }
    m_runFolder.clear();
    m_charts->clear();
    m_log->clear();
    m_progress->setValue(0);
    m_progressLabel->setText("Following " + QFileInfo(runFolder).fileName() + "…");
    appendLog("Following " + runFolder + ", trained by another process or machine");
    // The form shows the followed run's settings (its config.json), as it does a resumed one's.
    if (const auto run = readFollowedRun(runFolder); run) {
        showRecordedSettings(run.value());
    }
    m_follower->follow(runFolder);
    return true;
}

bool TrainPage::isFollowing() const { return m_follower->isFollowing(); }

void TrainPage::showRunHistory(const FollowedRun& run) {
    m_charts->clear();
    m_charts->setPlannedEpochs(m_runEpochs);
    if (run.detection) {
        m_charts->setStepsPerEpoch(run.detection->stepsPerEpoch);
        m_charts->addDetectionHistory(run.detection->epochs, m_runEpochs);
    } else {
        // Where its epochs end on the step axis, as the writer counts steps (a distributed
        // run's ranks each count their shard's batches).
        if (run.listing.config) m_charts->setStepsPerEpoch(run.listing.config->epochSteps());
        m_charts->addBatchHistory(run.curves);
        for (const core::EpochReport& epoch : run.epochs) m_charts->addEpoch(epoch, m_runEpochs);
    }
    m_progress->setValue(
        static_cast<int>(1000 * run.listing.epochsDone / std::max<qint64>(1, m_runEpochs)));
}

void TrainPage::showRecordedSettings(const FollowedRun& run) {
    if (!run.detection) {
        if (run.listing.config) setSettings(run.listing.config->settings);
        return;
    }
    // Shown, not saved: the detector, weights and freezing in them are the Model page's, and
    // the project's own settings stay those of its next run.
    const bool loading = m_loading;
    m_loading = true;
    m_detectionForm->setSettings(run.detection->settings);
    m_loading = loading;
}

void TrainPage::onFollowedUpdate(const FollowedRun& run) {
    const core::RunListing& listing = run.listing;
    m_runEpochs = std::max<qint64>(1, listing.epochsPlanned);
    showRunHistory(run);
    const QString name = QString::fromStdString(listing.name);
    m_progressLabel->setText(listing.status == core::RunStatus::Running
                                 ? QString("Following %1: %2 of %3 epochs done (trained elsewhere)")
                                       .arg(name)
                                       .arg(listing.epochsDone)
                                       .arg(listing.epochsPlanned)
                                 : QString("%1 %2 after %3 of %4 epochs (followed)")
                                       .arg(name, QString(core::runStatusName(listing.status)))
                                       .arg(listing.epochsDone)
                                       .arg(listing.epochsPlanned));
}

bool TrainPage::launch(const TrainingRequest& r, QString* error) {
    // This window's own run takes the charts; the log says what became of the followed one.
    const QString followed = m_follower->isFollowing() ? m_follower->folder() : QString();
    m_follower->stop();
    m_estimator->cancel();  // the run needs the cores
    // An estimate cut short by the start would say "Estimating…" through the whole run.
    if (m_estimateLabel->text() == kEstimatingText) m_estimateLabel->clear();
    if (!m_worker->start(r)) {
        if (error) *error = "A run is already going.";
        return false;
    }
    m_runFolder = r.runFolder;
    m_runEpochs = r.settings.training.epochs;
    m_runArchitecture = r.model.architecture;
    m_charts->clear();
    m_charts->setPlannedEpochs(m_runEpochs);
    m_watchSet->clearPredictions();
    m_log->clear();
    if (!followed.isEmpty()) {
        appendLog("Stopped following " + followed + " (it trains on where it runs); " +
                  "this window trains a run of its own now.");
    }
    m_progress->setValue(0);
    m_lastPosition.clear();
    m_progressLabel->setText("Preparing: reading the data and building the network…");
    return true;
}

QString TrainPage::newRunFolder(const QString& architecture) const {
    const QString stamp = QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss");
    const QString name = stamp + "-" + architecture;
    const QDir runs(m_session->runsFolder());
    QString folder = runs.filePath(name);
    // A run that started and ended within the same second holds that name already.
    for (int n = 2; QFileInfo::exists(folder); ++n) {
        folder = runs.filePath(QString("%1-%2").arg(name).arg(n));
    }
    return folder;
}

void TrainPage::openClusterCommand() {
    if (!m_session) return;
    const TrainingRequest r = request();
    const QString runFolder = newRunFolder(r.model.architecture);
    // The settings as a file in the project, which every machine sees: exact, the Model page's
    // head and per-block learning rates included, which no fovea-cli flag expresses.
    const QDir cluster(QDir(m_session->folder()).filePath("cluster"));
    const QString settingsFile =
        cluster.filePath(QFileInfo(runFolder).fileName() + "-settings.json");
    // Written when the command is copied, not on opening: a look at the command leaves no file.
    const auto writeSettings = [settingsFile, cluster, settings = r.settings]() -> QString {
        if (!QDir().mkpath(cluster.path())) return "cannot create " + cluster.path();
        auto written = core::files::writeFileAtomically(settingsFile.toStdString(),
                                                        core::toJson(settings).dump(2) + "\n");
        return written ? QString() : QString::fromStdString(written.error().message);
    };
    ClusterCommandDialog dialog(settingsFile, runFolder, cluster.filePath("torchrun-logs"),
                                writeSettings, this);
    dialog.exec();
}

bool TrainPage::startTraining(QString* error) {
    if (m_detectionProject) return startDetectionTraining(error);
    if (!canStart(error)) return false;
    TrainingRequest r = request();
    r.runFolder = newRunFolder(r.model.architecture);
    r.watchFiles = m_watchSet->files();
    if (!launch(r, error)) return false;
    appendLog(QString("Training %1 for %2 into %3")
                  .arg(r.model.architecture)
                  .arg(QString::fromStdString(core::countText(r.settings.training.epochs, "epoch")))
                  .arg(r.runFolder));
    updateButtons();
    Q_EMIT trainingStarted(r.runFolder);
    return true;
}

bool TrainPage::resumeRun(const QString& runFolder, QString* error) {
    if (!canStart(error)) return false;
    if (core::isDetectionRun(runFolder.toStdString())) {
        // Read before core continues it: a resumed run rewrites metrics.csv as it starts.
        auto recorded = readFollowedRun(runFolder);
        if (!recorded || !recorded.value().detection) {
            if (error) {
                *error = recorded ? runFolder + " cannot be read as a detection run."
                                  : QString::fromStdString(recorded.error().message);
            }
            return false;
        }
        const FollowedRun& run = recorded.value();
        // Core continues it with the settings it recorded.
        if (!m_detectionWorker->start({}, runFolder, true)) {
            if (error) *error = "A run is already going.";
            return false;
        }
        m_follower->stop();
        m_runFolder = runFolder;
        m_runEpochs = std::max<qint64>(1, run.listing.epochsPlanned);
        m_runArchitecture = QString::fromStdString(run.detection->settings.architecture);
        m_log->clear();
        m_lastPosition.clear();
        showRecordedSettings(run);
        showRunHistory(run);
        m_progressLabel->setText(QString("Resuming %1 from epoch %2/%3…")
                                     .arg(QString::fromStdString(run.listing.name))
                                     .arg(run.listing.epochsDone + 1)
                                     .arg(m_runEpochs));
        appendLog(
            QString("Resuming %1 (%2) from its checkpoint after %3, with its own settings")
                .arg(runFolder, m_runArchitecture)
                .arg(QString::fromStdString(core::countText(run.listing.epochsDone, "epoch"))));
        updateButtons();
        Q_EMIT trainingStarted(runFolder);
        return true;
    }
    auto listing = core::readRunListing(runFolder.toStdString());
    if (!listing || !listing.value().resumable()) {
        if (error) {
            *error = listing
                         ? QString("%1 cannot be resumed: it is %2%3.")
                               .arg(runFolder)
                               .arg(core::runStatusName(listing.value().status))
                               .arg(listing.value().hasCheckpoint ? "" : " and has no checkpoint")
                         : QString::fromStdString(listing.error().message);
        }
        return false;
    }
    const core::RunListing& run = listing.value();
    TrainingRequest r;
    r.settings = run.config->settings;  // what the run recorded; core reads them again
    r.model = selectionFromRun(*run.config);
    r.runFolder = runFolder;
    r.resume = true;
    r.watchFiles = m_watchSet->files();
    if (!launch(r, error)) return false;
    setSettings(r.settings);  // the form shows what the resumed run trains with
    FollowedRun history;
    history.listing = run;
    history.curves = core::readTensorBoardScalars(run.folder);
    history.epochs = core::readRunMetrics(run.folder);
    showRunHistory(history);
    m_progressLabel->setText(QString("Resuming %1 from epoch %2/%3…")
                                 .arg(QString::fromStdString(run.name))
                                 .arg(run.epochsDone + 1)
                                 .arg(m_runEpochs));
    appendLog(QString("Resuming %1 (%2) from its checkpoint after %3, with its own settings")
                  .arg(runFolder)
                  .arg(r.model.architecture)
                  .arg(QString::fromStdString(core::countText(run.epochsDone, "epoch"))));
    updateButtons();
    Q_EMIT trainingStarted(runFolder);
    return true;
}

void TrainPage::togglePause() {
    if (!isTraining()) return;
    if (m_detectionWorker->isRunning()) {
        if (m_detectionWorker->isPaused()) {
            m_detectionWorker->resume();
            appendLog("Resumed.");
            m_progressLabel->setText("Resuming…");
        } else {
            m_detectionWorker->pause();
            appendLog("Pausing after this batch.");
            m_progressLabel->setText(pausedText());
        }
    } else if (m_worker->isPaused()) {
        m_worker->resume();
        appendLog("Resumed.");
        m_progressLabel->setText("Resuming…");
    } else {
        m_worker->pause();
        appendLog("Pausing after this batch. The Model page's frozen blocks may be changed now.");
        m_progressLabel->setText(pausedText());
    }
    updateButtons();
    Q_EMIT pausedChanged(isPaused());
}

void TrainPage::stopTraining() {
    if (!isTraining()) return;
    m_worker->stop();
    m_detectionWorker->stop();
    m_progressLabel->setText("Stopping after this batch; writing a checkpoint…");
    updateButtons();
}

void TrainPage::shutdown() {
    if (m_detectionWorker->isRunning()) {
        // Waits for the checkpoint, as below.
        delete m_detectionWorker;
        m_detectionWorker = new DetectionTrainingWorker(this);
        connectDetectionWorker();
    }
    if (!m_worker->isRunning()) return;
    m_worker->stop();
    // Waits for the checkpoint: the worker's destructor joins the thread.
    delete m_worker;
    m_worker = new TrainingWorker(this);
    connectWorker();
}

void TrainPage::connectDetectionWorker() {
    connect(m_detectionWorker, &DetectionTrainingWorker::started, this, &TrainPage::onStarted);
    connect(m_detectionWorker, &DetectionTrainingWorker::batchReported, this, &TrainPage::onBatch);
    connect(m_detectionWorker, &DetectionTrainingWorker::epochReported, this,
            [this](const core::DetectionEpochReport& report) {
                // Its log line comes through logLine, as core writes it to log.txt.
                m_charts->addDetectionEpoch(report, m_runEpochs);
            });
    connect(m_detectionWorker, &DetectionTrainingWorker::logLine, this,
            [this](const QString& line) { appendLog(line); });
    connect(m_detectionWorker, &DetectionTrainingWorker::projectChanged, this,
            &TrainPage::projectChanged);
    connect(m_detectionWorker, &DetectionTrainingWorker::finished, this, &TrainPage::onFinished);
}

void TrainPage::connectWorker() {
    connect(m_worker, &TrainingWorker::started, this, &TrainPage::onStarted);
    connect(m_worker, &TrainingWorker::batchReported, this, &TrainPage::onBatch);
    connect(m_worker, &TrainingWorker::epochReported, this, &TrainPage::onEpoch);
    connect(m_worker, &TrainingWorker::watchPredicted, m_watchSet, &WatchSetView::addPredictions);
    connect(m_worker, &TrainingWorker::logLine, this,
            [this](const QString& line) { appendLog(line); });
    connect(m_worker, &TrainingWorker::projectChanged, this, &TrainPage::projectChanged);
    connect(m_worker, &TrainingWorker::finished, this, &TrainPage::onFinished);
}

bool TrainPage::isTraining() const {
    return m_worker->isRunning() || m_detectionWorker->isRunning();
}

bool TrainPage::isPaused() const { return m_worker->isPaused() || m_detectionWorker->isPaused(); }

void TrainPage::updateButtons() {
    const bool training = isTraining();
    const bool testing = m_lrFinder->isRunning();
    m_start->setEnabled(!training && !testing && m_session);
    m_lrFinder->setEnabled(!training && m_session);
    m_pause->setEnabled(training);
    // A run trains with the settings it started with: the form is the next run's, and editing
    // it mid-run looked as if it changed this one.
    for (QWidget* field : std::initializer_list<QWidget*>{
             m_epochs, m_imageSize, m_batchSize, m_learningRate, m_optimizer, m_schedule, m_augment,
             m_earlyStop, m_classWeights, m_validationFraction, m_device, m_precision}) {
        field->setEnabled(!training);
    }
    m_detectionForm->setEnabled(!training);
    m_pause->setText(training && isPaused() ? "Resume" : "Pause");
    m_stop->setEnabled(training);
}

void TrainPage::onStarted(const QString& runFolder, const QStringList& classes, qint64 trainImages,
                          qint64 validationImages) {
    m_runFolder = runFolder;
    appendLog(QString("%1 classes (%2); %3 training and %4 validation images.")
                  .arg(classes.size())
                  .arg(classes.join(", "))
                  .arg(trainImages)
                  .arg(validationImages));
}

void TrainPage::onBatch(const core::BatchProgress& p) {
    m_charts->addBatch(p);
    const qint64 epochs = std::max<qint64>(1, m_runEpochs);
    const double done =
        (double(p.epoch) + double(p.batch + 1) / std::max<qint64>(1, p.batchesInEpoch)) / epochs;
    m_progress->setValue(static_cast<int>(1000 * std::min(1.0, done)));
    m_lastPosition = QString("epoch %1/%2 · batch %3/%4 · loss %5")
                         .arg(p.epoch + 1)
                         .arg(epochs)
                         .arg(p.batch + 1)
                         .arg(p.batchesInEpoch)
                         .arg(p.loss, 0, 'f', 4);
    // The batch in flight when Pause was pressed still arrives: it must not read as running.
    if (isPaused()) {
        m_progressLabel->setText(pausedText());
        return;
    }
    m_progressLabel->setText(QString("%1 · %2 img/s · %3 left")
                                 .arg(m_lastPosition.left(1).toUpper() + m_lastPosition.mid(1))
                                 .arg(p.imagesPerSecond, 0, 'f', 1)
                                 .arg(durationText(p.etaSeconds)));
}

QString TrainPage::pausedText() const {
    return m_lastPosition.isEmpty()
               ? QString("Paused (press Resume to go on)")
               : QString("Paused at %1 (press Resume to go on)").arg(m_lastPosition);
}

void TrainPage::onEpoch(const core::EpochReport& report) {
    m_charts->addEpoch(report, m_runEpochs);
    appendLog(QString::fromStdString(core::epochLogMessage(report)));
}

void TrainPage::onFinished(const TrainingOutcomeInfo& outcome) {
    QString text;
    if (outcome.outcome.isEmpty()) {
        text = "Training failed: " + inGuiWords(outcome.message);
    } else if (outcome.outcome == "stopped") {
        // One short line for the status (the outcome's own words said "stopped" twice and cut
        // the way on at the default window size).
        QString where = inGuiWords(outcome.message);
        if (!where.isEmpty()) where[0] = where[0].toUpper();
        text = (where.isEmpty() ? QString("Stopped") : where);
        if (outcome.validationAccuracy >= 0) {
            text += QString(", validation accuracy %1%")
                        .arg(100 * outcome.validationAccuracy, 0, 'f', 1);
        }
        text += ". Resume it on the Runs page.";
    } else {
        text = QString("Training %1 after %2.")
                   .arg(QString(outcome.outcome).replace('_', ' '))
                   .arg(QString::fromStdString(core::countText(outcome.epochsCompleted, "epoch")));
        if (outcome.validationAccuracy >= 0) {
            text += QString(" Validation accuracy %1%.")
                        .arg(100 * outcome.validationAccuracy, 0, 'f', 1);
        }
        if (!outcome.message.isEmpty()) {
            QString message = inGuiWords(outcome.message);
            message[0] = message[0].toUpper();
            text += " " + message + (message.endsWith('.') ? "" : ".");
        }
    }
    m_progressLabel->setText(text);
    appendLog(text);
    if (!outcome.model.isEmpty()) appendLog("Model: " + outcome.model);
    updateButtons();
    scheduleEstimate();
    Q_EMIT trainingFinished(outcome);
}

void TrainPage::scheduleEstimate() {
    // The estimate measures classification steps: a detector's would be another figure.
    if (!m_session || m_detectionProject || isTraining() || m_lrFinder->isRunning()) return;
    core::ImageFilter labeled;
    labeled.labeled = core::Require::Yes;
    labeled.excluded = core::Require::No;
    const auto images = m_session->store().imageCount(labeled);
    const auto classes = m_session->store().classes();
    if (!images || !classes || images.value() == 0) {
        m_estimateLabel->setText("Label some images to see how long a run takes.");
        return;
    }
    const TrainingRequest r = request();
    const auto validation =
        static_cast<qint64>(static_cast<double>(images.value()) * r.settings.validationFraction);
    core::RunSettings measured = r.settings;
    measured.training.epochs = 1;
    const QString key =
        QString::fromStdString(core::toJson(measured).dump()) +
        QString(" %1 %2 %3").arg(classes.value().size()).arg(images.value()).arg(validation);
    if (m_lastEstimate && key == m_lastEstimateKey) {
        m_estimator->cancel();  // a change and its undoing: the measurement stands
        showEstimate(*m_lastEstimate);
        return;
    }
    m_pendingEstimateKey = key;
    // Images spread over the project, for the time reading them takes.
    constexpr std::size_t kSamples = 16;
    std::vector<std::filesystem::path> samples;
    core::ImageFilter sample = labeled;
    sample.missing = core::Require::No;
    sample.hasError = core::Require::No;
    sample.limit = 1;
    const auto count = static_cast<std::size_t>(images.value());
    for (std::size_t k = 0; k < std::min(kSamples, count); ++k) {
        sample.offset = k * count / std::min(kSamples, count);
        const auto found = m_session->store().images(sample);
        if (found && !found.value().empty()) samples.push_back(found.value().front().path);
    }
    m_estimator->request(r.settings, static_cast<qint64>(classes.value().size()),
                         images.value() - validation, validation, samples);
    if (m_estimateLabel->text().isEmpty()) m_estimateLabel->setText(kEstimatingText);
}

void TrainPage::onEstimated(const core::RunTimeEstimate& estimate) {
    if (m_firstRun) {
        m_firstRun = false;
        const FirstRunChoice choice = chooseFirstRun(estimate, m_epochs->value(), dataImageSide());
        if (choice.changed) {
            m_applyingFirstRun = true;
            m_epochs->setValue(static_cast<int>(choice.epochs));
            if (choice.imageSize != estimate.imageSize) Q_EMIT imageSizeChosen(choice.imageSize);
            m_applyingFirstRun = false;
            m_firstRunNote = choice.note;
            appendLog(choice.note);
            return;  // the changes asked for a new estimate
        }
    }
    m_lastEstimate = estimate;
    m_lastEstimateKey = m_pendingEstimateKey;
    showEstimate(estimate);
}

void TrainPage::showEstimate(const core::RunTimeEstimate& estimate) {
    const qint64 epochs = m_epochs->value();
    if (!m_firstRunNote.isEmpty()) {
        // The note says how the first run was chosen; the summary suffices beside it.
        m_estimateLabel->setText(estimateSummary(estimate, epochs) + ". " + m_firstRunNote);
        return;
    }
    m_estimateLabel->setText(estimateSentence(estimate, epochs));
    m_estimateLabel->setToolTip(
        "Measured with a few training steps of this network on random images, on this "
        "machine as busy as it is now; reading and decoding the images is left out. With frozen "
        "leading blocks their features are cached, so the epochs after the first (the first "
        "four with augmentation, one per augmentation variant) cost less.");
}

int TrainPage::dataImageSide() const {
    if (!m_session) return 0;
    const auto images = m_session->store().images();
    if (!images) return 0;
    std::vector<int> sides;
    for (const core::ImageRecord& image : images.value()) {
        if (image.width > 0 && image.height > 0)
            sides.push_back(std::min(image.width, image.height));
    }
    if (sides.empty()) return 0;
    std::nth_element(sides.begin(), sides.begin() + sides.size() / 2, sides.end());
    return sides[sides.size() / 2];
}

QString TrainPage::estimateText() const { return m_estimateLabel->text(); }

bool TrainPage::isEstimating() const { return m_estimator->isBusy(); }

void TrainPage::appendLog(const QString& line, const QTime& at) {
    m_log->appendPlainText((at.isValid() ? at : QTime::currentTime()).toString("HH:mm:ss") + "  " +
                           inGuiWords(line));
}

}  // namespace fovea::ui
