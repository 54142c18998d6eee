#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "fovea/core/loader/labeled_image.h"
#include "fovea/core/models/network_fwd.h"
#include "fovea/core/result.h"
#include "fovea/core/session/inference_settings.h"
#include "fovea/core/training/confusion_matrix.h"

namespace fovea::core {

struct EvaluationOptions : InferenceSettings {
    int topK = 5;                    // clamped to [1, number of classes]
    std::int64_t topLossCount = 50;  // length of EvaluationReport::topLosses; 0: none
};

// What the network made of one image. Class indices are the network's output indices.
struct ImageOutcome {
    std::int64_t imageId = 0;  // the LabeledImage's id (the project's image id)
    std::filesystem::path path;
    std::int64_t trueClass = 0;
    std::int64_t predictedClass = 0;  // the arg max, as the trainer counts accuracy
    double predictedProbability = 0;  // softmax probability of predictedClass
    double trueProbability = 0;       // softmax probability of trueClass
    double loss = 0;                  // cross entropy, -log(trueProbability), nats
    bool inTopK = false;              // trueClass is among the topK most probable classes
    bool correct() const { return predictedClass == trueClass; }
};

// An image that could not be evaluated (unreadable, corrupt...); it is left out of every figure.
struct EvaluationFailure {
    std::int64_t imageId = 0;
    std::filesystem::path path;
    std::string message;  // names the file and the problem
};

struct EvaluationReport {
    std::int64_t imagesEvaluated = 0;
    double accuracy = 0;  // equals confusion.accuracy()
    int topK = 0;         // the k used (after clamping)
    double topKAccuracy = 0;
    double meanLoss = 0;        // mean cross entropy (unweighted, unsmoothed), nats
    ConfusionMatrix confusion;  // rows: true class, columns: predicted class
    std::vector<ClassMetrics> perClass;
    double macroF1 = 0;
    // Every evaluated image, in the order given (failed ones left out): what a confusion cell
    // holds, e.g. for "show me the shirts predicted as T-shirts".
    std::vector<ImageOutcome> outcomes;
    // The topLossCount outcomes with the highest loss, highest first (ties: the order given).
    std::vector<ImageOutcome> topLosses;
    std::vector<EvaluationFailure> failures;
    InferenceFacts inference;  // where and how it ran, e.g. on "cpu" in bf16
};

// progress(done, total) counts images, failed ones included; called after every batch.
using EvaluationProgress = std::function<void(std::int64_t done, std::int64_t total)>;

// Runs `images` (targets are indices into `classNames`, which must name the network's outputs
// in order) through `network` with its recorded preprocessing, in eval mode without gradients,
// and measures it. The network's training mode and device are restored afterwards. Unreadable
// images are listed in failures, never fatal. Errors: class names that do not match the
// network, a target out of range, the device cannot be used, `cancel` was set (checked
// between batches; the message is "cancelled"), LibTorch failed.
Result<EvaluationReport> evaluateNetwork(NetworkImpl& network,
                                         const std::vector<LabeledImage>& images,
                                         const std::vector<std::string>& classNames,
                                         const EvaluationOptions& options = {},
                                         const EvaluationProgress& progress = {},
                                         const std::atomic<bool>* cancel = nullptr);

// The outcomes in one confusion cell (true class `truth`, predicted `predicted`), in order.
std::vector<ImageOutcome> outcomesInCell(const EvaluationReport& report, std::int64_t truth,
                                         std::int64_t predicted);

// The report as JSON (evaluation.json, fovea-cli eval --json): figures, "classes",
// "per_class", "confusion_matrix" (rows: true class), "top_losses", "failures", and with
// `withOutcomes` every image's outcome under "outcomes".
nlohmann::json toJson(const EvaluationReport& report, const std::vector<std::string>& classNames,
                      bool withOutcomes = true);

}  // namespace fovea::core
