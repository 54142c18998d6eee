#include "export/export_page.h"

#include <QCheckBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include "page_header.h"
#include "widgets/background_job.h"

namespace fovea::ui {

namespace {

QString formatTitle(const QString& name) {
    if (name == "onnx") return "ONNX (opset 13; OpenCV DNN, ONNX Runtime)";
    if (name == "torchscript") return "TorchScript (.pt; torch.jit.load, LibTorch)";
    if (name == "safetensors") return "safetensors (Fovea, Hugging Face tools)";
    if (name == "pth") return "PyTorch state dict (.pth; torchvision load_state_dict)";
    return name;
}

}  // namespace

ExportPage::ExportPage(QWidget* parent) : QWidget(parent), m_job(new BackgroundJob(this)) {
    setObjectName("exportPage");
    m_sourceLabel = new QLabel("No model yet: train one on the Train page, or choose a run.", this);
    m_sourceLabel->setObjectName("exportSourceLabel");
    m_sourceLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    auto* chooseSource = new QPushButton("Choose Run…", this);
    chooseSource->setObjectName("chooseExportSourceButton");
    connect(chooseSource, &QPushButton::clicked, this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, "Export a Run", m_source);
        if (!folder.isEmpty()) setSource(folder);
    });

    auto* formats = new QVBoxLayout;
    for (const QString& name : exportFormatNames()) {
        auto* check = new QCheckBox(formatTitle(name), this);
        check->setObjectName(name + "Check");
        check->setProperty("format", name);
        check->setChecked(name == "onnx");
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
    m_results->setColumnCount(6);
    m_results->setHorizontalHeaderLabels(
        {"Format", "File", "Checked with", "Images", "Top-1 agreement", "Max prob. difference"});
    m_results->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_results->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_results->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_status = new QLabel(this);
    m_status->setObjectName("exportStatus");
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

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
    layout->addWidget(m_exportButton, 0, Qt::AlignLeft);
    layout->addWidget(m_results, 1);
    layout->addWidget(m_status);
    connect(m_job, &BackgroundJob::finished, this, &ExportPage::onFinished);
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

void ExportPage::setFormats(const QStringList& formats) {
    for (QCheckBox* check : m_formatChecks) {
        check->setChecked(formats.contains(check->property("format").toString()));
    }
}

QStringList ExportPage::formats() const {
    QStringList chosen;
    for (QCheckBox* check : m_formatChecks) {
        if (check->isChecked()) chosen << check->property("format").toString();
    }
    return chosen;
}

void ExportPage::setDestination(const QString& folder) { m_destination->setText(folder); }

bool ExportPage::startExport(QString* error) {
    const QStringList chosen = formats();
    const QString folder = m_destination->text().trimmed();
    QString problem;
    if (m_source.isEmpty()) problem = "Choose the model to export first.";
    if (chosen.isEmpty()) problem = "Choose at least one format.";
    if (folder.isEmpty()) problem = "Choose the bundle folder.";
    if (m_job->isRunning()) problem = "An export is already running.";
    if (!problem.isEmpty()) {
        if (error) *error = problem;
        return false;
    }
    m_results->setRowCount(0);
    m_status->setText("Exporting and checking each file against the in-app model…");
    m_exportButton->setEnabled(false);
    const QString source = m_source;
    m_job->start([this, source, chosen, folder](BackgroundJob&) -> BackgroundJob::Outcome {
        auto outcome = exportModelBundle(source, chosen, folder);
        if (!outcome) return {false, QString::fromStdString(outcome.error().message)};
        m_pending = outcome.value();
        return {true, {}};
    });
    return true;
}

void ExportPage::onFinished(bool ok, const QString& message) {
    m_exportButton->setEnabled(true);
    if (!ok) {
        m_status->setText("<font color='#c03020'>Export failed: " + message.toHtmlEscaped() +
                          "</font>");
        Q_EMIT exported(false, message);
        return;
    }
    m_outcome = m_pending;
    m_results->setRowCount(m_outcome.files.size());
    for (int row = 0; row < m_outcome.files.size(); ++row) {
        const ExportedFileInfo& f = m_outcome.files[row];
        const QStringList cells = {f.format,
                                   f.file,
                                   f.runtime,
                                   QString("%1 %2").arg(f.compared).arg(f.inputs),
                                   QString("%1%").arg(100.0 * f.agreement, 0, 'f', 1),
                                   QString::number(f.maxProbabilityDifference, 'g', 3)};
        for (int column = 0; column < cells.size(); ++column) {
            auto* item = new QTableWidgetItem(cells[column]);
            item->setToolTip(cells[column]);
            if (column >= 3) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (column == 4) item->setForeground(f.passed ? QColor(30, 130, 30) : Qt::red);
            m_results->setItem(row, column, item);
        }
    }
    QString text = QString(
                       "Bundle written to %1: the model files, labels.json, "
                       "preprocessing.json, parity.json and README.md (the model card). "
                       "Every file matched the in-app model.")
                       .arg(m_outcome.folder);
    if (!m_outcome.notes.isEmpty()) text += " Note: " + m_outcome.notes.join("; ");
    m_status->setText(text);
    Q_EMIT exported(true, m_outcome.folder);
}

}  // namespace fovea::ui
