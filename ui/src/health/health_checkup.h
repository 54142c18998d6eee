#pragma once

#include <QString>
#include <atomic>
#include <functional>
#include <vector>

#include "fovea/core/project/project_types.h"
#include "fovea/core/result.h"
#include "fovea/core/session/dataset_checkup.h"
#include "fovea/core/session/embedding_map.h"

namespace fovea::ui {

// What the Health page shows: the check-up's report and the embedding map of its images.
struct HealthCheckup {
    core::CheckupReport report;
    // The map's points, one per image in `mapImages` (ascending ids), and which are outliers.
    std::vector<core::ImageId> mapImages;
    core::EmbeddingMap map;
    std::vector<std::vector<float>> mapVectors;  // the embeddings of `mapImages`, for t-SNE
    QString mapError;  // why there is no map (too few images), when there is none
};

// Runs the whole check-up of the project in `projectFolder` with the default backbone: opens its
// own ProjectStore (a store is not shared between threads), so call it on a worker thread.
// `progress` gets the stage's words and done / total images. Errors: the project or the
// backbone cannot be read, LibTorch, cancel.
core::Result<HealthCheckup> runHealthCheckup(
    const QString& projectFolder, const std::atomic<bool>* cancel,
    const std::function<void(qint64 done, qint64 total, const QString& stage)>& progress);

}  // namespace fovea::ui
