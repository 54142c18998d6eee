#include "model/model_page.h"

#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "gui_wording.h"
#include "model/detection_model_panel.h"
#include "model/freeze_map.h"
#include "model/weights_panel.h"
#include "page_header.h"
#include "project/project_session.h"
#include "widgets/background_job.h"
#include "widgets/input_size_spin_box.h"

namespace fovea::ui {
namespace {

enum ArchitectureColumn { kName, kFamily, kInput, kParameters, kFlops, kWeights, kColumnCount };
constexpr int kSortRole = Qt::UserRole + 1;
// Until the project has classes, counts assume a two-class head (the smallest useful one).
constexpr qint64 kPlaceholderClasses = 2;
constexpr int kBuildDelayMs = 150;
constexpr int kSmallestInput = 32;
constexpr int kSmallestInceptionInput = 75;  // its stem's valid convolutions need that much

// Sorts by the number behind the text ("11.7 M" by its parameter count).
class SortableItem : public QTableWidgetItem {
  public:
    SortableItem(const QString& text, const QVariant& sortKey) : QTableWidgetItem(text) {
        setData(kSortRole, sortKey);
        setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    }
    bool operator<(const QTableWidgetItem& other) const override {
        const QVariant mine = data(kSortRole);
        const QVariant theirs = other.data(kSortRole);
        if (mine.typeId() == QMetaType::QString) return mine.toString() < theirs.toString();
        return mine.toDouble() < theirs.toDouble();
    }
};

QString millions(qint64 count) {
    return QLocale().toString(static_cast<double>(count) / 1e6, 'f', 1) + " M";
}

// The page's purpose line, for the project's task.
constexpr const char* kClassificationPurpose =
    "Choose the network, where its weights start from, and which of its blocks keep their "
    "pretrained values while the rest learns your classes. Changes are saved at once.";
constexpr const char* kDetectionPurpose =
    "Choose the detector, where its backbone's weights start from, and which of its parts keep "
    "their values while the rest learns to find your classes' objects. Changes are saved at "
    "once.";

int smallestInput(const QString& architecture) {
    return architecture.startsWith("inception") ? kSmallestInceptionInput : kSmallestInput;
}

}  // namespace

ModelPage::ModelPage(QWidget* parent) : QWidget(parent) {
    setObjectName("modelPage");
    auto* layout = new QVBoxLayout(this);
    QWidget* header =
        makePageHeader("Model", kClassificationPurpose, this, buildTrainingLockNote());
    // The purpose line says the project's task (setSession): found by the text it was made with.
    for (QLabel* label : header->findChildren<QLabel*>()) {
        if (label->text() == kClassificationPurpose) m_purpose = label;
    }
    layout->addWidget(header);
    m_noProjectLabel =
        new QLabel("Open or create a project (File menu) to choose its network.", this);
    m_noProjectLabel->setObjectName("noProjectLabel");
    layout->addWidget(m_noProjectLabel);

    m_body = new QWidget(this);
    auto* bodyLayout = new QVBoxLayout(m_body);
    bodyLayout->setContentsMargins(0, 0, 0, 0);
    auto* splitter = new QSplitter(Qt::Horizontal, m_body);
    splitter->setChildrenCollapsible(false);

    auto* left = new QWidget(splitter);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    auto* architectureBox = new QGroupBox("&Architecture", left);
    auto* architectureLayout = new QVBoxLayout(architectureBox);
    buildArchitectureTable();
    m_architectureTable->setParent(architectureBox);
    architectureLayout->addWidget(m_architectureTable);
    leftLayout->addWidget(architectureBox, 1);

    auto* weightsBox = new QGroupBox("&Weights", left);
    weightsBox->setToolTip(
        "Where training starts from. Pretrained weights carry features learnt on ImageNet, "
        "which is what makes a few hundred images per class enough.");
    auto* weightsLayout = new QVBoxLayout(weightsBox);
    m_weightsPanel = new WeightsPanel(weightsBox);
    weightsLayout->addWidget(m_weightsPanel);
    leftLayout->addWidget(weightsBox);
    leftLayout->addWidget(buildHeadOptions());

    auto* freezeBox = new QGroupBox("Freeze &map", splitter);
    auto* freezeLayout = new QVBoxLayout(freezeBox);
    m_freezeMap = new FreezeMap(freezeBox);
    freezeLayout->addWidget(m_freezeMap);

    splitter->addWidget(left);
    splitter->addWidget(freezeBox);
    // The architecture table's columns all fit beside a freeze map that needs less width.
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({2000, 1000});  // scaled to the width there is, 2:1
    bodyLayout->addWidget(splitter, 1);
    layout->addWidget(m_body, 1);
    // A detection project's page (issue 24): the detector and its parts instead of the zoo.
    m_detectionPanel = new DetectionModelPanel(this);
    m_detectionPanel->hide();
    layout->addWidget(m_detectionPanel, 1);
    connect(m_detectionPanel, &DetectionModelPanel::changed, this, &ModelPage::selectionChanged);

    m_errorLabel = new QLabel(this);
    m_errorLabel->setObjectName("errorLabel");
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QPalette errorPalette = m_errorLabel->palette();
    errorPalette.setColor(QPalette::WindowText, QColor(0xc0, 0x39, 0x2b));
    m_errorLabel->setPalette(errorPalette);
    m_errorLabel->hide();
    layout->addWidget(m_errorLabel);

    m_lockedWhileTraining = {m_architectureTable, m_weightsPanel, m_dropoutSpin, m_hiddenUnitsSpin,
                             m_imageSizeSpin};

    m_buildJob = new BackgroundJob(this);
    m_buildTimer = new QTimer(this);
    m_buildTimer->setSingleShot(true);
    m_buildTimer->setInterval(kBuildDelayMs);
    connect(m_buildTimer, &QTimer::timeout, this, &ModelPage::startBuild);
    connect(m_buildJob, &BackgroundJob::finished, this, &ModelPage::onBuildFinished);
    connect(m_architectureTable, &QTableWidget::itemSelectionChanged, this,
            &ModelPage::onArchitectureRowChanged);
    connect(m_weightsPanel, &WeightsPanel::weightsChanged, this, &ModelPage::onWeightsChanged);
    connect(m_freezeMap, &FreezeMap::changed, this, &ModelPage::onFreezeMapChanged);

    setSession(nullptr);
}

ModelPage::~ModelPage() {
    // QWidget deletes the children after this destructor, and they may still signal then (an
    // open multiplier editor commits when the closing window takes its focus): nothing of this
    // page may run by that time.
    if (m_session) disconnect(m_session, nullptr, this, nullptr);
    for (QObject* child : findChildren<QObject*>()) disconnect(child, nullptr, this, nullptr);
    m_buildJob->cancel();
}

void ModelPage::buildArchitectureTable() {
    m_architectureTable = new QTableWidget(0, kColumnCount, this);
    m_architectureTable->setObjectName("architectureTable");
    // "Trained at", not "Input": beside the input size below (the project's, often smaller)
    // a column called Input read as a contradiction.
    const QStringList headers{"Architecture", "Family", "Trained at",
                              "Parameters",   "GFLOPs", "Weights"};
    const QStringList headerTips{
        "The network's name in torchvision (its weights load unchanged).",
        "Architectures of one family share their design and their freeze map's shape.",
        "Input side in pixels the published weights were trained at. The project trains at "
        "its own input size (Head and input, below).",
        "Learnable parameters with a 1000-class head; more parameters need more images to "
        "fine-tune fully.",
        "Billions of multiply-accumulates for one image at the size it was trained at (the figure "
        "torchvision lists as GFLOPS): a measure of speed on the CPU.",
        "Pretrained weights. Offline: converted at set-up, no internet needed. ImageNet: "
        "torchvision's weights, downloaded once (best published top-1 accuracy shown)."};
    for (int column = 0; column < kColumnCount; ++column) {
        auto* header = new QTableWidgetItem(headers[column]);
        header->setToolTip(headerTips[column]);
        m_architectureTable->setHorizontalHeaderItem(column, header);
    }
    const auto& entries = architectureEntries();
    m_architectureTable->setRowCount(static_cast<int>(entries.size()));
    for (int row = 0; row < entries.size(); ++row) {
        const ArchitectureEntry& entry = entries[row];
        QString weights = "None";
        if (entry.hasOfflineWeights) {
            weights = "Offline";
        } else if (entry.downloadableSources > 0) {
            weights =
                QString("ImageNet %1%").arg(QLocale().toString(entry.bestImagenetTop1, 'f', 1));
        }
        const QString tip = QString("%1\n%2 parameters, %3 multiply-accumulates per %4 px image")
                                .arg(entry.paper, QLocale().toString(entry.parameters),
                                     QLocale().toString(entry.multiplyAccumulates))
                                .arg(entry.inputSize);
        const QList<QTableWidgetItem*> items{
            new SortableItem(entry.name, entry.name),
            new SortableItem(entry.family, entry.family),
            new SortableItem(QString("%1 px").arg(entry.inputSize), entry.inputSize),
            new SortableItem(millions(entry.parameters), entry.parameters),
            new SortableItem(
                QLocale().toString(static_cast<double>(entry.multiplyAccumulates) / 1e9, 'f', 2),
                entry.multiplyAccumulates),
            new SortableItem(weights, entry.hasOfflineWeights ? 1000.0 : entry.bestImagenetTop1),
        };
        for (int column = 0; column < kColumnCount; ++column) {
            QTableWidgetItem* item = items[column];
            item->setToolTip(tip);
            if (column == kInput || column == kParameters || column == kFlops) {
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            }
            m_architectureTable->setItem(row, column, item);
        }
    }
    m_architectureTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_architectureTable->setSelectionMode(QAbstractItemView::SingleSelection);
    m_architectureTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_architectureTable->setTabKeyNavigation(false);  // Tab leaves the table, arrows move in it
    // No sort indicator: the zoo's own order (families together, small to large) reads best
    // until someone clicks a header.
    m_architectureTable->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder);
    m_architectureTable->setSortingEnabled(true);
    m_architectureTable->verticalHeader()->hide();
    m_architectureTable->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_architectureTable->horizontalHeader()->setStretchLastSection(true);
    m_architectureTable->setAlternatingRowColors(true);
    m_architectureTable->setWordWrap(false);  // one line per network, never half a word
}

QWidget* ModelPage::buildHeadOptions() {
    auto* box = new QGroupBox("Head and input", this);
    box->setToolTip("The new classifier that replaces the network's ImageNet one.");
    auto* form = new QFormLayout(box);

    m_dropoutSpin = new QDoubleSpinBox(box);
    m_dropoutSpin->setObjectName("dropoutSpin");
    m_dropoutSpin->setRange(0.0, 0.9);
    m_dropoutSpin->setSingleStep(0.05);
    m_dropoutSpin->setDecimals(2);
    m_dropoutSpin->setSpecialValueText("None");
    m_dropoutSpin->setKeyboardTracking(false);
    m_dropoutSpin->setToolTip(
        "Probability of zeroing each feature before the classifier while training (Srivastava "
        "et al. 2014). 0.2-0.5 helps against overfitting on small data sets.");

    m_hiddenUnitsSpin = new QSpinBox(box);
    m_hiddenUnitsSpin->setObjectName("hiddenUnitsSpin");
    m_hiddenUnitsSpin->setRange(0, 4096);
    m_hiddenUnitsSpin->setSingleStep(64);
    m_hiddenUnitsSpin->setSpecialValueText("None (one linear layer)");
    m_hiddenUnitsSpin->setKeyboardTracking(false);
    m_hiddenUnitsSpin->setToolTip(
        "Units of an extra hidden layer (Linear, ReLU) in the head. None is usually best: the "
        "pretrained features are already separable; a hidden layer helps when they are frozen "
        "and the classes differ from ImageNet's.");

    m_imageSizeSpin = new InputSizeSpinBox(box);
    m_imageSizeSpin->setObjectName("imageSizeSpin");
    m_imageSizeSpin->setToolTip(
        "Side of the square the images are resized and cropped to. Smaller trains much faster "
        "on a CPU (96 px is plenty for small objects); the weights' own size is most accurate.");

    auto* dropoutLabel = new QLabel("&Dropout:", box);
    dropoutLabel->setBuddy(m_dropoutSpin);
    auto* hiddenLabel = new QLabel("Hidden &units:", box);
    hiddenLabel->setBuddy(m_hiddenUnitsSpin);
    auto* sizeLabel = new QLabel("Input si&ze:", box);
    sizeLabel->setBuddy(m_imageSizeSpin);
    form->addRow(dropoutLabel, m_dropoutSpin);
    form->addRow(hiddenLabel, m_hiddenUnitsSpin);
    form->addRow(sizeLabel, m_imageSizeSpin);

    m_headNoteLabel = new QLabel(box);
    m_headNoteLabel->setObjectName("headNoteLabel");
    m_headNoteLabel->setWordWrap(true);
    m_headNoteLabel->setForegroundRole(QPalette::PlaceholderText);
    form->addRow(m_headNoteLabel);

    connect(m_dropoutSpin, &QDoubleSpinBox::valueChanged, this, &ModelPage::onHeadOptionsChanged);
    connect(m_hiddenUnitsSpin, &QSpinBox::valueChanged, this, &ModelPage::onHeadOptionsChanged);
    connect(m_imageSizeSpin, &QSpinBox::valueChanged, this, &ModelPage::onHeadOptionsChanged);
    return box;
}

void ModelPage::setSession(ProjectSession* session) {
    if (m_session) disconnect(m_session, nullptr, this, nullptr);
    m_session = session;
    m_errorLabel->hide();
    m_applyRecommendation = false;
    m_hasShownNetwork = false;
    m_buildTimer->stop();
    if (!session) {
        m_selection = defaultModelSelection();
        showSelection();
        m_freezeMap->clearNetwork("No project is open.");
        m_body->setEnabled(false);
        m_body->show();
        m_detectionPanel->hide();
        m_detectionPanel->setSession(nullptr);
        if (m_purpose) m_purpose->setText(kClassificationPurpose);
        m_noProjectLabel->show();
        return;
    }
    const bool detection = session->store().projectTask() == core::ProjectTask::Detection;
    if (m_purpose) m_purpose->setText(detection ? kDetectionPurpose : kClassificationPurpose);
    m_body->setVisible(!detection);
    m_detectionPanel->setVisible(detection);
    m_noProjectLabel->hide();
    if (detection) {
        m_detectionPanel->setSession(session);
        return;
    }
    m_detectionPanel->setSession(nullptr);
    connect(session, &ProjectSession::classesChanged, this, [this] {
        updateHeadNote();
        requestNetwork();
    });
    m_selection = loadModelSelection(session->store());
    if (!findArchitectureEntry(m_selection.architecture)) {
        showError(QString("The project's model names an unknown architecture '%1'; showing the "
                          "default instead.")
                      .arg(m_selection.architecture));
        m_selection = defaultModelSelection();
    }
    showSelection();
    m_noProjectLabel->hide();
    m_body->setEnabled(true);
    m_freezeMap->clearNetwork(QString("Building %1...").arg(m_selection.architecture));
    startBuild();
}

void ModelPage::showSelection() {
    const QSignalBlocker blockTable(m_architectureTable);
    const QSignalBlocker blockDropout(m_dropoutSpin);
    const QSignalBlocker blockHidden(m_hiddenUnitsSpin);
    const QSignalBlocker blockSize(m_imageSizeSpin);
    selectArchitectureRow(m_selection.architecture);
    m_weightsPanel->setChoice(m_selection.architecture, m_selection.weights);
    m_dropoutSpin->setValue(m_selection.dropout);
    m_hiddenUnitsSpin->setValue(m_selection.hiddenUnits);
    updateImageSizeRange();
    m_imageSizeSpin->setValue(m_selection.imageSize);
    m_freezeMap->setFrozenBlocks(m_selection.frozenBlocks);
    m_freezeMap->setLearningRateMultipliers(m_selection.learningRateMultipliers);
    updateHeadNote();
}

void ModelPage::selectArchitectureRow(const QString& architecture) {
    for (int row = 0; row < m_architectureTable->rowCount(); ++row) {
        if (m_architectureTable->item(row, kName)->text() == architecture) {
            m_architectureTable->setCurrentCell(row, kName);
            m_architectureTable->selectRow(row);
            m_architectureTable->scrollToItem(m_architectureTable->item(row, kName));
            return;
        }
    }
}

void ModelPage::setArchitecture(const QString& architecture) {
    if (m_trainingLocked || !findArchitectureEntry(architecture)) return;
    selectArchitectureRow(architecture);  // onArchitectureRowChanged() does the rest
}

void ModelPage::setWeights(const QString& weights) {
    if (!m_trainingLocked) m_weightsPanel->chooseWeights(weights);
}

void ModelPage::setImageSize(int pixels) {
    if (!m_trainingLocked) m_imageSizeSpin->setValue(pixels);  // onHeadOptionsChanged() saves
}

void ModelPage::applySelection(const ModelSelection& selection) {
    if (m_trainingLocked || !m_session || !findArchitectureEntry(selection.architecture)) return;
    m_selection = selection;
    m_applyRecommendation = false;  // the selection's own freezing
    m_errorLabel->hide();
    showSelection();
    commit();
    requestNetwork();
}

QLabel* ModelPage::buildTrainingLockNote() {
    const QString note =
        "A run is training: its architecture, weights, head and input size stay as they are "
        "until it ends. Frozen blocks can be changed while it is paused.";
    m_lockedLabel = new QLabel(note, this);
    m_lockedLabel->setObjectName("trainingLockedLabel");
    m_lockedLabel->setToolTip(note);
    m_lockedLabel->setStyleSheet(
        "QLabel#trainingLockedLabel { background: #fff4d6; border: 1px solid #e0c070; "
        "border-radius: 3px; padding: 2px 6px; }");
    // One line beside the page title, never widening the window: a narrow window cuts it and
    // the tooltip has it whole.
    m_lockedLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
    m_lockedLabel->hide();
    return m_lockedLabel;
}

void ModelPage::setTrainingLocked(bool locked) {
    m_trainingLocked = locked;
    m_trainingPaused = false;
    for (QWidget* widget : m_lockedWhileTraining) widget->setEnabled(!locked);
    m_freezeMap->setEnabled(!locked);
    m_detectionPanel->setLocked(locked);
    m_lockedLabel->setVisible(locked);
}

void ModelPage::setTrainingPaused(bool paused) {
    if (!m_trainingLocked) return;
    m_trainingPaused = paused;
    m_freezeMap->setEnabled(paused);
}

void ModelPage::onArchitectureRowChanged() {
    const auto selected = m_architectureTable->selectedItems();
    if (selected.isEmpty() || !m_session) return;
    const QString architecture = m_architectureTable->item(selected.first()->row(), kName)->text();
    if (architecture == m_selection.architecture) return;
    m_selection.architecture = architecture;
    // Files and URLs hold weights for the previous architecture; keep only the generic choices.
    const QString weights = m_selection.weights == "none" ? QString("none") : QString("default");
    bool hasDefault = false;
    for (const auto& option : weightOptionsFor(architecture)) hasDefault |= option.value == weights;
    m_selection.weights = hasDefault ? weights : QString("none");
    // Block names and their meaning differ between architectures: start from the recommended
    // freezing of the new network once it is built.
    m_selection.frozenBlocks.clear();
    m_selection.learningRateMultipliers.clear();
    m_applyRecommendation = true;
    m_weightsPanel->setChoice(architecture, m_selection.weights);
    {
        const QSignalBlocker blockSize(m_imageSizeSpin);
        updateImageSizeRange();
        m_selection.imageSize = m_imageSizeSpin->value();
    }
    m_freezeMap->setFrozenBlocks({});
    m_freezeMap->setLearningRateMultipliers({});
    m_errorLabel->hide();
    commit();
    requestNetwork();
}

void ModelPage::onWeightsChanged(const QString& weights) {
    if (!m_session || weights.isEmpty()) return;
    // Freezing that was the old weights' recommendation becomes the new weights' one (random
    // weights, say, have nothing worth freezing); freezing the user chose stays.
    const QStringList frozen = m_freezeMap->frozenBlocks();
    const QStringList recommended = m_freezeMap->recommendation();
    if (m_freezeMap->hasNetwork() && QSet<QString>(frozen.begin(), frozen.end()) ==
                                         QSet<QString>(recommended.begin(), recommended.end())) {
        m_applyRecommendation = true;
    }
    m_selection.weights = weights;
    commit();
    requestNetwork();
}

void ModelPage::onHeadOptionsChanged() {
    if (!m_session) return;
    int imageSize = m_imageSizeSpin->value();
    if (imageSize > 0 && imageSize < smallestInput(m_selection.architecture)) {
        imageSize = smallestInput(m_selection.architecture);
        const QSignalBlocker block(m_imageSizeSpin);
        m_imageSizeSpin->setValue(imageSize);
    }
    m_selection.dropout = m_dropoutSpin->value();
    m_selection.hiddenUnits = m_hiddenUnitsSpin->value();
    m_selection.imageSize = imageSize;
    commit();
    requestNetwork();
}

void ModelPage::onFreezeMapChanged() {
    m_selection.frozenBlocks = m_freezeMap->frozenBlocks();
    m_selection.learningRateMultipliers = m_freezeMap->learningRateMultipliers();
    commit();
}

void ModelPage::updateImageSizeRange() {
    const ArchitectureEntry* entry = findArchitectureEntry(m_selection.architecture);
    m_imageSizeSpin->setWeightsSize(entry ? entry->inputSize : 0);
    if (m_imageSizeSpin->value() > 0 &&
        m_imageSizeSpin->value() < smallestInput(m_selection.architecture)) {
        m_imageSizeSpin->setValue(smallestInput(m_selection.architecture));
    }
}

void ModelPage::updateHeadNote() {
    const qint64 classes = projectClassCount();
    m_headNoteLabel->setText(
        classes > 0
            ? QString("The new head has %1 outputs, one per class of the project.").arg(classes)
            : QString("The project has no classes yet; counts assume a head for %1 classes.")
                  .arg(kPlaceholderClasses));
}

void ModelPage::commit() {
    if (!m_session) return;
    const auto saved = saveModelSelection(m_session->store(), m_selection);
    if (!m_session->check(saved)) {
        showError(QString("The model choice could not be saved: %1")
                      .arg(QString::fromStdString(saved.error().message)));
    }
    Q_EMIT selectionChanged();
}

void ModelPage::showError(const QString& message) {
    m_errorLabel->setText(inGuiWords(message));
    m_errorLabel->show();
}

qint64 ModelPage::projectClassCount() const {
    if (!m_session) return 0;
    const auto classes = m_session->store().classes();
    return classes ? static_cast<qint64>(classes.value().size()) : 0;
}

NetworkRequest ModelPage::currentRequest() const {
    NetworkRequest request;
    request.architecture = m_selection.architecture.toStdString();
    const qint64 classes = projectClassCount();
    request.numClasses = classes > 0 ? classes : kPlaceholderClasses;
    request.offlineDefaultHead =
        weightOptionFor(m_selection.architecture, m_selection.weights).kind ==
        WeightKind::OfflineDefault;
    request.dropout = m_selection.dropout;
    request.hiddenUnits = m_selection.hiddenUnits;
    return request;
}

void ModelPage::requestNetwork() {
    if (!m_session) return;
    if (m_hasShownNetwork && currentRequest() == m_shownRequest && !m_building) {
        // The same network (e.g. other weights of one architecture): only the advice changes.
        showNetworkState();
        return;
    }
    m_hasShownNetwork = false;
    m_freezeMap->clearNetwork(QString("Building %1...").arg(m_selection.architecture));
    if (m_building && currentRequest() == m_buildingRequest) return;  // already on its way
    m_buildTimer->start();
}

void ModelPage::startBuild() {
    // A build in flight finishes first; onBuildFinished() then starts the one now wanted.
    if (m_building || !m_session) return;
    m_building = true;
    m_buildingRequest = currentRequest();
    auto result = std::make_shared<core::Result<NetworkSummary>>(core::Error{"not built"});
    m_buildResult = result;
    const NetworkRequest request = m_buildingRequest;
    m_buildJob->start([result, request](BackgroundJob&) {
        *result = summarizeNetwork(request);
        return BackgroundJob::Outcome{
            result->ok(),
            result->ok() ? QString() : QString::fromStdString(result->error().message)};
    });
}

void ModelPage::onBuildFinished(bool, const QString&) {
    m_building = false;
    if (!m_session) return;
    if (currentRequest() != m_buildingRequest) {
        startBuild();  // the choice moved on while this one was built
        return;
    }
    const auto result = m_buildResult;
    if (!result || !result->ok()) {
        const QString message =
            result ? QString::fromStdString(result->error().message) : QString("not built");
        m_freezeMap->clearNetwork(QString("%1 could not be built.").arg(m_selection.architecture));
        showError(message);
        return;
    }
    m_shownRequest = m_buildingRequest;
    m_hasShownNetwork = true;
    m_errorLabel->hide();  // a failed build's message no longer applies
    m_freezeMap->setFrozenBlocks(m_selection.frozenBlocks);
    m_freezeMap->setLearningRateMultipliers(m_selection.learningRateMultipliers);
    m_freezeMap->setNetwork(result->value());
    showNetworkState();
    Q_EMIT networkReady();
}

void ModelPage::showNetworkState() {
    QString reason;
    const QStringList recommended = recommendedFreezing(&reason);
    m_freezeMap->setRecommendation(recommended, reason);
    if (m_applyRecommendation) {
        m_applyRecommendation = false;
        m_freezeMap->setFrozenBlocks(recommended);
    }
    // Saved names the network does not have (an older save, another version) are dropped.
    const QStringList frozen = m_freezeMap->frozenBlocks();
    const auto multipliers = m_freezeMap->learningRateMultipliers();
    if (frozen != m_selection.frozenBlocks || multipliers != m_selection.learningRateMultipliers) {
        m_selection.frozenBlocks = frozen;
        m_selection.learningRateMultipliers = multipliers;
        commit();
    }
}

QStringList ModelPage::recommendedFreezing(QString* reason) const {
    if (!m_freezeMap->hasNetwork()) return {};
    // Core decides, as for fovea-cli train without --freeze.
    const core::FreezingAdvice advice = core::recommendedFreezing(
        m_selection.architecture.toStdString(), m_selection.weights.toStdString(),
        m_freezeMap->network().blockNames());
    *reason = QString::fromStdString(advice.reason);
    QStringList blocks;
    for (const auto& block : advice.frozenBlocks) blocks << QString::fromStdString(block);
    return blocks;
}

qint64 ModelPage::trainableParameters() const { return m_freezeMap->trainableParameters(); }

qint64 ModelPage::totalParameters() const { return m_freezeMap->totalParameters(); }

bool ModelPage::isNetworkReady() const { return m_hasShownNetwork && m_freezeMap->hasNetwork(); }

}  // namespace fovea::ui
