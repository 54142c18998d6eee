#include "export/export_page.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QTableWidget>
#include <QVBoxLayout>

#include "export/detection_exporter.h"
#include "fovea/core/session/detection_training.h"
#include "page_header.h"
#include "runs/run_choice_dialog.h"
#include "widgets/background_job.h"
#include "widgets/elided_label.h"
#include "widgets/job_progress_bar.h"
#include "widgets/show_folder.h"

namespace fovea::ui {

namespace {

// A detection run's files differ from a classifier's: its ONNX is two graphs with the steps
// between them documented in the file (RoIAlign and NMS are not in OpenCV's importer).
QString formatTitle(const QString& name, bool detection) {
    if (name == "onnx" && detection) {
        return "ONNX (opset 13; two graphs for OpenCV DNN, the steps between them in the file)";
    }
    if (name == "onnx") return "ONNX (opset 13; OpenCV DNN, ONNX Runtime)";
    if (name == "torchscript") return "TorchScript (.pt; torch.jit.load, LibTorch)";
    if (name == "safetensors") return "safetensors (Fovea, Hugging Face tools)";
    if (name == "pth") return "PyTorch state dict (.pth; torchvision load_state_dict)";
    return name;
}

// The format's short name in the results (the reason it is there follows in brackets).
QString formatName(const QString& name) {
    if (name == "onnx") return "ONNX";
    if (name == "torchscript") return "TorchScript";
    if (name == "pth") return "PyTorch .pth";
    return name;
}

// core::writeModelBundle writes model.safetensors into every bundle: its box is ticked for show,
// not a choice.
bool alwaysWritten(const QString& format) { return format == "safetensors"; }

// The results table's columns; a detection run's figures (tableHeaders) follow kImages in
// their own order.
enum Column { kFormat, kFile, kRuntime, kImages, kAgreement };

// The formats ticked last time (QSettings), so the next launch exports the same way; a
// detection run's apart (its formats are others).
constexpr const char* kFormatsSetting = "export/formats";
constexpr const char* kDetectionFormatsSetting = "export/detectionFormats";

// The results table's headers and their tooltips.
struct TableHeader {
    QString text;
    QString tip;
};

// Two-line headers for the figures leave the path its room at the default window size.
QList<TableHeader> tableHeaders(bool detection) {
    QList<TableHeader> headers = {
        {"Format", "The file's format, and why it is in the bundle"},
        {"File",
         "The file in the bundle folder (its full path in the tooltip; right-click to copy it "
         "or open the folder)"},
        {"Checked with", "The independent runtime that ran the exported file"}};
    if (!detection) {
        headers += {{"Images", "How many images the file and the in-app model were compared on"},
                    {"Top-1\nagreement",
                     "Share of images whose top class is the same as the in-app model's"},
                    {"Max prob.\ndifference",
                     "The largest difference in any class probability from the in-app model"}};
        return headers;
    }
    headers +=
        {{"Images\nagreeing",
          "Images on which the file found the same boxes with the same labels as the in-app "
          "model, of the images compared (what agreeing means is in each cell's tooltip)"},
         {"Max box\ndifference",
          "The largest difference of a box corner from the in-app model's, in pixels of the "
          "image (what passes is in each cell's tooltip)"},
         {"Max score\ndifference",
          "The largest difference of a box's score from the in-app model's"},
         {"ms per image\nfile · in-app",
          "Inference time per image, one image at a time on the CPU: the exported file, then "
          "the in-app model"}};
    return headers;
}

constexpr const char* kAlwaysWrittenTip =
    "Always written: every bundle holds model.safetensors, its own copy of the weights, which "
    "the Predict page (and fovea-cli predict) opens.";

constexpr const char* kBundleFolderText = "Bundle folder:";
constexpr const char* kDetectionFolderText = "Export folder:";

constexpr const char* kNoSourceText = "No model yet: train one on the Train page, or choose a run.";

}  // namespace

ExportPage::ExportPage(QWidget* parent) : QWidget(parent), m_job(new BackgroundJob(this)) {
    setObjectName("exportPage");
    m_sourceLabel = new ElidedLabel(kNoSourceText, this);
    m_sourceLabel->setObjectName("exportSourceLabel");
    auto* chooseSource = new QPushButton("Choose Run…", this);
    chooseSource->setObjectName("chooseExportSourceButton");
    connect(chooseSource, &QPushButton::clicked, this, [this] {
        const QString chosen = RunChoiceDialog::choose(
            m_runsFolder,
            {"export", "Export a Run",
             "The run's model is written as a bundle in the formats ticked, and each file is "
             "checked against the model on the run's validation images.",
             "Choose"},
            m_source, this);
        if (chosen.isEmpty()) return;
        setSource(chosen);
        Q_EMIT runChosen(chosen);
    });

    auto* formats = new QVBoxLayout;
    const QStringList remembered =
        QSettings().value(kFormatsSetting, QStringList{"onnx"}).toStringList();
    for (const QString& name : exportFormatNames()) {
        auto* check = new QCheckBox(formatTitle(name, false), this);
        check->setObjectName(name + "Check");
        check->setProperty("format", name);
        check->setChecked(remembered.contains(name));
        if (alwaysWritten(name)) {
            check->setChecked(true);
            check->setEnabled(false);
            check->setToolTip(kAlwaysWrittenTip);
        }
        connect(check, &QCheckBox::toggled, this, [this] {
            if (!m_showingFormats) {
                QSettings().setValue(m_detection ? kDetectionFormatsSetting : kFormatsSetting,
                                     this->formats());
            }
        });
        m_formatChecks << check;
        formats->addWidget(check);
    }
    m_destination = new QLineEdit(this);
    m_destination->setObjectName("exportDestinationEdit");
    auto* browse = new QPushButton("Browse…", this);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString folder =
            QFileDialog::getExistingDirectory(this, "Bundle Folder", m_destination->text());
        if (!folder.isEmpty()) m_destination->setText(folder);
    });
    auto* destinationRow = new QHBoxLayout;
    destinationRow->addWidget(m_destination, 1);
    destinationRow->addWidget(browse);
    m_exportButton = new QPushButton("Export", this);
    m_exportButton->setObjectName("exportButton");
    m_exportButton->setToolTip("Write the bundle; every file is checked against the in-app model");
    connect(m_exportButton, &QPushButton::clicked, this, [this] {
        QString error;
        if (!startExport(&error)) m_status->setText(error);
    });

    auto* form = new QFormLayout;
    form->addRow("Formats:", formats);
    m_destinationLabel = new QLabel(kBundleFolderText, this);
    form->addRow(m_destinationLabel, destinationRow);

    m_results = new QTableWidget(this);
    m_results->setObjectName("parityTable");
    setTableHeaders();
    m_results->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_results->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_results->setSelectionMode(QAbstractItemView::SingleSelection);
    // One line per cell, rows without numbers (a second line for a reason, and row numbers,
    // made the first row stand out for nothing). The File column names the
    // file alone: its folder is the bundle's, said below the table, and a full path per row
    // was cut in the middle at the default window size. The runtime takes the room left.
    m_results->setWordWrap(false);
    m_results->setTextElideMode(Qt::ElideMiddle);
    m_results->verticalHeader()->hide();
    QHeaderView* header = m_results->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::ResizeToContents);
    header->setSectionResizeMode(kRuntime, QHeaderView::Stretch);
    header->setHighlightSections(false);

    m_copyPath = new QAction("Copy Path", this);
    m_copyPath->setObjectName("copyPathAction");
    m_copyPath->setToolTip("Copy the selected file's full path");
    m_copied = new ElidedLabel({}, this, Qt::ElideMiddle);
    m_copied->setObjectName("copiedPathLabel");
    connect(m_copyPath, &QAction::triggered, this, [this] {
        const QString path = selectedFile();
        if (path.isEmpty()) return;
        QApplication::clipboard()->setText(path);
        // Said beside the buttons: a copy is otherwise silent.
        m_copied->setText("Copied " + QDir::toNativeSeparators(path));
    });
    m_openFolder = new QAction("Open Folder", this);
    m_openFolder->setObjectName("openFolderAction");
    m_openFolder->setToolTip("Show the bundle's folder in the file manager");
    connect(m_openFolder, &QAction::triggered, this, [this] {
        const QString file = selectedFile();
        const QString folder = file.isEmpty() ? m_outcome.folder : QFileInfo(file).absolutePath();
        showFolder(folder, this);
    });
    m_results->addAction(m_copyPath);
    m_results->addAction(m_openFolder);
    m_results->setContextMenuPolicy(Qt::ActionsContextMenu);
    auto* copyButton = new QPushButton(m_copyPath->text(), this);
    copyButton->setObjectName("copyPathButton");
    copyButton->setToolTip(m_copyPath->toolTip());
    connect(copyButton, &QPushButton::clicked, m_copyPath, &QAction::trigger);
    connect(m_copyPath, &QAction::enabledChanged, copyButton, &QWidget::setEnabled);
    auto* openButton = new QPushButton(m_openFolder->text(), this);
    openButton->setObjectName("openFolderButton");
    openButton->setToolTip(m_openFolder->toolTip());
    connect(openButton, &QPushButton::clicked, m_openFolder, &QAction::trigger);
    connect(m_openFolder, &QAction::enabledChanged, openButton, &QWidget::setEnabled);
    connect(m_results, &QTableWidget::itemSelectionChanged, this, &ExportPage::updateActions);
    auto* fileRow = new QHBoxLayout;
    fileRow->addWidget(copyButton);
    fileRow->addWidget(openButton);
    fileRow->addWidget(m_copied, 1);

    m_status = new QLabel(this);
    m_status->setObjectName("exportStatus");
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Two lines kept from the start: the result's sentence took a second line and the table
    // above shrank by a row as the export finished.
    m_status->setMinimumHeight(2 * m_status->fontMetrics().lineSpacing());
    m_status->setAlignment(Qt::AlignLeft | Qt::AlignTop);

    auto* top = new QHBoxLayout;
    top->addWidget(m_sourceLabel, 1);
    top->addWidget(chooseSource);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(makePageHeader(
        "Export",
        "Take the model elsewhere: every file is run by another runtime and compared with the "
        "in-app model before it is kept.",
        this));
    layout->addLayout(top);
    layout->addLayout(form);
    m_progress = new JobProgressBar(this);
    auto* exportRow = new QHBoxLayout;
    exportRow->addWidget(m_exportButton);
    exportRow->addWidget(m_progress, 1);
    exportRow->addStretch(0);  // the button keeps its size while the strip is hidden
    layout->addLayout(exportRow);
    layout->addWidget(m_results, 1);
    layout->addLayout(fileRow);
    layout->addWidget(m_status);
    connect(m_job, &BackgroundJob::finished, this, &ExportPage::onFinished);
    updateActions();
}

ExportPage::~ExportPage() {
    // The job writes m_pending from its thread: join it while the members still exist.
    delete m_job;
}

void ExportPage::setSource(const QString& source) {
    m_source = source;
    m_sourceLabel->setText("Model: " + source);
    const bool detection = core::isDetectionRun(source.toStdString());
    if (detection != m_detection) {
        m_detection = detection;
        m_outcome = {};
        m_results->setRowCount(0);
        setTableHeaders();
        showFormatChoices();
    }
    // A detection run's files are not a bundle (no labels.json, model card or parity.json).
    m_destination->setText(QDir(source).filePath(detection ? "export" : "bundle"));
}

void ExportPage::setTableHeaders() {
    const QList<TableHeader> headers = tableHeaders(m_detection);
    m_results->setColumnCount(static_cast<int>(headers.size()));
    for (int column = 0; column < headers.size(); ++column) {
        auto* header = new QTableWidgetItem(headers[column].text);
        header->setToolTip(headers[column].tip);
        m_results->setHorizontalHeaderItem(column, header);
    }
}

void ExportPage::showFormatChoices() {
    // Ticking them back is no choice of the user's: not remembered.
    m_showingFormats = true;
    const QStringList supported = detectionExportFormatNames();
    const QStringList remembered =
        m_detection
            ? QSettings().value(kDetectionFormatsSetting, QStringList{"torchscript"}).toStringList()
            : QSettings().value(kFormatsSetting, QStringList{"onnx"}).toStringList();
    for (QCheckBox* check : m_formatChecks) {
        const QString format = check->property("format").toString();
        // Only what core can export a detection run to (ONNX once core supports it there).
        check->setVisible(!m_detection || supported.contains(format));
        const bool always = !m_detection && alwaysWritten(format);
        check->setEnabled(!always);
        check->setToolTip(always ? kAlwaysWrittenTip : QString());
        check->setText(formatTitle(format, m_detection));
        check->setChecked(always || remembered.contains(format));
    }
    m_destinationLabel->setText(m_detection ? kDetectionFolderText : kBundleFolderText);
    m_showingFormats = false;
}

void ExportPage::clearSource() {
    m_job->cancel();
    m_source.clear();
    m_sourceLabel->setText(kNoSourceText);
    m_destination->clear();
    m_outcome = {};
    m_results->setRowCount(0);
    m_copied->setText({});
    m_status->setToolTip({});
    m_status->clear();
    updateActions();
}

void ExportPage::setFormats(const QStringList& formats) {
    for (QCheckBox* check : m_formatChecks) {
        const QString format = check->property("format").toString();
        check->setChecked((!m_detection && alwaysWritten(format)) || formats.contains(format));
    }
}

QStringList ExportPage::formats() const {
    QStringList chosen;
    for (QCheckBox* check : m_formatChecks) {
        const QString format = check->property("format").toString();
        if (m_detection) {
            if (check->isChecked() && !check->isHidden()) chosen << format;
        } else if (check->isChecked() && !alwaysWritten(format)) {
            chosen << format;
        }
    }
    return chosen;
}

void ExportPage::setDestination(const QString& folder) { m_destination->setText(folder); }

bool ExportPage::startExport(QString* error) {
    const QStringList chosen = formats();
    const QString folder = m_destination->text().trimmed();
    // The first thing missing, in the order the page asks for them.
    QString problem;
    if (m_job->isRunning()) {
        problem = "An export is already running.";
    } else if (m_source.isEmpty()) {
        problem = "Choose the model to export first.";
    } else if (chosen.isEmpty()) {
        problem = "Choose at least one format.";
    } else if (folder.isEmpty()) {
        problem = "Choose the bundle folder.";
    }
    if (!problem.isEmpty()) {
        if (error) *error = problem;
        return false;
    }
    m_results->setRowCount(0);
    m_copied->setText({});
    m_pending = {};
    updateActions();
    m_status->setToolTip({});
    m_status->setText("Exporting and checking each file against the in-app model…");
    m_exportButton->setEnabled(false);
    m_progress->track(m_job, "Exporting");
    const QString source = m_source;
    const bool detection = m_detection;
    m_job->start(
        [this, source, chosen, folder, detection](BackgroundJob& job) -> BackgroundJob::Outcome {
            const auto progress = [&job](qint64 done, qint64 total, const QString& next) {
                job.reportProgress(done, total, next);
                return !job.wasCancelled();
            };
            auto outcome = detection ? exportDetectionFiles(source, chosen, folder, progress)
                                     : exportModelBundle(source, chosen, folder, progress);
            if (!outcome) return {false, QString::fromStdString(outcome.error().message)};
            m_pending = outcome.value();
            return {m_pending.failure.isEmpty(), m_pending.failure};
        });
    return true;
}

void ExportPage::onFinished(bool ok, const QString& message) {
    m_exportButton->setEnabled(true);
    if (!ok && m_job->wasCancelled()) {
        m_status->setToolTip({});
        m_status->setText(
            "Export cancelled: nothing was written; an earlier bundle in the folder is as it "
            "was.");
        Q_EMIT exported(false, message);
        return;
    }
    if (!ok) {
        m_status->setToolTip({});
        // The files checked, the failed one last, as rows like a finished export's.
        if (!m_pending.failure.isEmpty()) {
            m_outcome = m_pending;
            showOutcome();
        }
        // A failed gate's message carries its figures (images agreeing, box and score
        // differences): shown whole.
        m_status->setText("<font color='#c03020'>Export failed: " + message.toHtmlEscaped() +
                          (m_detection ? QString(". No file was moved into the folder; what it "
                                                 "held is as it was.")
                                       : QString(" Nothing was written; an earlier bundle in the "
                                                 "folder is as it was.")) +
                          "</font>");
        Q_EMIT exported(false, message);
        return;
    }
    m_outcome = m_pending;
    showOutcome();
    // In full: the sentence wraps, and the path is what the user looks for in it.
    const QString folder = QDir::toNativeSeparators(m_outcome.folder);
    QString text = m_detection
                       ? QString(
                             "Written to %1: the files above, each with its class names inside. "
                             "Every file found the same boxes as the in-app model.")
                             .arg(folder)
                       : QString(
                             "Bundle written to %1: the model files above, labels.json, "
                             "preprocessing.json, parity.json and README.md (the model card). "
                             "Every file matched the in-app model.")
                             .arg(folder);
    m_status->setToolTip(QDir::toNativeSeparators(m_outcome.folder));
    if (!m_outcome.notes.isEmpty()) text += " Note: " + m_outcome.notes.join("; ");
    m_status->setText(text);
    Q_EMIT exported(true, m_outcome.folder);
}

void ExportPage::showOutcome() {
    m_results->setRowCount(m_outcome.files.size());
    for (int row = 0; row < m_outcome.files.size(); ++row) {
        ExportedFileInfo f = m_outcome.files[row];
        const bool written = m_outcome.failure.isEmpty();
        if (!written && f.failure.isEmpty()) {
            f.reason = "passed, not written";
            f.reasonInFull =
                "It passed its gate, but the files are moved into the folder only when every "
                "one passes.";
        }
        const QString path = QDir::toNativeSeparators(f.file);
        // What the file is and why it is here; the tooltip says it in full.
        const QString why = f.reason.isEmpty() ? QString() : " (" + f.reason + ")";
        // A failed file has no figures of its own to show: what stopped it is in every cell's
        // tooltip (a gate's message carries its figures).
        const QStringList cells =
            !f.failure.isEmpty() ? QStringList{formatName(f.format), QFileInfo(f.file).fileName(),
                                               "failed: " + f.failure}
            : f.detection        ? QStringList{formatName(f.format) + why,
                                        QFileInfo(f.file).fileName(),
                                        f.runtime,
                                        QString("%1 of %2").arg(f.agreeing).arg(f.compared),
                                        QString("%1 px").arg(f.maxBoxDifference, 0, 'g', 3),
                                        QString::number(f.maxScoreDifference, 'g', 3),
                                        QString("%1 · %2")
                                            .arg(f.exportedMillisecondsPerImage, 0, 'f', 1)
                                            .arg(f.inAppMillisecondsPerImage, 0, 'f', 1)}
                                 : QStringList{formatName(f.format) + why,
                                        QFileInfo(f.file).fileName(),
                                        f.runtime,
                                        QString("%1 %2").arg(f.compared).arg(f.inputs),
                                        QString("%1%").arg(100.0 * f.agreement, 0, 'f', 1),
                                        QString::number(f.maxProbabilityDifference, 'g', 3)};
        if (!f.failure.isEmpty()) {
            for (int column = 0; column < m_results->columnCount(); ++column) {
                auto* item = new QTableWidgetItem(column < cells.size() ? cells[column] : "");
                item->setToolTip("Not written: " + f.failure);
                item->setForeground(Qt::red);
                m_results->setItem(row, column, item);
            }
            continue;
        }
        for (int column = 0; column < cells.size(); ++column) {
            auto* item = new QTableWidgetItem(cells[column]);
            item->setToolTip(column == kFile ? path : cells[column]);
            if (column >= kImages) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            // The figure that decides: the agreement (the images agreeing, for detection).
            if (column == (f.detection ? kImages : kAgreement)) {
                item->setForeground(f.passed ? QColor(30, 130, 30) : Qt::red);
            }
            m_results->setItem(row, column, item);
        }
        m_results->item(row, kFormat)
            ->setToolTip(formatTitle(f.format, f.detection) + "\n" + f.reasonInFull);
        if (f.detection) {
            m_results->item(row, kImages)
                ->setToolTip(QString("%1 of the %2 %3 agree (the in-app model found %4 boxes on "
                                     "them)")
                                 .arg(f.agreeing)
                                 .arg(f.compared)
                                 .arg(f.inputs)
                                 .arg(f.boxes));
            // Each gate has its own limits (ONNX's steps run outside the graph).
            for (int column = kImages + 1; column < m_results->columnCount(); ++column) {
                m_results->item(row, column)->setToolTip("Agreeing means " + f.limits);
            }
        }
        if (!f.requested) {
            // Not asked for: set apart from the ticked formats, its reason in the cell.
            QFont font = m_results->font();
            font.setItalic(true);
            m_results->item(row, kFormat)->setFont(font);
        }
        // Copy Path offers only a file that is there.
        if (written) m_results->item(row, kFile)->setData(Qt::UserRole, f.file);
    }
    // The file asked for first, rather than the bundle's own weights.
    int first = 0;
    for (int row = 0; row < m_outcome.files.size(); ++row) {
        if (m_outcome.files[row].requested) {
            first = row;
            break;
        }
    }
    if (!m_outcome.files.isEmpty()) m_results->selectRow(first);
    updateActions();
}

QString ExportPage::selectedFile() const {
    const QList<QTableWidgetItem*> selected = m_results->selectedItems();
    if (selected.isEmpty()) return {};
    const QTableWidgetItem* file = m_results->item(selected.first()->row(), kFile);
    return file ? file->data(Qt::UserRole).toString() : QString();
}

void ExportPage::updateActions() {
    m_copyPath->setEnabled(!selectedFile().isEmpty());
    m_openFolder->setEnabled(m_results->rowCount() > 0 && m_outcome.failure.isEmpty());
}

}  // namespace fovea::ui
