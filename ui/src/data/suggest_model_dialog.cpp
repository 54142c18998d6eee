#include "data/suggest_model_dialog.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>
#include <cmath>

#include "fovea/core/session/run_catalogue.h"

namespace fovea::ui {

namespace {

constexpr int kFolderRole = Qt::UserRole;

QString runText(const core::RunListing& run) {
    QString text = QString::fromStdString(run.name);
    QStringList facts;
    if (run.config) facts << QString::fromStdString(run.config->settings.network.architecture);
    if (run.bestValidationAccuracy) {
        facts << QString("best validation accuracy %1 %")
                     .arg(std::lround(*run.bestValidationAccuracy * 100));
    }
    if (!run.created.empty()) facts << QString::fromStdString(run.created).left(10);
    if (!facts.isEmpty()) text += "  —  " + facts.join(", ");
    return text;
}

}  // namespace

SuggestModelDialog::SuggestModelDialog(const QString& runsFolder, QWidget* parent)
    : QDialog(parent), m_runs(new QListWidget(this)), m_chosen(new QLabel(this)) {
    setObjectName("suggestModelDialog");
    setWindowTitle("Suggest Labels");
    auto* intro = new QLabel(
        "A trained model predicts every unlabeled image of the project; each gets the class it "
        "suggests and how sure the model is. Suggestions stay apart from labels until you "
        "accept them (Enter, or Accept all).",
        this);
    intro->setWordWrap(true);

    m_runs->setObjectName("suggestRunList");
    for (const auto& run : core::listRuns(runsFolder.toStdString())) {
        if (!run.hasModel) continue;
        auto* item = new QListWidgetItem(runText(run), m_runs);
        item->setData(kFolderRole, QString::fromStdString(run.folder.string()));
        item->setToolTip(QString::fromStdString(run.folder.string()));
    }
    if (m_runs->count() > 0) {
        m_runs->setCurrentRow(0);
    } else {
        m_runs->addItem(
            "No run of this project has a model yet: train one, or choose one "
            "from disk.");
        m_runs->item(0)->setFlags(Qt::NoItemFlags);
    }
    connect(m_runs, &QListWidget::currentRowChanged, this, [this] {
        m_other.clear();
        updateChoice();
    });

    auto* browseFolder = new QPushButton("Run or Bundle Folder…", this);
    browseFolder->setObjectName("suggestBrowseFolderButton");
    connect(browseFolder, &QPushButton::clicked, this, [this] {
        const QString folder =
            QFileDialog::getExistingDirectory(this, "Suggest with a Run Folder or Model Bundle");
        if (!folder.isEmpty()) setModelSource(folder);
    });
    auto* browseFile = new QPushButton("Model File…", this);
    browseFile->setObjectName("suggestBrowseFileButton");
    connect(browseFile, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(
            this, "Suggest with a Model File", QString(), "Models (*.safetensors);;All files (*)");
        if (!file.isEmpty()) setModelSource(file);
    });
    auto* browse = new QHBoxLayout;
    browse->addWidget(browseFolder);
    browse->addWidget(browseFile);
    browse->addStretch(1);

    m_chosen->setObjectName("suggestModelChosen");
    m_chosen->setWordWrap(true);
    m_chosen->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText("Suggest");
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(new QLabel("Runs of this project:", this));
    layout->addWidget(m_runs, 1);
    layout->addLayout(browse);
    layout->addWidget(m_chosen);
    layout->addWidget(m_buttons);
    resize(560, 380);
    updateChoice();
}

QString SuggestModelDialog::modelSource() const {
    if (!m_other.isEmpty()) return m_other;
    const QListWidgetItem* item = m_runs->currentItem();
    return item ? item->data(kFolderRole).toString() : QString();
}

void SuggestModelDialog::setModelSource(const QString& source) {
    const QString clean = QDir::cleanPath(source);
    for (int row = 0; row < m_runs->count(); ++row) {
        if (QDir::cleanPath(m_runs->item(row)->data(kFolderRole).toString()) == clean) {
            m_runs->setCurrentRow(row);  // clears m_other
            return;
        }
    }
    {
        const QSignalBlocker quiet(m_runs);
        m_runs->setCurrentRow(-1);
    }
    m_other = clean;
    updateChoice();
}

void SuggestModelDialog::updateChoice() {
    const QString source = modelSource();
    m_chosen->setText(source.isEmpty() ? QString("Choose a run, or a model from disk.")
                                       : "Model: " + source);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!source.isEmpty());
}

}  // namespace fovea::ui
