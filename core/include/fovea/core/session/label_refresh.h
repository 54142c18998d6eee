#pragma once

// Refresh, between two rounds of labeling: a linear head is fitted on the backbone's cached
// embeddings of the images labeled so far, it predicts every unlabeled image, and the project's
// suggestions and "Label next" order (uncertainty, then diversity among the uncertain) are
// replaced. Seconds, not a training run: the backbone runs only on images it has not embedded
// before. Free of LibTorch.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "fovea/core/result.h"
#include "fovea/core/session/dataset_checkup.h"
#include "fovea/core/session/labeling_order.h"
#include "fovea/core/session/prediction.h"

namespace fovea::core {

struct RefreshOptions {
    // Default: the offline MobileNetV2 at 112 px, embedding with the blocks that kept their
    // ImageNet values (on ten Fashion-MNIST classes these reach 80% where its later blocks stay
    // near 77%: tests/bench/bench_active_learning).
    HealthBackbone backbone;
    UncertaintyMeasure measure = UncertaintyMeasure::Margin;
    // Stage ("embedding", "fitting", "ordering"), done and total images (0 for the stages
    // whose length is not known).
    std::function<void(const std::string& stage, std::int64_t done, std::int64_t total)> progress;
    const std::atomic<bool>* cancel = nullptr;
};

struct RefreshReport {
    std::string backbone;        // e.g. "mobilenet_v2_keras (default weights) at 112 px, ..."
    std::int64_t labeled = 0;    // labeled images the head learnt from
    std::int64_t classes = 0;    // classes it can suggest (those with labeled images)
    std::int64_t suggested = 0;  // unlabeled images that got a suggestion
    std::int64_t embeddingsComputed = 0;
    std::int64_t embeddingsCached = 0;
    std::vector<PredictionFailure> failures;  // unreadable images (recorded in the project)
};

// Refreshes the suggestions of the project in `projectFolder`; each is marked as made by the
// backbone ("refresh: <description>"). Errors: the project or backbone cannot be opened, fewer
// than two classes have labeled images (Usage: nothing to tell apart yet), cancel
// ("cancelled"), LibTorch.
Result<RefreshReport> refreshSuggestions(const std::filesystem::path& projectFolder,
                                         const RefreshOptions& options = {});

}  // namespace fovea::core
