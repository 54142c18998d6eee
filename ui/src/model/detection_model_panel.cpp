#include "model/detection_model_panel.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QShowEvent>
#include <QSignalBlocker>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>

#include "gui_wording.h"
#include "model/detection_project_settings.h"
#include "project/project_session.h"
#include "widgets/background_job.h"

namespace fovea::ui {
namespace {

struct Detector {
    const char* name;
    const char* backbone;
    const char* startsFrom;  // short, for the table
    const char* needs;       // whole, for the note under it
};

// What each builder starts from (core's backboneStart): only the first works offline.
const Detector kDetectors[] = {
    {"fasterrcnn_mobilenet_v2_fpn", "MobileNetV2, 800 px", "offline, no download",
     "Fovea's own composition (torchvision has no MobileNetV2 detector): starts from the offline "
     "default MobileNetV2 (fovea-cli prepare-offline-weights once); works without a network."},
    {"fasterrcnn_mobilenet_v3_large_320_fpn", "MobileNetV3-Large, 320 px", "download, 22 MB",
     "torchvision's builder; the fastest. Its default weights download torchvision's ImageNet "
     "MobileNetV3-Large (22 MB) once into the weights cache."},
    {"fasterrcnn_mobilenet_v3_large_fpn", "MobileNetV3-Large, 800 px", "download, 22 MB",
     "torchvision's builder. Its default weights download torchvision's ImageNet "
     "MobileNetV3-Large (22 MB) once into the weights cache."},
    {"fasterrcnn_resnet50_fpn", "ResNet-50, 800 px", "download, 98 MB",
     "torchvision's builder; the most accurate, slow on a CPU. Its default weights download "
     "torchvision's ImageNet ResNet-50 (98 MB) once into the weights cache."},
};

enum FreezeColumn { kPart, kParameters, kState };

QString millions(qint64 count) {
    return count >= 100000 ? QLocale().toString(double(count) / 1e6, 'f', 2) + " M"
                           : QLocale().toString(count);
}

}  // namespace

DetectionModelPanel::DetectionModelPanel(QWidget* parent) : QWidget(parent) {
    setObjectName("detectionModelPanel");
    auto* detectorBox = new QGroupBox("&Detector", this);
    m_detectors = new QTableWidget(int(std::size(kDetectors)), 3, detectorBox);
    m_detectors->setObjectName("detectorTable");
    m_detectors->setHorizontalHeaderLabels(
        {"Detector", "Backbone (FPN), default size", "Default weights"});
    m_detectors->verticalHeader()->hide();
    m_detectors->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_detectors->setSelectionMode(QAbstractItemView::SingleSelection);
    m_detectors->setEditTriggers(QAbstractItemView::NoEditTriggers);
    for (int row = 0; row < int(std::size(kDetectors)); ++row) {
        const Detector& d = kDetectors[row];
        m_detectors->setItem(row, 0, new QTableWidgetItem(d.name));
        m_detectors->setItem(row, 1, new QTableWidgetItem(d.backbone));
        m_detectors->setItem(row, 2, new QTableWidgetItem(d.startsFrom));
        for (int column = 0; column < 3; ++column)
            m_detectors->item(row, column)->setToolTip(d.needs);
    }
    m_detectors->resizeColumnsToContents();
    m_detectors->horizontalHeader()->setStretchLastSection(true);
    m_detectorNote = new QLabel(detectorBox);
    m_detectorNote->setObjectName("detectorNote");
    m_detectorNote->setWordWrap(true);
    auto* detectorLayout = new QVBoxLayout(detectorBox);
    detectorLayout->addWidget(m_detectors, 1);
    detectorLayout->addWidget(m_detectorNote);

    auto* weightsBox = new QGroupBox("&Weights", this);
    weightsBox->setToolTip(
        "Where the backbone starts (torchvision's weights_backbone); the FPN, RPN and box head "
        "always start from their initialisation.");
    m_weights = new QComboBox(weightsBox);
    m_weights->setObjectName("detectionWeightsCombo");
    m_weights->addItem("Default: the backbone's pretrained classification weights", "default");
    m_weights->addItem("A file: a classification state dict of the backbone", "file");
    m_weights->addItem("None: random initialisation", "none");
    m_weightsFile = new QLineEdit(weightsBox);
    m_weightsFile->setObjectName("detectionWeightsFile");
    m_weightsFile->setPlaceholderText(".pth or .safetensors of the backbone network");
    auto* browse = new QPushButton("Browse…", weightsBox);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(
            this, "Backbone weights", {}, "Weights (*.pth *.pt *.safetensors);;All files (*)");
        if (!file.isEmpty()) setWeights(file);
    });
    auto* fileRow = new QHBoxLayout;
    fileRow->addWidget(m_weightsFile, 1);
    fileRow->addWidget(browse);
    auto* weightsLayout = new QVBoxLayout(weightsBox);
    weightsLayout->addWidget(m_weights);
    weightsLayout->addLayout(fileRow);

    auto* freezeBox = new QGroupBox("Freeze &map", this);
    freezeBox->setToolTip(
        "Click a part to switch it between trainable and frozen. Backbone stages follow "
        "torchvision's trainable_backbone_layers: a stage trains with every later stage.");
    m_freezeMap = new QTableWidget(0, 3, freezeBox);
    m_freezeMap->setObjectName("detectorFreezeMap");
    m_freezeMap->setHorizontalHeaderLabels({"Part", "Parameters", "State"});
    m_freezeMap->verticalHeader()->hide();
    m_freezeMap->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_freezeMap->setSelectionMode(QAbstractItemView::NoSelection);
    m_freezeMap->horizontalHeader()->setSectionResizeMode(kPart, QHeaderView::Stretch);
    connect(m_freezeMap, &QTableWidget::cellClicked, this,
            [this](int row, int) { toggleFreezeRow(row); });
    m_counts = new QLabel(freezeBox);
    m_counts->setObjectName("detectorParameterCounts");
    auto* freezeLayout = new QVBoxLayout(freezeBox);
    freezeLayout->addWidget(m_freezeMap, 1);
    freezeLayout->addWidget(m_counts);

    m_error = new QLabel(this);
    m_error->setObjectName("detectionModelError");
    m_error->setWordWrap(true);
    m_error->hide();

    auto* left = new QVBoxLayout;
    left->addWidget(detectorBox, 1);
    left->addWidget(weightsBox);
    auto* columns = new QHBoxLayout;
    columns->addLayout(left, 3);
    columns->addWidget(freezeBox, 2);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(columns, 1);
    layout->addWidget(m_error);

    m_job = new BackgroundJob(this);
    connect(m_job, &BackgroundJob::finished, this, &DetectionModelPanel::onLayoutBuilt);
    connect(m_detectors, &QTableWidget::itemSelectionChanged, this,
            &DetectionModelPanel::onDetectorRowChanged);
    connect(m_weights, &QComboBox::currentIndexChanged, this,
            &DetectionModelPanel::onWeightsChoice);
    connect(m_weightsFile, &QLineEdit::editingFinished, this,
            &DetectionModelPanel::onWeightsChoice);
}

void DetectionModelPanel::setSession(ProjectSession* session) {
    if (m_session) disconnect(m_session, nullptr, this, nullptr);
    m_session = session;
    // The box predictor has a row of weights per class: another class count, other counts.
    if (session) {
        connect(session, &ProjectSession::classesChanged, this,
                &DetectionModelPanel::requestLayout);
    }
    m_settings =
        session ? loadDetectionSettings(session->store()) : core::DetectionTrainingSettings{};
    showSettings();
    requestLayout();
}

void DetectionModelPanel::showSettings() {
    m_loading = true;
    for (int row = 0; row < m_detectors->rowCount(); ++row) {
        if (m_detectors->item(row, 0)->text().toStdString() == m_settings.architecture) {
            m_detectors->selectRow(row);
            m_detectorNote->setText(noteFor(row));
        }
    }
    const bool isFile = m_settings.weights != "default" && m_settings.weights != "none";
    m_weights->setCurrentIndex(
        m_weights->findData(isFile ? QString("file") : QString::fromStdString(m_settings.weights)));
    m_weightsFile->setText(isFile ? QString::fromStdString(m_settings.weights) : QString());
    m_weightsFile->setEnabled(isFile);
    m_loading = false;
}

QString DetectionModelPanel::noteFor(int row) const {
    QString note = kDetectors[row].needs;
    if (m_settings.minSize > 0) {
        // A no-break space keeps the size with its unit.
        note += QString(
                    " This project trains it at %1\u00a0px (the Train page's min size), not "
                    "its default.")
                    .arg(m_settings.minSize);
    }
    return note;
}

void DetectionModelPanel::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (!m_session) return;
    m_settings.minSize = loadDetectionSettings(m_session->store()).minSize;
    const auto rows = m_detectors->selectionModel()->selectedRows();
    if (!rows.isEmpty()) m_detectorNote->setText(noteFor(rows.front().row()));
}

void DetectionModelPanel::setArchitecture(const QString& architecture) {
    for (int row = 0; row < m_detectors->rowCount(); ++row) {
        if (m_detectors->item(row, 0)->text() == architecture) m_detectors->selectRow(row);
    }
}

void DetectionModelPanel::setWeights(const QString& weights) {
    const bool isFile = weights != "default" && weights != "none";
    if (isFile) m_weightsFile->setText(weights);
    m_weights->setCurrentIndex(m_weights->findData(isFile ? QString("file") : weights));
    onWeightsChoice();
}

void DetectionModelPanel::onDetectorRowChanged() {
    if (m_loading) return;
    const auto rows = m_detectors->selectionModel()->selectedRows();
    if (rows.isEmpty()) return;
    const std::string architecture = m_detectors->item(rows.front().row(), 0)->text().toStdString();
    m_detectorNote->setText(noteFor(rows.front().row()));
    if (architecture == m_settings.architecture) return;
    m_settings.architecture = architecture;
    // Stage counts differ between backbones: the new one starts from torchvision's default.
    m_settings.trainableBackboneLayers = -1;
    save();
    requestLayout();
}

void DetectionModelPanel::onWeightsChoice() {
    if (m_loading) return;
    const QString choice = m_weights->currentData().toString();
    m_weightsFile->setEnabled(choice == "file");
    std::string weights = choice.toStdString();
    if (choice == "file") {
        weights = m_weightsFile->text().trimmed().toStdString();
        if (weights.empty()) return;  // chosen once a file is named
    }
    if (weights == m_settings.weights) return;
    const bool wasFromWeights = m_settings.weights != "none";
    m_settings.weights = weights;
    // From weights or not decides the default stages and the batch norms' parameters.
    if (wasFromWeights != (weights != "none")) m_settings.trainableBackboneLayers = -1;
    save();
    requestLayout();
}

void DetectionModelPanel::save() {
    if (m_session) {
        // The Train page's fields as saved, with this page's four.
        core::DetectionTrainingSettings saved = loadDetectionSettings(m_session->store());
        saved.architecture = m_settings.architecture;
        saved.weights = m_settings.weights;
        saved.trainableBackboneLayers = m_settings.trainableBackboneLayers;
        saved.frozenParts = m_settings.frozenParts;
        m_session->check(saveDetectionSettings(m_session->store(), saved));
    }
    Q_EMIT changed();
}

std::int64_t DetectionModelPanel::trainableStages() const {
    if (m_settings.trainableBackboneLayers >= 0 || !m_layout) {
        return m_settings.trainableBackboneLayers;
    }
    return core::defaultTrainableBackboneLayers(*m_layout, m_settings.weights != "none");
}

void DetectionModelPanel::requestLayout() {
    const bool fromWeights = m_settings.weights != "none";
    std::int64_t classes = 2;  // until the project has classes, the smallest useful predictor
    if (m_session) {
        if (auto list = m_session->store().classes(); list && !list.value().empty()) {
            classes = static_cast<std::int64_t>(list.value().size());
        }
    }
    const std::string key =
        m_settings.architecture + (fromWeights ? "/frozen-bn/" : "/bn/") + std::to_string(classes);
    if (auto found = m_layouts.find(key); found != m_layouts.end()) {
        m_layout = found->second;
        showFreezeMap();
        Q_EMIT layoutReady();
        return;
    }
    m_layout.reset();
    showFreezeMap();
    // One build at a time; onLayoutBuilt asks again for what is current by then.
    if (m_job->isRunning()) return;
    m_buildingKey = key;
    auto built = std::make_shared<core::Result<core::DetectorLayout>>(core::Error{""});
    m_built = built;
    const std::string architecture = m_settings.architecture;
    m_job->start([built, architecture, fromWeights, classes](BackgroundJob&) {
        *built = core::detectorLayout(architecture, fromWeights, classes);
        return BackgroundJob::Outcome{
            built->ok(), built->ok() ? QString() : QString::fromStdString(built->error().message)};
    });
}

void DetectionModelPanel::onLayoutBuilt(bool ok, const QString& message) {
    if (ok && m_built && m_built->ok()) {
        m_layouts[m_buildingKey] = m_built->value();
        m_error->hide();
    } else if (!ok) {
        m_error->setText("The detector could not be built: " + inGuiWords(message));
        m_error->show();
        return;
    }
    requestLayout();  // the current choice: built now, or another one to build
}

void DetectionModelPanel::showFreezeMap() {
    m_freezeMap->setRowCount(0);
    if (!m_layout) {
        m_counts->setText("Building the detector to count its parameters…");
        return;
    }
    const std::int64_t stages = trainableStages();
    qint64 trainable = 0, total = 0;
    m_freezeMap->setRowCount(static_cast<int>(m_layout->parts.size()));
    for (int row = 0; row < m_freezeMap->rowCount(); ++row) {
        const core::DetectorPart& part = m_layout->parts[static_cast<std::size_t>(row)];
        const bool trains =
            core::detectorPartTrains(*m_layout, part, stages, m_settings.frozenParts);
        total += part.parameters;
        if (trains) trainable += part.parameters;
        auto* name = new QTableWidgetItem(QString::fromStdString(part.title));
        name->setToolTip(QString::fromStdString(part.module));
        m_freezeMap->setItem(row, kPart, name);
        auto* count = new QTableWidgetItem(millions(part.parameters));
        count->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        m_freezeMap->setItem(row, kParameters, count);
        auto* state = new QTableWidgetItem(trains ? "trainable" : "frozen");
        state->setForeground(trains ? QColor(0x1e, 0x7b, 0x34) : QColor(0x55, 0x65, 0x80));
        m_freezeMap->setItem(row, kState, state);
        const QColor background = trains ? QColor(0xe3, 0xf4, 0xe6) : QColor(0xe4, 0xe9, 0xf2);
        for (int column = 0; column < 3; ++column) {
            m_freezeMap->item(row, column)->setBackground(background);
        }
    }
    m_freezeMap->resizeColumnToContents(kParameters);
    m_freezeMap->resizeColumnToContents(kState);
    m_counts->setText(QString("Trains %1 of %2 parameters (%3 of %4 backbone stages)")
                          .arg(millions(trainable), millions(total))
                          .arg(stages)
                          .arg(m_layout->backboneStages));
}

void DetectionModelPanel::toggleFreezeRow(int row) {
    if (!m_layout || row < 0 || row >= static_cast<int>(m_layout->parts.size())) return;
    if (!isEnabled()) return;
    const core::DetectorPart& part = m_layout->parts[static_cast<std::size_t>(row)];
    const std::int64_t stages = trainableStages();
    if (part.backboneStage > 0) {
        const bool trains = core::detectorPartTrains(*m_layout, part, stages, {});
        // Trainable stages are always the last ones: this stage and all after it train, or
        // this one and all before it freeze.
        m_settings.trainableBackboneLayers =
            trains ? m_layout->backboneStages - part.backboneStage
                   : m_layout->backboneStages - part.backboneStage + 1;
    } else {
        auto& frozen = m_settings.frozenParts;
        const auto at = std::find(frozen.begin(), frozen.end(), part.module);
        if (at == frozen.end()) {
            frozen.push_back(part.module);
        } else {
            frozen.erase(at);
        }
        // Kept in the detector's order, so that the saved list reads the same however clicked.
        std::vector<std::string> ordered;
        for (const auto& name : core::detectorFreezableParts()) {
            if (std::find(frozen.begin(), frozen.end(), name) != frozen.end()) {
                ordered.push_back(name);
            }
        }
        frozen = ordered;
    }
    showFreezeMap();
    save();
}

void DetectionModelPanel::setLocked(bool locked) { setEnabled(!locked); }

qint64 DetectionModelPanel::trainableParameters() const {
    if (!m_layout) return 0;
    qint64 count = 0;
    for (const auto& part : m_layout->parts) {
        if (core::detectorPartTrains(*m_layout, part, trainableStages(), m_settings.frozenParts)) {
            count += part.parameters;
        }
    }
    return count;
}

qint64 DetectionModelPanel::totalParameters() const {
    if (!m_layout) return 0;
    qint64 count = 0;
    for (const auto& part : m_layout->parts) count += part.parameters;
    return count;
}

}  // namespace fovea::ui
