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

#include "page_header.h"
#include "runs/run_choice_dialog.h"
#include "widgets/background_job.h"
#include "widgets/elided_label.h"
#include "widgets/job_progress_bar.h"
#include "widgets/show_folder.h"

namespace fovea::ui {

namespace {

QString formatTitle(const QString& name) {
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

enum Column { kFormat, kFile, kRuntime, kImages, kAgreement, kDifference, kColumns };

// The formats ticked last time (QSettings), so the next launch exports the same way.
constexpr const char* kFormatsSetting = "export/formats";

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
        auto* check = new QCheckBox(formatTitle(name), this);
        check->setObjectName(name + "Check");
        check->setProperty("format", name);
        check->setChecked(remembered.contains(name));
        if (alwaysWritten(name)) {
            check->setChecked(true);
            check->setEnabled(false);
            check->setToolTip(
                "Always written: every bundle holds model.safetensors, its own copy of the "
                "weights, which the Predict page (and fovea-cli predict) opens.");
        }
        connect(check, &QCheckBox::toggled, this,
                [this] { QSettings().setValue(kFormatsSetting, this->formats()); });
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
    form->addRow("Bundle folder:", destinationRow);

    m_results = new QTableWidget(this);
    m_results->setObjectName("parityTable");
    m_results->setColumnCount(kColumns);
    // Two-line headers for the figures leave the path its room at the default window size.
    const QStringList headers = {
        "Format", "File", "Checked with", "Images", "Top-1\nagreement", "Max prob.\ndifference"};
    const QStringList headerTips = {
        "The file's format, and why it is in the bundle",
        "The file in the bundle folder (its full path in the tooltip; right-click to copy it "
        "or open the folder)",
        "The independent runtime that ran the exported file",
        "How many images the file and the in-app model were compared on",
        "Share of images whose top class is the same as the in-app model's",
        "The largest difference in any class probability from the in-app model"};
    for (int column = 0; column < kColumns; ++column) {
        auto* header = new QTableWidgetItem(headers[column]);
        header->setToolTip(headerTips[column]);
        m_results->setHorizontalHeaderItem(column, header);
    }
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
    m_destination->setText(QDir(source).filePath("bundle"));
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
        check->setChecked(alwaysWritten(format) || formats.contains(format));
    }
}

QStringList ExportPage::formats() const {
    QStringList chosen;
    for (QCheckBox* check : m_formatChecks) {
        const QString format = check->property("format").toString();
        if (check->isChecked() && !alwaysWritten(format)) chosen << format;
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
    updateActions();
    m_status->setToolTip({});
    m_status->setText("Exporting and checking each file against the in-app model…");
    m_exportButton->setEnabled(false);
    m_progress->track(m_job, "Exporting");
    const QString source = m_source;
    m_job->start([this, source, chosen, folder](BackgroundJob& job) -> BackgroundJob::Outcome {
        auto outcome = exportModelBundle(source, chosen, folder,
                                         [&job](qint64 done, qint64 total, const QString& next) {
                                             job.reportProgress(done, total, next);
                                             return !job.wasCancelled();
                                         });
        if (!outcome) return {false, QString::fromStdString(outcome.error().message)};
        m_pending = outcome.value();
        return {true, {}};
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
        m_status->setText("<font color='#c03020'>Export failed: " + message.toHtmlEscaped() +
                          " Nothing was written; an earlier bundle in the folder is as it "
                          "was.</font>");
        Q_EMIT exported(false, message);
        return;
    }
    m_outcome = m_pending;
    showOutcome();
    // In full: the sentence wraps, and the path is what the user looks for in it.
    const QString folder = QDir::toNativeSeparators(m_outcome.folder);
    QString text = QString(
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
        const ExportedFileInfo& f = m_outcome.files[row];
        const QString path = QDir::toNativeSeparators(f.file);
        // What the file is and why it is here; the tooltip says it in full.
        const QString why = f.reason.isEmpty() ? QString() : " (" + f.reason + ")";
        const QStringList cells = {formatName(f.format) + why,
                                   QFileInfo(f.file).fileName(),
                                   f.runtime,
                                   QString("%1 %2").arg(f.compared).arg(f.inputs),
                                   QString("%1%").arg(100.0 * f.agreement, 0, 'f', 1),
                                   QString::number(f.maxProbabilityDifference, 'g', 3)};
        for (int column = 0; column < cells.size(); ++column) {
            auto* item = new QTableWidgetItem(cells[column]);
            item->setToolTip(column == kFile ? path : cells[column]);
            if (column >= kImages) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (column == kAgreement) item->setForeground(f.passed ? QColor(30, 130, 30) : Qt::red);
            m_results->setItem(row, column, item);
        }
        m_results->item(row, kFormat)->setToolTip(formatTitle(f.format) + "\n" + f.reasonInFull);
        if (!f.requested) {
            // Not asked for: set apart from the ticked formats, its reason in the cell.
            QFont font = m_results->font();
            font.setItalic(true);
            m_results->item(row, kFormat)->setFont(font);
        }
        m_results->item(row, kFile)->setData(Qt::UserRole, f.file);
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
    m_openFolder->setEnabled(m_results->rowCount() > 0);
}

}  // namespace fovea::ui
