#include "fovea/core/session/evaluation.h"

#include <torch/torch.h>

#include <algorithm>
#include <numeric>

#include "batched_inference.h"
#include "fovea/core/models/network.h"

namespace fovea::core {
namespace {

namespace F = torch::nn::functional;

// Per-image figures of one batch, kept on the inference device until the end (one copy to
// the host instead of a sync per batch).
struct BatchFigures {
    torch::Tensor predicted;             // [n] int64
    torch::Tensor predictedProbability;  // [n] float32
    torch::Tensor trueProbability;       // [n]
    torch::Tensor loss;                  // [n]
    torch::Tensor inTopK;                // [n] bool
};

BatchFigures figuresOf(const torch::Tensor& logits, const torch::Tensor& targets, int topK) {
    BatchFigures f;
    const torch::Tensor probabilities = torch::softmax(logits, 1);
    f.predicted = logits.argmax(1);
    f.predictedProbability = probabilities.gather(1, f.predicted.unsqueeze(1)).squeeze(1);
    f.trueProbability = probabilities.gather(1, targets.unsqueeze(1)).squeeze(1);
    f.loss =
        F::cross_entropy(logits, targets, F::CrossEntropyFuncOptions().reduction(torch::kNone));
    f.inTopK = std::get<1>(logits.topk(topK, 1)).eq(targets.unsqueeze(1)).any(1);
    return f;
}

torch::Tensor joined(const std::vector<BatchFigures>& batches, torch::Tensor BatchFigures::*field,
                     torch::ScalarType type) {
    std::vector<torch::Tensor> parts;
    parts.reserve(batches.size());
    for (const auto& batch : batches) parts.push_back(batch.*field);
    return torch::cat(parts).to(torch::kCPU).to(type).contiguous();
}

Result<void> checkTargets(std::int64_t classes, const std::vector<std::string>& classNames,
                          const std::vector<LabeledImage>& images) {
    if (static_cast<std::int64_t>(classNames.size()) != classes) {
        return Error{"the network has " + std::to_string(classes) + " outputs but " +
                     std::to_string(classNames.size()) + " class names were given"};
    }
    for (const auto& image : images) {
        if (image.target < 0 || image.target >= classes) {
            return Error{image.path.string() + ": class index " + std::to_string(image.target) +
                         " is not one of the network's " + std::to_string(classes) + " classes"};
        }
    }
    return {};
}

// One outcome per evaluated image, in the order of `images`; `order` holds the positions in
// `images` in the order of `batches`.
std::vector<ImageOutcome> outcomesOf(const std::vector<BatchFigures>& batches,
                                     const std::vector<std::int64_t>& order,
                                     const std::vector<LabeledImage>& images) {
    if (order.empty()) return {};
    const torch::Tensor predicted = joined(batches, &BatchFigures::predicted, torch::kInt64);
    const torch::Tensor predictedP =
        joined(batches, &BatchFigures::predictedProbability, torch::kFloat64);
    const torch::Tensor trueP = joined(batches, &BatchFigures::trueProbability, torch::kFloat64);
    const torch::Tensor loss = joined(batches, &BatchFigures::loss, torch::kFloat64);
    const torch::Tensor inTopK = joined(batches, &BatchFigures::inTopK, torch::kBool);
    const auto* p = predicted.data_ptr<std::int64_t>();
    const auto* pp = predictedP.data_ptr<double>();
    const auto* tp = trueP.data_ptr<double>();
    const auto* l = loss.data_ptr<double>();
    const auto* k = inTopK.data_ptr<bool>();
    std::vector<ImageOutcome> outcomes;
    outcomes.reserve(order.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        const LabeledImage& image = images[static_cast<std::size_t>(order[i])];
        outcomes.push_back({image.id, image.path, image.target, p[i], pp[i], tp[i], l[i], k[i]});
    }
    // Batches arrive in order; keep "the order given" a promise, not a loader detail.
    std::vector<std::size_t> byPosition(order.size());
    std::iota(byPosition.begin(), byPosition.end(), std::size_t{0});
    std::stable_sort(byPosition.begin(), byPosition.end(),
                     [&](std::size_t a, std::size_t b) { return order[a] < order[b]; });
    std::vector<ImageOutcome> sorted;
    sorted.reserve(order.size());
    for (const auto i : byPosition) sorted.push_back(outcomes[i]);
    return sorted;
}

// The confusion matrix and the figures derived from report.outcomes.
void summarise(EvaluationReport& report) {
    double lossSum = 0;
    std::int64_t topKHits = 0;
    for (const auto& outcome : report.outcomes) {
        report.confusion.add(outcome.trueClass, outcome.predictedClass);
        lossSum += outcome.loss;
        topKHits += outcome.inTopK ? 1 : 0;
    }
    report.imagesEvaluated = static_cast<std::int64_t>(report.outcomes.size());
    if (report.imagesEvaluated > 0) {
        const auto n = static_cast<double>(report.imagesEvaluated);
        report.accuracy = report.confusion.accuracy();
        report.topKAccuracy = static_cast<double>(topKHits) / n;
        report.meanLoss = lossSum / n;
    }
    report.perClass = report.confusion.perClass();
    report.macroF1 = report.confusion.macroF1();
}

std::vector<ImageOutcome> highestLosses(std::vector<ImageOutcome> outcomes, std::int64_t count) {
    std::stable_sort(outcomes.begin(), outcomes.end(),
                     [](const ImageOutcome& a, const ImageOutcome& b) { return a.loss > b.loss; });
    if (static_cast<std::int64_t>(outcomes.size()) > count) {
        outcomes.resize(static_cast<std::size_t>(count));
    }
    return outcomes;
}

}  // namespace

Result<EvaluationReport> evaluateNetwork(NetworkImpl& network,
                                         const std::vector<LabeledImage>& images,
                                         const std::vector<std::string>& classNames,
                                         const EvaluationOptions& options,
                                         const EvaluationProgress& progress,
                                         const std::atomic<bool>* cancel) {
    const std::int64_t classes = network.numClasses();
    if (auto checked = checkTargets(classes, classNames, images); !checked) return checked.error();
    EvaluationReport report;
    report.topK = static_cast<int>(std::clamp<std::int64_t>(options.topK, 1, classes));
    report.confusion = ConfusionMatrix(static_cast<int>(classes));

    std::vector<BatchFigures> batches;
    std::vector<std::int64_t> order;  // positions in `images`, in the order of `batches`
    auto run = detail::runInference(
        network, images, options,
        [&](const std::vector<std::int64_t>& indices, const torch::Tensor& logits) {
            std::vector<std::int64_t> targets;
            targets.reserve(indices.size());
            for (const auto index : indices) {
                targets.push_back(images[static_cast<std::size_t>(index)].target);
            }
            const torch::Tensor target =
                torch::tensor(targets, torch::kInt64).to(logits.device(), /*non_blocking=*/true);
            batches.push_back(figuresOf(logits, target, report.topK));
            order.insert(order.end(), indices.begin(), indices.end());
        },
        progress, cancel);
    if (!run) return run.error();
    report.inference = run.value().facts;
    for (const auto& failure : run.value().failures) {
        const LabeledImage& image = images[static_cast<std::size_t>(failure.index)];
        report.failures.push_back({image.id, image.path, failure.message});
    }

    report.outcomes = outcomesOf(batches, order, images);
    summarise(report);
    if (options.topLossCount > 0) {
        report.topLosses = highestLosses(report.outcomes, options.topLossCount);
    }
    return report;
}

std::vector<ImageOutcome> outcomesInCell(const EvaluationReport& report, std::int64_t truth,
                                         std::int64_t predicted) {
    std::vector<ImageOutcome> cell;
    for (const auto& outcome : report.outcomes) {
        if (outcome.trueClass == truth && outcome.predictedClass == predicted) {
            cell.push_back(outcome);
        }
    }
    return cell;
}

namespace {

std::string nameOf(const std::vector<std::string>& classNames, std::int64_t index) {
    if (index >= 0 && index < static_cast<std::int64_t>(classNames.size())) {
        return classNames[static_cast<std::size_t>(index)];
    }
    return std::to_string(index);
}

nlohmann::json outcomeJson(const ImageOutcome& o, const std::vector<std::string>& classNames) {
    return {{"image_id", o.imageId},
            {"path", o.path.string()},
            {"true_class", nameOf(classNames, o.trueClass)},
            {"true_index", o.trueClass},
            {"predicted_class", nameOf(classNames, o.predictedClass)},
            {"predicted_index", o.predictedClass},
            {"predicted_probability", o.predictedProbability},
            {"true_probability", o.trueProbability},
            {"loss", o.loss},
            {"in_top_k", o.inTopK}};
}

}  // namespace

nlohmann::json toJson(const EvaluationReport& report, const std::vector<std::string>& classNames,
                      bool withOutcomes) {
    nlohmann::json perClass = nlohmann::json::array();
    for (std::size_t c = 0; c < report.perClass.size(); ++c) {
        const ClassMetrics& m = report.perClass[c];
        perClass.push_back({{"class", nameOf(classNames, static_cast<std::int64_t>(c))},
                            {"precision", m.precision},
                            {"recall", m.recall},
                            {"f1", m.f1},
                            {"support", m.support}});
    }
    nlohmann::json matrix = nlohmann::json::array();
    const int classes = report.confusion.classes();
    for (int t = 0; t < classes; ++t) {
        nlohmann::json row = nlohmann::json::array();
        for (int p = 0; p < classes; ++p) row.push_back(report.confusion.count(t, p));
        matrix.push_back(row);
    }
    nlohmann::json topLosses = nlohmann::json::array();
    for (const auto& outcome : report.topLosses) {
        topLosses.push_back(outcomeJson(outcome, classNames));
    }
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& failure : report.failures) {
        failures.push_back({{"image_id", failure.imageId},
                            {"path", failure.path.string()},
                            {"error", failure.message}});
    }
    nlohmann::json json = {{"images", report.imagesEvaluated},
                           {"accuracy", report.accuracy},
                           {"top_k", report.topK},
                           {"top_k_accuracy", report.topKAccuracy},
                           {"mean_loss", report.meanLoss},
                           {"macro_f1", report.macroF1},
                           {"device", report.inference.device},
                           {"inference", toJson(report.inference)},
                           {"classes", classNames},
                           {"per_class", perClass},
                           {"confusion_matrix", matrix},
                           {"top_losses", topLosses},
                           {"failures", failures}};
    if (withOutcomes) {
        nlohmann::json outcomes = nlohmann::json::array();
        for (const auto& outcome : report.outcomes) {
            outcomes.push_back(outcomeJson(outcome, classNames));
        }
        json["outcomes"] = outcomes;
    }
    return json;
}

}  // namespace fovea::core
