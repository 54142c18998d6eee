#include "runs/run_choice_dialog.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <cmath>

#include "fovea/core/session/run_catalogue.h"
#include "runs/detection_run_info.h"
#include "widgets/dialog_folders.h"

namespace fovea::ui {

namespace {

constexpr int kFolderRole = Qt::UserRole;

// A run's architecture and best validation figure. core's listing reads a classifier's
// config.json only; a detection run's (issue 24) is read here, its figure the best mAP.
struct RunFacts {
    QString architecture;
    QString figure = "—";
    double score = -1.0;  // which run the dialog opens on: the highest
};

RunFacts runFacts(const core::RunListing& run) {
    RunFacts facts;
    if (run.config) {
        facts.architecture = QString::fromStdString(run.config->settings.network.architecture);
        if (run.bestValidationAccuracy) {
            facts.score = *run.bestValidationAccuracy;
            facts.figure = QString("%1 %").arg(std::lround(facts.score * 100));
        }
    } else if (const auto detection = readDetectionRunInfo(run.folder)) {
        facts.architecture = QString::fromStdString(detection->settings.architecture);
        if (detection->bestMap) {
            facts.score = *detection->bestMap;
            facts.figure = QString("mAP %1").arg(facts.score, 0, 'f', 3);
        }
    }
    return facts;
}

// Columns, not one line per run: a long run name with its facts was cut at the dialog's edge.
QStringList runColumns(const core::RunListing& run, const RunFacts& facts) {
    return {QString::fromStdString(run.name), facts.architecture, facts.figure,
            QString::fromStdString(run.created).left(10)};
}

}  // namespace

RunChoiceDialog::RunChoiceDialog(const QString& runsFolder, const RunChoicePurpose& purpose,
                                 QWidget* parent)
    : QDialog(parent),
      m_runsFolder(runsFolder),
      m_runs(new QTreeWidget(this)),
      m_chosen(new QLabel(this)) {
    setObjectName(purpose.objectPrefix + "ModelDialog");
    setWindowTitle(purpose.title);
    auto* intro = new QLabel(purpose.intro, this);
    intro->setWordWrap(true);

    m_runs->setObjectName(purpose.objectPrefix + "RunList");
    m_runs->setRootIsDecorated(false);
    m_runs->setUniformRowHeights(true);
    m_runs->setHeaderLabels({"Run", "Architecture", "Best validation", "Date"});
    m_runs->header()->setStretchLastSection(false);
    m_runs->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_runs->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    QTreeWidgetItem* best = nullptr;
    double bestAccuracy = -1.0;
    for (const auto& run : core::listRuns(runsFolder.toStdString())) {
        if (!run.hasModel) continue;
        const RunFacts facts = runFacts(run);
        auto* item = new QTreeWidgetItem(m_runs, runColumns(run, facts));
        // Newest first: among equally accurate runs the newest stays chosen.
        if (!best || facts.score > bestAccuracy) {
            best = item;
            bestAccuracy = facts.score;
        }
        const QString folder = QString::fromStdString(run.folder.string());
        item->setData(0, kFolderRole, folder);
        for (int column = 0; column < item->columnCount(); ++column)
            item->setToolTip(column, folder);
        item->setTextAlignment(2, Qt::AlignRight | Qt::AlignVCenter);
    }
    if (best) {
        m_runs->setCurrentItem(best);  // the page's own model, if any, is chosen by choose()
    } else {
        auto* none = new QTreeWidgetItem(
            m_runs, {"No run of this project has a model yet: train one, or choose one from "
                     "disk."});
        none->setFlags(Qt::NoItemFlags);
        none->setFirstColumnSpanned(true);
    }
    connect(m_runs, &QTreeWidget::currentItemChanged, this, [this] {
        m_other.clear();
        updateChoice();
    });

    auto* browseFolder =
        new QPushButton(purpose.bundles ? "Run or Bundle Folder…" : "Run Folder…", this);
    browseFolder->setObjectName(purpose.objectPrefix + "BrowseFolderButton");
    connect(browseFolder, &QPushButton::clicked, this, [this, title = purpose.title] {
        const QString folder =
            QFileDialog::getExistingDirectory(this, title, dialogFolder("models", m_runsFolder));
        if (folder.isEmpty()) return;
        rememberDialogFolder("models", folder);
        setModelSource(folder);
    });
    auto* browseFile = new QPushButton("Model File…", this);
    browseFile->setObjectName(purpose.objectPrefix + "BrowseFileButton");
    browseFile->setVisible(purpose.modelFiles);
    connect(browseFile, &QPushButton::clicked, this, [this, title = purpose.title] {
        const QString file =
            QFileDialog::getOpenFileName(this, title, dialogFolder("models", m_runsFolder),
                                         "Models (*.safetensors);;All files (*)");
        if (file.isEmpty()) return;
        rememberDialogFolder("models", file);
        setModelSource(file);
    });
    auto* browse = new QHBoxLayout;
    browse->addWidget(browseFolder);
    browse->addWidget(browseFile);
    browse->addStretch(1);

    m_chosen->setObjectName(purpose.objectPrefix + "ModelChosen");
    m_chosen->setWordWrap(true);
    m_chosen->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(purpose.acceptText);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(new QLabel("Runs of this project:", this));
    layout->addWidget(m_runs, 1);
    layout->addLayout(browse);
    layout->addWidget(m_chosen);
    layout->addWidget(m_buttons);
    resize(680, 380);
    updateChoice();
}

QString RunChoiceDialog::choose(const QString& runsFolder, const RunChoicePurpose& purpose,
                                const QString& current, QWidget* parent) {
    RunChoiceDialog dialog(runsFolder, purpose, parent);
    if (!current.isEmpty()) dialog.setModelSource(current);
    return dialog.exec() == QDialog::Accepted ? dialog.modelSource() : QString();
}

QString RunChoiceDialog::modelSource() const {
    if (!m_other.isEmpty()) return m_other;
    const QTreeWidgetItem* item = m_runs->currentItem();
    return item ? item->data(0, kFolderRole).toString() : QString();
}

void RunChoiceDialog::setModelSource(const QString& source) {
    const QString clean = QDir::cleanPath(source);
    for (int row = 0; row < m_runs->topLevelItemCount(); ++row) {
        QTreeWidgetItem* item = m_runs->topLevelItem(row);
        if (QDir::cleanPath(item->data(0, kFolderRole).toString()) == clean) {
            m_runs->setCurrentItem(item);  // clears m_other
            return;
        }
    }
    {
        const QSignalBlocker quiet(m_runs);
        m_runs->setCurrentItem(nullptr);
    }
    m_other = clean;
    updateChoice();
}

void RunChoiceDialog::updateChoice() {
    const QString source = modelSource();
    m_chosen->setText(source.isEmpty() ? QString("Choose a run, or one from disk.")
                                       : "Model: " + source);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!source.isEmpty());
}

SuggestModelDialog::SuggestModelDialog(const QString& runsFolder, QWidget* parent)
    : RunChoiceDialog(runsFolder,
                      {"suggest", "Suggest Labels",
                       "A trained model predicts every unlabeled image of the project; each gets "
                       "the class it suggests and how sure the model is. Suggestions stay apart "
                       "from labels until you accept them (Enter, or Accept all).",
                       "Suggest", /*bundles=*/true, /*modelFiles=*/true},
                      parent) {}

}  // namespace fovea::ui
