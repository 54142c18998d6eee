#include "health/health_page.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "data/thumbnail_cache.h"
#include "gui_wording.h"
#include "health/class_balance_view.h"
#include "health/duplicates_view.h"
#include "health/embedding_map_view.h"
#include "health/label_issues_view.h"
#include "health/map_projection_bar.h"
#include "health/unreadable_view.h"
#include "page_header.h"
#include "project/project_session.h"
#include "widgets/background_job.h"
#include "widgets/job_progress_bar.h"

namespace fovea::ui {

namespace {

constexpr int kThumbnailSide = 72;

QString countTitle(const QString& name, std::size_t count) {
    return count == 0 ? name : QString("%1 (%2)").arg(name).arg(count);
}

}  // namespace

HealthPage::HealthPage(QWidget* parent)
    : QWidget(parent),
      m_job(new BackgroundJob(this)),
      m_thumbnails(new ThumbnailCache(kThumbnailSide, this)) {
    setObjectName("healthPage");
    m_check = new QPushButton("Check Dataset", this);
    m_check->setObjectName("checkDatasetButton");
    m_check->setToolTip(
        "Reads every image in full and compares them, with the network's view of each "
        "(computed once and kept with the project).");
    connect(m_check, &QPushButton::clicked, this, &HealthPage::checkDataset);
    m_progress = new JobProgressBar(this);
    m_note = new QLabel(this);
    m_note->setObjectName("healthNote");
    m_note->setWordWrap(true);
    m_note->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Room for two lines whether the note has one or two, so the tabs never move.
    m_note->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_note->setMinimumHeight(2 * m_note->fontMetrics().lineSpacing());

    m_duplicates = new DuplicatesView(m_thumbnails, this);
    m_labelIssues = new LabelIssuesView(m_thumbnails, this);
    m_classes = new ClassBalanceView(this);
    m_unreadable = new UnreadableView(this);
    m_map = new EmbeddingMapView(m_thumbnails, this);
    m_projection = new MapProjectionBar(this);
    connect(m_projection, &MapProjectionBar::mapChosen, m_map, &EmbeddingMapView::showMap);
    auto* mapTab = new QWidget(this);
    auto* mapLayout = new QVBoxLayout(mapTab);
    mapLayout->addWidget(m_projection);
    mapLayout->addWidget(m_map, 1);
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName("healthTabs");
    m_tabs->insertTab(DuplicatesTab, m_duplicates, "Duplicates");
    m_tabs->insertTab(LabelIssuesTab, m_labelIssues, "Label issues");
    m_tabs->insertTab(ClassesTab, m_classes, "Classes");
    m_tabs->insertTab(UnreadableTab, m_unreadable, "Unreadable");
    m_tabs->insertTab(MapTab, mapTab, "Map");
    connect(m_duplicates, &DuplicatesView::imageActivated, this, &HealthPage::imageActivated);
    connect(m_labelIssues, &LabelIssuesView::imageActivated, this, &HealthPage::imageActivated);
    connect(m_unreadable, &UnreadableView::imageActivated, this, &HealthPage::imageActivated);
    connect(m_map, &EmbeddingMapView::imageActivated, this, &HealthPage::imageActivated);

    auto* top = new QHBoxLayout;
    top->addWidget(m_check);
    top->addWidget(m_progress, 1);
    top->addStretch(0);  // the button keeps its size while the progress strip is hidden
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(makePageHeader(
        "Health",
        "Before training: duplicates and leaks between splits, labels that look wrong, class "
        "balance, unreadable files, and a map of the images as the network sees them.",
        this));
    layout->addLayout(top);
    layout->addWidget(m_note);
    layout->addWidget(m_tabs, 1);

    connect(m_job, &BackgroundJob::finished, this, &HealthPage::onJobFinished);
    setSession(nullptr);
}

HealthPage::~HealthPage() {
    // The job writes m_pending from its thread: stop and join it while the members still exist.
    delete m_job;
}

void HealthPage::setSession(ProjectSession* session) {
    m_job->cancel();
    ++m_generation;  // a check-up still running belongs to the old project: its result is dropped
    m_session = session;
    m_duplicates->setSession(session);
    m_labelIssues->setSession(session);
    m_map->setSession(session);
    m_thumbnails->clear();
    clearFindings();
    m_check->setEnabled(session != nullptr && !m_job->isRunning());
    // The header says what a check finds; the note says what it costs and what it leaves.
    m_note->setText(session ? "Not checked yet. Check Dataset reads every image of the project "
                              "once; it changes nothing until you say so."
                            : QString());
}

void HealthPage::clearFindings() {
    m_checkup.reset();
    m_duplicates->clear();
    m_labelIssues->showIssues({});
    m_classes->clear();
    m_unreadable->showFiles({});
    m_projection->setEmbeddings({}, {}, {}, {});
    m_tabs->setTabText(DuplicatesTab, "Duplicates");
    m_tabs->setTabText(LabelIssuesTab, "Label issues");
    m_tabs->setTabText(UnreadableTab, "Unreadable");
}

bool HealthPage::checkDataset() {
    if (!m_session || m_job->isRunning()) return false;
    const QString folder = m_session->folder();
    m_jobGeneration = m_generation;
    m_pending.reset();
    const bool started = m_job->start([this, folder](BackgroundJob& job) -> BackgroundJob::Outcome {
        auto checkup = runHealthCheckup(folder, job.cancelFlag(),
                                        [&job](qint64 done, qint64 total, const QString& stage) {
                                            job.reportProgress(done, total, stage);
                                        });
        if (!checkup) return {false, QString::fromStdString(checkup.error().message)};
        m_pending = std::move(checkup).value();  // read on the GUI thread once finished() arrives
        return {true, {}};
    });
    if (!started) return false;
    m_progress->track(m_job, "Checking the dataset");
    m_check->setEnabled(false);
    m_note->setText(
        "Checking: every image is decoded in full and compared; the network's view of each is "
        "computed once and kept with the project, so a second check is quicker.");
    return true;
}

void HealthPage::onJobFinished(bool ok, const QString& message) {
    m_check->setEnabled(m_session != nullptr);
    if (m_jobGeneration != m_generation) return;  // another project is open now
    if (!ok) {
        m_note->setText("<font color='#c03020'>" +
                        ("The check failed: " + inGuiWords(message)).toHtmlEscaped() + "</font>");
        Q_EMIT checked(false, message);
        return;
    }
    m_checkup = std::move(m_pending);
    m_pending.reset();
    showCheckup();
    // The suspected labels (hundreds of rows), then the map (thousands of points), each in a
    // turn of the event loop of its own, so that no turn keeps the window still for long; the
    // check counts as shown once the map is drawn.
    inNextTurn([this] {
        const core::HealthReport& health = m_checkup->report.health;
        m_labelIssues->showIssues(health.labelIssues, health.labelsChecked, health.labelAgreement);
        inNextTurn([this] {
            m_projection->setEmbeddings(m_checkup->mapImages, m_checkup->mapVectors, m_checkup->map,
                                        m_checkup->mapError);
            Q_EMIT checked(true, {});
        });
    });
}

void HealthPage::inNextTurn(std::function<void()> step) {
    QTimer::singleShot(0, this, [this, generation = m_generation, step = std::move(step)] {
        if (generation == m_generation && m_checkup) step();  // else another project is open
    });
}

void HealthPage::showCheckup() {
    const core::CheckupReport& report = m_checkup->report;
    const core::HealthReport& health = report.health;
    m_duplicates->showFindings(health.duplicates);
    m_classes->showReport(health);
    m_unreadable->showFiles(health.unreadable);
    m_tabs->setTabText(DuplicatesTab, countTitle("Duplicates", health.duplicates.size()));
    m_tabs->setTabText(LabelIssuesTab, countTitle("Label issues", health.labelIssues.size()));
    m_tabs->setTabText(UnreadableTab, countTitle("Unreadable", health.unreadable.size()));
    m_note->setText(
        QString("Checked %1 images with %2 (the check's own size, whatever the run's): %3 "
                "embeddings from the cache, %4 computed. The findings are as at the check; fixes "
                "made here are undoable (Ctrl+Z).")
            .arg(health.imagesChecked)
            .arg(QString::fromStdString(report.backbone))
            .arg(report.embeddingsCached)
            .arg(report.embeddingsComputed));
}

}  // namespace fovea::ui
