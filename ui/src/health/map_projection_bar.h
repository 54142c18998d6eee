#pragma once

#include <QString>
#include <QWidget>
#include <optional>
#include <vector>

#include "fovea/core/project/project_types.h"
#include "fovea/core/session/embedding_map.h"

class QComboBox;

namespace fovea::ui {

class BackgroundJob;
class JobProgressBar;

// Above the Health page's map: which projection draws the embeddings. Principal components
// come with the check; t-SNE (clusters that PCA's two axes overlap) is computed in the
// background the first time it is chosen, with progress and Cancel, and kept until the next
// check. Emits mapChosen with what to draw.
class MapProjectionBar : public QWidget {
    Q_OBJECT
  public:
    enum Projection { PrincipalComponents = 0, Tsne = 1 };

    explicit MapProjectionBar(QWidget* parent = nullptr);
    ~MapProjectionBar() override;

    // A check's embeddings (`vectors[i]` of `images[i]`) and their PCA map (or why there is
    // none); shows the PCA map. Empty: no check yet.
    void setEmbeddings(std::vector<core::ImageId> images, std::vector<std::vector<float>> vectors,
                       core::EmbeddingMap principalComponents, const QString& error);
    // Draws the embeddings with `projection`; false when t-SNE cannot be computed now (no
    // embeddings, too many, or a computation already running).
    bool setProjection(Projection projection);
    Projection projection() const;
    BackgroundJob* job() const { return m_job; }

  Q_SIGNALS:
    // `axis` names the map's axes ("principal component", "t-SNE axis").
    void mapChosen(const std::vector<fovea::core::ImageId>& images,
                   const fovea::core::EmbeddingMap& map, const QString& error, const QString& axis);

  private:
    void onFinished(bool ok, const QString& message);
    void showChosen();

    BackgroundJob* m_job;
    JobProgressBar* m_progress;
    QComboBox* m_choice;
    std::vector<core::ImageId> m_images;
    std::vector<std::vector<float>> m_vectors;
    core::EmbeddingMap m_principalComponents;
    QString m_error;
    std::optional<core::EmbeddingMap> m_tsne;
    core::EmbeddingMap m_pending;  // written by the job, taken when it finishes
    quint64 m_generation = 0;      // which embeddings a running t-SNE belongs to
    quint64 m_jobGeneration = 0;
};

}  // namespace fovea::ui
