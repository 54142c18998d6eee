#pragma once

// Dataset health with a backbone: checkDatasetHealth's findings, near duplicates also by
// embedding similarity, and suspected label errors by confident learning on the backbone's
// embeddings (cached in the project's cache folder). What `fovea-cli health` and the
// workbench's Health view run. Free of LibTorch.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "fovea/core/health/dataset_health.h"
#include "fovea/core/session/label_issues.h"

namespace fovea::core {

// The network whose embeddings are compared: a trained model (run folder, bundle or model
// file), else a published one; by default the offline MobileNetV2 (mobilenet_v2_keras).
struct HealthBackbone {
    std::filesystem::path model;
    std::string architecture = "mobilenet_v2_keras";
    std::string weights = "default";
    // The side images are embedded at; 0: a trained model's own input size, and for a published
    // one kDefaultEmbeddingSize (five times cheaper than 224 px on a CPU, and enough to tell
    // duplicates and classes apart).
    int imageSize = 0;
};

inline constexpr int kDefaultEmbeddingSize = 112;

struct CheckupOptions {
    HealthOptions health;
    HealthBackbone backbone;
    LabelIssueOptions labelIssues;
    // Stage ("embedding", "fingerprinting", "label features", "label issues"), done and total
    // images; a stage whose length is not known reports total 0.
    std::function<void(const std::string& stage, std::int64_t done, std::int64_t total)> progress;
    const std::atomic<bool>* cancel = nullptr;
};

struct CheckupReport {
    HealthReport health;
    std::string backbone;  // e.g. "mobilenet_v2 (default weights)"
    std::int64_t embeddingsComputed = 0;
    std::int64_t embeddingsCached = 0;
    // The backbone's embedding of every usable image (L2-normalised), for the embedding map.
    std::unordered_map<ImageId, std::vector<float>> embeddings;
};

// The whole check of the project in `store`. Errors: the backbone cannot be loaded (Usage for
// a wrong path or name), the project cannot be read, LibTorch, cancel.
Result<CheckupReport> runDatasetCheckup(const ProjectStore& store, const CheckupOptions& options);

}  // namespace fovea::core
