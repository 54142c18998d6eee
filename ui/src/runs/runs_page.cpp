#include "runs/runs_page.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileSystemWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>

#include "duration_text.h"
#include "fovea/core/count_text.h"
#include "page_header.h"
#include "project/project_session.h"
#include "runs/detection_run_info.h"
#include "runs/run_comparison.h"
#include "widgets/show_folder.h"

namespace fovea::ui {

namespace {

constexpr int kPollIntervalMs = 2000;
constexpr int kFolderRole = Qt::UserRole;

// The comparison draws accuracy and validation loss, which detection runs do not have.
const char* const kDetectionNotCompared =
    "Detection runs cannot be compared here yet: the comparison shows classification accuracy "
    "and loss. Their best mAP and AP50 are in the list.";

QString text(const std::string& value) { return QString::fromStdString(value); }

QString startedText(const std::string& created) {
    const QDateTime time = QDateTime::fromString(text(created), Qt::ISODate);
    return time.isValid() ? time.toLocalTime().toString("yyyy-MM-dd HH:mm") : text(created);
}

QColor statusColour(core::RunStatus status) {
    switch (status) {
        case core::RunStatus::Running:
            return {25, 100, 200};
        case core::RunStatus::Finished:
            return {30, 130, 60};
        case core::RunStatus::Failed:
            return {192, 48, 32};
        case core::RunStatus::Stopped:
        case core::RunStatus::Interrupted:
            return {150, 100, 20};
    }
    return {};
}

// What the table shows of a run, to tell whether anything changed since it was drawn.
QString signatureOf(const QVector<core::RunListing>& runs) {
    QString signature;
    for (const core::RunListing& run : runs) {
        signature += QString("%1|%2|%3|%4|%5|%6\n")
                         .arg(text(run.folder.string()))
                         .arg(static_cast<int>(run.status))
                         .arg(run.epochsDone)
                         .arg(run.bestValidationAccuracy.value_or(-1))
                         .arg(text(run.message))
                         .arg(run.hasModel);
    }
    return signature;
}

// "offline default: /home/…/mobilenet_v2_keras-nsfwjs.safetensors" reads as "offline default",
// a weight file as its name; the tooltip keeps the whole.
QString shortWeights(const QString& source) {
    const int colon = source.indexOf(": ");
    if (colon > 0) return source.left(colon);
    const int slash = source.lastIndexOf('/');
    return slash >= 0 ? source.mid(slash + 1) : source;
}

QTableWidgetItem* cell(const QString& value, const QString& tip = {}) {
    auto* item = new QTableWidgetItem(value);
    item->setToolTip(tip.isEmpty() ? value : tip);
    return item;
}

// What the run trained, on one line: the network and its weights, the input size, the batch,
// optimizer and epochs, the images, and what was frozen.
QString settingsLine(const core::RunConfig& config) {
    const core::RunSettings& s = config.settings;
    const int size = config.preprocessing ? config.preprocessing->cropSize : s.network.imageSize;
    QStringList parts;
    parts << text(s.network.architecture) +
                 (config.weightsSource.empty() ? QString() : " from " + text(config.weightsSource));
    if (size > 0) parts << QString("%1 px").arg(size);
    parts << (s.batchSize == core::kAutoBatchSize ? QString("batch auto")
                                                  : QString("batch %1").arg(s.batchSize));
    parts << QString("%1, learning rate %2")
                 .arg(core::optimizerKindName(s.training.optimizer))
                 .arg(s.training.learningRate);
    parts << text(core::countText(s.training.epochs, "epoch"));
    parts << QString("%1 training and %2 validation images")
                 .arg(config.trainImages)
                 .arg(config.validationImages);
    if (config.frozenBlocks) {
        const auto& frozen = *config.frozenBlocks;
        parts << (frozen.empty()
                      ? QString("every block trained")
                      : QString("frozen: %1 to %2 (%3)")
                            .arg(text(frozen.front()), text(frozen.back()),
                                 text(core::countText(static_cast<std::int64_t>(frozen.size()),
                                                      "block"))));
    }
    return parts.join(" · ");
}

}  // namespace

RunsPage::RunsPage(QWidget* parent)
    : QWidget(parent),
      m_table(new QTableWidget(this)),
      m_details(new QLabel(this)),
      m_emptyNote(new QLabel(this)),
      m_watcher(new QFileSystemWatcher(this)),
      m_pollTimer(new QTimer(this)) {
    setObjectName("runsPage");
    m_table->setObjectName("runsTable");
    m_table->setColumnCount(ColumnCount);
    m_table->setHorizontalHeaderLabels({"Run", "Status", "Network", "Weights", "Started",
                                        "Training time", "Epochs", "Best val. accuracy",
                                        "Best val. loss"});
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->setVisible(false);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle);
    QHeaderView* header = m_table->horizontalHeader();
    header->setSectionResizeMode(QHeaderView::ResizeToContents);
    header->setSectionResizeMode(WeightsColumn, QHeaderView::Stretch);
    // Run names are long (time and architecture): sized to them up to a limit in fillTable, so
    // the figures at the right stay on screen at 1366 x 768; the user can widen it.
    header->setSectionResizeMode(NameColumn, QHeaderView::Interactive);
    header->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    connect(m_table, &QTableWidget::itemSelectionChanged, this, [this] {
        updateButtons();
        showDetails();
    });
    connect(m_table, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
        if (row >= 0 && row < m_runs.size() && m_runs[row].hasModel) {
            Q_EMIT runOpened(text(m_runs[row].folder.string()));
        }
    });

    m_emptyNote->setObjectName("runsEmptyNote");
    m_emptyNote->setWordWrap(true);
    m_emptyNote->setText(
        "No runs yet. Start one on the Train page; runs made with fovea-cli train into this "
        "project's runs/ folder appear here too.");
    m_details->setObjectName("runDetails");
    m_details->setWordWrap(true);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_details->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    // Fixed room for the longest details (name and folder, settings over two lines, a message,
    // the resume line): a height that followed them moved the table as rows were selected.
    m_details->setFixedHeight(m_details->fontMetrics().lineSpacing() * 5 + 4);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(makePageHeader(
        "Runs",
        "Every training run of this project: open, resume, follow, compare or start from one.",
        this));
    layout->addWidget(buildButtons());
    layout->addWidget(m_emptyNote);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_details);

    // A run folder appearing or going changes runs/; a run's own progress does not.
    connect(m_watcher, &QFileSystemWatcher::directoryChanged, this, [this] {
        refresh();
        // Its config.json follows the folder by a moment.
        QTimer::singleShot(500, this, &RunsPage::refresh);
    });
    m_pollTimer->setInterval(kPollIntervalMs);
    connect(m_pollTimer, &QTimer::timeout, this, &RunsPage::refresh);
    setSession(nullptr);
}

QWidget* RunsPage::buildButtons() {
    auto* bar = new QWidget(this);
    auto* row = new QHBoxLayout(bar);
    row->setContentsMargins(0, 0, 0, 0);
    const auto button = [this, bar, row](const QString& label, const QString& name,
                                         const QString& tip) {
        auto* b = new QPushButton(label, bar);
        b->setObjectName(name);
        b->setToolTip(tip);
        row->addWidget(b);
        return b;
    };
    m_open = button("Open", "openRunButton",
                    "Show this run's model on the Evaluate, Predict and Export pages");
    m_resumeTip =
        "Continue a stopped or interrupted run from its checkpoint, with its own settings";
    m_resume = button("Resume", "resumeRunButton", m_resumeTip);
    m_follow = button("Follow", "followRunButton",
                      "Watch a run another process or machine is training (fovea-cli, a "
                      "distributed run) on the Train page: its charts and log as they grow");
    m_startFromTip =
        "Put this run's network and settings on the Model and Train pages for a new run";
    m_startFrom = button("Train Again From This…", "startFromRunButton", m_startFromTip);
    m_compareTip = "Overlay the selected runs' curves and list their settings side by side";
    m_compare = button("Compare", "compareRunsButton", m_compareTip);
    m_rename = button("Rename…", "renameRunButton", "Rename the run's folder");
    m_delete = button("Delete…", "deleteRunButton", "Move the run's folder to the trash");
    m_showFolder =
        button("Show Folder", "showRunFolderButton", "Open the run's folder in the file manager");
    row->addStretch(1);

    connect(m_open, &QPushButton::clicked, this, [this] {
        if (auto run = selectedRun()) Q_EMIT runOpened(text(run->folder.string()));
    });
    connect(m_resume, &QPushButton::clicked, this, [this] {
        if (auto run = selectedRun()) Q_EMIT resumeRequested(text(run->folder.string()));
    });
    connect(m_follow, &QPushButton::clicked, this, [this] {
        if (auto run = selectedRun()) Q_EMIT followRequested(text(run->folder.string()));
    });
    connect(m_startFrom, &QPushButton::clicked, this, [this] {
        if (auto run = selectedRun(); run && run->config) Q_EMIT startFromRequested(*run->config);
    });
    connect(m_compare, &QPushButton::clicked, this, [this] {
        if (RunComparison* comparison = compareRuns(selectedFolders())) comparison->show();
    });
    connect(m_rename, &QPushButton::clicked, this, &RunsPage::askRename);
    connect(m_delete, &QPushButton::clicked, this, &RunsPage::askDelete);
    connect(m_showFolder, &QPushButton::clicked, this, [this] {
        if (auto run = selectedRun()) showFolder(text(run->folder.string()), this);
    });
    return bar;
}

void RunsPage::setSession(ProjectSession* session) {
    m_session = session;
    m_runsFolder = session ? session->runsFolder() : QString();
    showTaskColumns();
    watchRunsFolder();
    m_shownSignature.reset();  // another project: shown afresh, even with no runs
    refresh();
    setEnabled(session != nullptr);
}

void RunsPage::showTaskColumns() {
    // A project is one task, so its runs are all one kind: the headers name their figures.
    const bool detection =
        m_session && m_session->store().projectTask() == core::ProjectTask::Detection;
    QTableWidgetItem* figures = m_table->horizontalHeaderItem(AccuracyColumn);
    figures->setText(detection ? "Best val. mAP · AP50" : "Best val. accuracy");
    figures->setToolTip(detection ? "The best validation mAP@[.5:.95] and AP50 of each run"
                                  : "The best validation accuracy of each run");
    // A detection run has no validation loss (torchvision's losses need training mode).
    m_table->setColumnHidden(LossColumn, detection);
}

void RunsPage::watchRunsFolder() {
    if (!m_watcher->directories().isEmpty()) m_watcher->removePaths(m_watcher->directories());
    if (!m_session) return;
    // The project folder too: runs/ itself appears with the first run.
    m_watcher->addPath(m_session->folder());
    if (QDir(m_runsFolder).exists()) m_watcher->addPath(m_runsFolder);
}

void RunsPage::refresh() {
    if (m_session && QDir(m_runsFolder).exists() &&
        !m_watcher->directories().contains(m_runsFolder)) {
        m_watcher->addPath(m_runsFolder);
    }
    m_runs.clear();
    m_detectionRuns.clear();
    if (m_session) {
        for (auto& run : core::listRuns(m_runsFolder.toStdString())) {
            // Core's catalogue reads classification configs: a detection run's status, epochs
            // and time come from its own files.
            if (auto detection = readDetectionRunInfo(run.folder)) {
                run.status = detection->status;
                run.message = detection->message.toStdString();
                run.epochsDone = detection->epochsDone;
                run.epochsPlanned = detection->settings.epochs;
                run.trainingSeconds = detection->trainingSeconds;
                if (!detection->created.empty()) run.created = detection->created;
                m_detectionRuns.insert(text(run.folder.string()), *detection);
            }
            m_runs << std::move(run);
        }
    }
    const QString signature = signatureOf(m_runs);
    if (m_shownSignature == signature) return;
    m_shownSignature = signature;
    fillTable();
}

void RunsPage::fillTable() {
    const QStringList selected = selectedFolders();
    const QSignalBlocker blocker(m_table);
    m_table->setRowCount(static_cast<int>(m_runs.size()));
    for (int row = 0; row < m_runs.size(); ++row) {
        const core::RunListing& run = m_runs[row];
        const QString folder = text(run.folder.string());
        auto* name = cell(text(run.name), folder);
        name->setData(kFolderRole, folder);
        m_table->setItem(row, NameColumn, name);
        QString status = core::runStatusName(run.status);
        status[0] = status[0].toUpper();
        auto* statusItem = cell(status, run.message.empty() ? status : text(run.message));
        statusItem->setForeground(statusColour(run.status));
        m_table->setItem(row, StatusColumn, statusItem);
        const auto* config = run.config ? &*run.config : nullptr;
        m_table->setItem(row, StartedColumn, cell(startedText(run.created), text(run.created)));
        m_table->setItem(row, TimeColumn, cell(durationText(run.trainingSeconds)));
        const auto detection = m_detectionRuns.constFind(folder);
        if (detection != m_detectionRuns.constEnd()) {
            fillDetectionRow(row, *detection);
            continue;
        }
        m_table->setItem(row, ArchitectureColumn,
                         cell(config ? text(config->settings.network.architecture) : "?"));
        const QString weights = config ? text(config->weightsSource) : QString("?");
        m_table->setItem(row, WeightsColumn, cell(shortWeights(weights), weights));
        m_table->setItem(row, EpochsColumn,
                         cell(QString("%1/%2").arg(run.epochsDone).arg(run.epochsPlanned)));
        m_table->setItem(row, AccuracyColumn,
                         cell(run.bestValidationAccuracy
                                  ? QString("%1%").arg(100 * *run.bestValidationAccuracy, 0, 'f', 1)
                                  : QString("–")));
        m_table->setItem(
            row, LossColumn,
            cell(run.bestValidationLoss ? QString::number(*run.bestValidationLoss, 'f', 4)
                                        : QString("–")));
    }
    m_table->resizeColumnToContents(NameColumn);
    const int nameWidth = 30 * m_table->fontMetrics().averageCharWidth();  // cut in the middle
    m_table->setColumnWidth(NameColumn, std::min(m_table->columnWidth(NameColumn), nameWidth));
    m_emptyNote->setVisible(m_runs.isEmpty());
    selectRuns(selected);
    updateButtons();
    showDetails();
}

void RunsPage::fillDetectionRow(int row, const DetectionRunInfo& run) {
    m_table->setItem(row, ArchitectureColumn, cell(text(run.settings.architecture)));
    m_table->setItem(row, WeightsColumn, cell(shortWeights(run.weights), run.weights));
    m_table->setItem(row, EpochsColumn,
                     cell(QString("%1/%2").arg(run.epochsDone).arg(run.settings.epochs)));
    auto figure = [](const std::optional<double>& value) {
        return value ? QString::number(*value, 'f', 3) : QString("–");
    };
    // COCO's figures, not an accuracy: the header names them, the tooltip says them in full.
    // No epoch validated yet: one dash, as a classification run's.
    const bool none = !run.bestMap && !run.bestAp50;
    m_table->setItem(row, AccuracyColumn,
                     cell(none ? QString("–")
                               : QString("%1 · %2").arg(figure(run.bestMap), figure(run.bestAp50)),
                          QString("Best validation mAP@[.5:.95] %1 and AP50 %2")
                              .arg(figure(run.bestMap), figure(run.bestAp50))));
    m_table->setItem(row, LossColumn, cell("–", "Detection runs have no validation loss"));
}

std::optional<core::RunListing> RunsPage::latestFinishedRun() const {
    for (const core::RunListing& run : m_runs) {
        if (run.status == core::RunStatus::Finished && run.hasModel) return run;
    }
    return std::nullopt;
}

void RunsPage::selectRuns(const QStringList& folders) {
    const QSignalBlocker blocker(m_table);
    m_table->clearSelection();
    for (int row = 0; row < m_table->rowCount(); ++row) {
        if (!folders.contains(m_table->item(row, NameColumn)->data(kFolderRole).toString())) {
            continue;
        }
        for (int column = 0; column < ColumnCount; ++column) {
            m_table->item(row, column)->setSelected(true);
        }
    }
    updateButtons();
    showDetails();
}

QStringList RunsPage::selectedFolders() const {
    QStringList folders;
    for (int row = 0; row < m_table->rowCount(); ++row) {
        QTableWidgetItem* name = m_table->item(row, NameColumn);
        if (name && name->isSelected()) folders << name->data(kFolderRole).toString();
    }
    return folders;
}

std::optional<core::RunListing> RunsPage::selectedRun() const {
    const QStringList folders = selectedFolders();
    if (folders.size() != 1) return std::nullopt;
    for (const core::RunListing& run : m_runs) {
        if (text(run.folder.string()) == folders.front()) return run;
    }
    return std::nullopt;
}

void RunsPage::setTrainingActive(bool active) {
    m_trainingActive = active;
    updateButtons();
}

void RunsPage::updateButtons() {
    const auto run = selectedRun();
    const bool running = run && run->status == core::RunStatus::Running;
    m_open->setEnabled(run && run->hasModel);
    // Why not, where the button cannot say it itself.
    m_open->setToolTip(run && !run->hasModel
                           ? QString("This run has no model yet: it ended before its last "
                                     "epoch. Resume it to finish it.")
                           : QString("Show this run's model on the Evaluate, Predict and Export "
                                     "pages"));
    m_resume->setEnabled(!m_trainingActive && run && canResume(*run));
    m_follow->setEnabled(running);
    m_startFrom->setEnabled(!m_trainingActive && run && run->config.has_value());
    const QString busy = "A run is training in this window: wait for it to end or stop it.";
    m_resume->setToolTip(m_trainingActive ? busy : m_resumeTip);
    // A greyed button says why where the reason is not the selection itself.
    const bool detectionRun = run && m_detectionRuns.contains(text(run->folder.string()));
    m_startFrom->setToolTip(m_trainingActive ? busy
                            : detectionRun
                                ? QString("A detection run's settings cannot be put back on the "
                                          "pages yet: its settings are listed below, to set on "
                                          "the Model and Train pages")
                                : m_startFromTip);
    const bool detectionSelected = holdsDetectionRuns(selectedFolders());
    m_compare->setEnabled(selectedFolders().size() >= 2 && !detectionSelected);
    m_compare->setToolTip(detectionSelected ? kDetectionNotCompared : m_compareTip);
    m_rename->setEnabled(run && !running);
    m_delete->setEnabled(run && !running);
    m_showFolder->setEnabled(run.has_value());
}

bool RunsPage::canResume(const core::RunListing& run) const {
    if (!m_detectionRuns.contains(text(run.folder.string()))) return run.resumable();
    // resumable() asks for a classification config, which a detection run does not have; the
    // rest is the same: ended early, with a checkpoint to continue from.
    const bool ended = run.status == core::RunStatus::Stopped ||
                       run.status == core::RunStatus::Interrupted ||
                       run.status == core::RunStatus::Failed;
    return run.hasCheckpoint && ended && run.epochsDone < run.epochsPlanned;
}

void RunsPage::showDetails() {
    const auto run = selectedRun();
    if (!run) {
        const int selected = static_cast<int>(selectedFolders().size());
        const QString compared = holdsDetectionRuns(selectedFolders())
                                     ? kDetectionNotCompared
                                     : QString("Compare shows them side by side.");
        m_details->setText(selected > 1
                               ? QString("%1 runs selected: %2").arg(selected).arg(compared)
                               : QString("Select a run to see more."));
        return;
    }
    QString details =
        QString("<b>%1</b> &nbsp; %2")
            .arg(text(run->name).toHtmlEscaped(), text(run->folder.string()).toHtmlEscaped());
    if (run->config) details += "<br>" + settingsLine(*run->config).toHtmlEscaped();
    if (const auto detection = m_detectionRuns.constFind(text(run->folder.string()));
        detection != m_detectionRuns.constEnd()) {
        details += "<br>" + detectionSettingsLine(*detection).toHtmlEscaped();
    }
    if (!run->message.empty()) {
        const QString message = text(run->message).toHtmlEscaped();
        details += run->status == core::RunStatus::Failed
                       ? QString("<br><font color='#c03020'>%1</font>").arg(message)
                       : "<br>" + message;
    }
    if (canResume(*run)) {
        details += QString("<br>Resume continues it from epoch %1 of %2.")
                       .arg(run->epochsDone + 1)
                       .arg(run->epochsPlanned);
    } else if (run->status == core::RunStatus::Interrupted && !run->hasCheckpoint) {
        details += "<br>It ended before its first checkpoint: nothing to resume from.";
    }
    m_details->setText(details);
    m_details->setToolTip(details);  // whole, where a long message runs past the room
}

bool RunsPage::renameRun(const QString& folder, const QString& newName, QString* error) {
    auto renamed = core::renameRun(folder.toStdString(), newName.trimmed().toStdString());
    if (!renamed) {
        if (error) *error = text(renamed.error().message);
        return false;
    }
    const QString to = text(renamed.value().string());
    refresh();
    selectRuns({to});
    Q_EMIT runMoved(folder, to);
    return true;
}

bool RunsPage::deleteRun(const QString& folder, QString* error) {
    for (const core::RunListing& run : m_runs) {
        if (text(run.folder.string()) == folder && run.status == core::RunStatus::Running) {
            if (error) *error = QString("%1 is training; stop it first.").arg(text(run.name));
            return false;
        }
    }
    if (!QFile::moveToTrash(folder) && !QDir(folder).removeRecursively()) {
        if (error) *error = QString("Cannot delete %1 (check its permissions).").arg(folder);
        return false;
    }
    refresh();
    Q_EMIT runMoved(folder, {});
    return true;
}

bool RunsPage::holdsDetectionRuns(const QStringList& folders) const {
    return std::any_of(folders.begin(), folders.end(),
                       [this](const QString& folder) { return m_detectionRuns.contains(folder); });
}

RunComparison* RunsPage::compareRuns(const QStringList& folders) {
    if (folders.size() < 2) return nullptr;
    if (holdsDetectionRuns(folders)) {
        m_details->setText(kDetectionNotCompared);
        return nullptr;
    }
    auto* comparison = new RunComparison(folders, this);
    comparison->setAttribute(Qt::WA_DeleteOnClose);
    return comparison;
}

void RunsPage::askRename() {
    const auto run = selectedRun();
    if (!run) return;
    // Wide enough for the whole name (a time stamp and the architecture).
    QInputDialog dialog(this);
    dialog.setWindowTitle("Rename Run");
    dialog.setLabelText("New name of the run folder:");
    dialog.setTextValue(text(run->name));
    dialog.resize(std::max(420, dialog.fontMetrics().horizontalAdvance(text(run->name)) + 120),
                  dialog.sizeHint().height());
    const bool ok = dialog.exec() == QDialog::Accepted;
    const QString name = dialog.textValue();
    if (!ok || name.trimmed() == text(run->name)) return;
    QString error;
    if (!renameRun(text(run->folder.string()), name, &error)) {
        QMessageBox::warning(this, "Rename Run", error);
    }
}

void RunsPage::askDelete() {
    const auto run = selectedRun();
    if (!run) return;
    // No is the default: Enter alone never throws a run away.
    const auto answer = QMessageBox::question(
        this, "Delete Run",
        QString("Move the run %1 to the trash?\n\nIts model, checkpoints and curves go with it.")
            .arg(text(run->name)),
        QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
    if (answer != QMessageBox::Yes) return;
    QString error;
    if (!deleteRun(text(run->folder.string()), &error)) {
        QMessageBox::warning(this, "Delete Run", error);
    }
}

void RunsPage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    refresh();
    m_pollTimer->start();
}

void RunsPage::hideEvent(QHideEvent* event) {
    QWidget::hideEvent(event);
    m_pollTimer->stop();
}

}  // namespace fovea::ui
