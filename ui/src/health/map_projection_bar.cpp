#include "health/map_projection_bar.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QStandardItemModel>

#include "widgets/background_job.h"
#include "widgets/job_progress_bar.h"

namespace fovea::ui {

MapProjectionBar::MapProjectionBar(QWidget* parent)
    : QWidget(parent),
      m_job(new BackgroundJob(this)),
      m_progress(new JobProgressBar(this)),
      m_choice(new QComboBox(this)) {
    setObjectName("mapProjectionBar");
    m_choice->setObjectName("mapProjectionCombo");
    m_choice->addItem("Principal components", PrincipalComponents);
    m_choice->setItemData(PrincipalComponents,
                          "The two directions in which the images differ most: quick, and "
                          "distances keep their meaning",
                          Qt::ToolTipRole);
    m_choice->addItem("t-SNE", Tsne);
    m_choice->setItemData(Tsne,
                          QString("Keeps each image near the ones most like it: clusters show "
                                  "apart that principal components overlap (computed once per "
                                  "check, up to %1 images)")
                              .arg(core::kMaxTsnePoints),
                          Qt::ToolTipRole);
    connect(m_choice, &QComboBox::activated, this,
            [this](int index) { setProjection(static_cast<Projection>(index)); });
    auto* label = new QLabel("Projection:", this);
    label->setBuddy(m_choice);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(label);
    layout->addWidget(m_choice);
    layout->addWidget(m_progress, 1);
    layout->addStretch(0);
    connect(m_job, &BackgroundJob::finished, this, &MapProjectionBar::onFinished);
    setEmbeddings({}, {}, {}, {});
}

MapProjectionBar::~MapProjectionBar() {
    // The job writes m_pending from its thread: stop and join it while the members still exist.
    delete m_job;
}

void MapProjectionBar::setEmbeddings(std::vector<core::ImageId> images,
                                     std::vector<std::vector<float>> vectors,
                                     core::EmbeddingMap principalComponents, const QString& error) {
    m_job->cancel();
    ++m_generation;
    m_images = std::move(images);
    m_vectors = std::move(vectors);
    m_principalComponents = std::move(principalComponents);
    m_error = error;
    m_tsne.reset();
    const bool tooMany = m_vectors.size() > core::kMaxTsnePoints;
    if (auto* model = qobject_cast<QStandardItemModel*>(m_choice->model())) {
        model->item(Tsne)->setEnabled(!m_vectors.empty() && m_error.isEmpty() && !tooMany);
    }
    m_choice->setCurrentIndex(PrincipalComponents);
    m_choice->setEnabled(!m_images.empty());
    showChosen();
}

MapProjectionBar::Projection MapProjectionBar::projection() const {
    return static_cast<Projection>(m_choice->currentIndex());
}

bool MapProjectionBar::setProjection(Projection projection) {
    if (projection == Tsne && !m_tsne) {
        if (m_vectors.empty() || !m_error.isEmpty() || m_vectors.size() > core::kMaxTsnePoints ||
            m_job->isRunning()) {
            m_choice->setCurrentIndex(PrincipalComponents);  // no t-SNE map here yet
            return false;
        }
        m_jobGeneration = m_generation;
        const std::vector<std::vector<float>> vectors = m_vectors;
        m_job->start([this, vectors](BackgroundJob& job) -> BackgroundJob::Outcome {
            core::TsneOptions options;
            options.cancel = job.cancelFlag();
            options.progress = [&job](int done, int total) {
                job.reportProgress(done, total, QString("iteration %1 of %2").arg(done).arg(total));
            };
            auto map = core::tsneMap(vectors, options);
            if (!map) return {false, QString::fromStdString(map.error().message)};
            m_pending = std::move(map).value();
            return {true, {}};
        });
        m_progress->track(m_job, "Computing the t-SNE map");
        m_choice->setCurrentIndex(Tsne);
        return true;  // drawn when it finishes
    }
    m_choice->setCurrentIndex(projection);
    showChosen();
    return true;
}

void MapProjectionBar::onFinished(bool ok, const QString&) {
    if (m_jobGeneration != m_generation) return;  // another check meanwhile
    if (!ok) {  // cancelled or failed: the progress strip says which; PCA stays drawn
        m_choice->setCurrentIndex(PrincipalComponents);
        showChosen();
        return;
    }
    m_tsne = std::move(m_pending);
    m_pending = {};
    showChosen();
}

void MapProjectionBar::showChosen() {
    if (projection() == Tsne && m_tsne) {
        Q_EMIT mapChosen(m_images, *m_tsne, {}, "t-SNE axis");
    } else if (projection() == PrincipalComponents) {
        Q_EMIT mapChosen(m_images, m_principalComponents, m_error, "principal component");
    }
}

}  // namespace fovea::ui
