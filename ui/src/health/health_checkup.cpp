#include "health/health_checkup.h"

#include <algorithm>

#include "fovea/core/project/project_store.h"

namespace fovea::ui {

core::Result<HealthCheckup> runHealthCheckup(
    const QString& projectFolder, const std::atomic<bool>* cancel,
    const std::function<void(qint64, qint64, const QString&)>& progress) {
    auto store = core::ProjectStore::open(projectFolder.toStdString());
    if (!store) return store.error();
    core::CheckupOptions options;
    options.cancel = cancel;
    options.progress = [&progress](const std::string& stage, std::int64_t done,
                                   std::int64_t total) {
        // "embedding" → "Embedding", as the progress strip's words.
        QString words = QString::fromStdString(stage);
        if (!words.isEmpty()) words[0] = words[0].toUpper();
        if (progress) progress(done, total, words);
    };
    auto report = core::runDatasetCheckup(store.value(), options);
    if (!report) return report.error();

    HealthCheckup checkup;
    checkup.report = std::move(report).value();
    for (const auto& [id, vector] : checkup.report.embeddings) {
        if (!vector.empty()) checkup.mapImages.push_back(id);
    }
    std::sort(checkup.mapImages.begin(), checkup.mapImages.end());
    std::vector<std::vector<float>> vectors;
    vectors.reserve(checkup.mapImages.size());
    for (core::ImageId id : checkup.mapImages) vectors.push_back(checkup.report.embeddings[id]);
    auto map = core::principalComponentMap(vectors);
    if (map) {
        checkup.map = std::move(map).value();
        checkup.mapVectors = std::move(vectors);
    } else {
        checkup.mapImages.clear();
        checkup.mapError = QString::fromStdString(map.error().message);
    }
    // The map's vectors are kept once, in mapVectors.
    checkup.report.embeddings.clear();
    return checkup;
}

}  // namespace fovea::ui
