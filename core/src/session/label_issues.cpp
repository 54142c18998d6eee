#include "fovea/core/session/label_issues.h"

#include <torch/torch.h>

#include <algorithm>
#include <numeric>
#include <optional>
#include <random>
#include <string>

namespace fovea::core {
namespace {

// Fold of each image: every class's images dealt round-robin over the folds after a seeded
// shuffle, so each fold holds its share of every class.
std::vector<int> stratifiedFolds(const std::vector<std::int64_t>& labels, std::int64_t classes,
                                 int folds, std::uint64_t seed) {
    std::vector<int> fold(labels.size(), 0);
    std::mt19937_64 random(seed);
    for (std::int64_t c = 0; c < classes; ++c) {
        std::vector<std::size_t> members;
        for (std::size_t i = 0; i < labels.size(); ++i) {
            if (labels[i] == c) members.push_back(i);
        }
        std::shuffle(members.begin(), members.end(), random);
        for (std::size_t k = 0; k < members.size(); ++k) {
            fold[members[k]] = static_cast<int>(k % static_cast<std::size_t>(folds));
        }
    }
    return fold;
}

// A linear head (multinomial logistic regression) fitted on `x` [n, d] with `y` [n].
torch::nn::Linear fitHead(const torch::Tensor& x, const torch::Tensor& y, std::int64_t classes,
                          const LabelIssueOptions& options) {
    torch::nn::Linear head(x.size(1), classes);
    torch::optim::Adam optimizer(
        head->parameters(),
        torch::optim::AdamOptions(options.learningRate).weight_decay(options.weightDecay));
    for (int step = 0; step < options.steps; ++step) {
        optimizer.zero_grad();
        torch::nn::functional::cross_entropy(head(x), y).backward();
        optimizer.step();
    }
    return head;
}

}  // namespace

Result<std::vector<std::vector<double>>> outOfFoldProbabilities(
    const std::vector<std::vector<float>>& embeddings, const std::vector<std::int64_t>& labels,
    std::int64_t classes, const LabelIssueOptions& options) {
    if (classes < 2) return Error{"label issues need at least two classes"};
    if (embeddings.size() != labels.size() || embeddings.empty()) {
        return Error{"label issues need one embedding per labeled image"};
    }
    for (std::int64_t label : labels) {
        if (label < 0 || label >= classes) return Error{"a label is outside the classes"};
    }
    const int folds = std::max(2, options.folds);
    const std::int64_t n = static_cast<std::int64_t>(labels.size());
    const std::int64_t d = static_cast<std::int64_t>(embeddings.front().size());
    torch::Tensor x = torch::empty({n, d});
    for (std::int64_t i = 0; i < n; ++i) {
        const auto& vector = embeddings[static_cast<std::size_t>(i)];
        if (static_cast<std::int64_t>(vector.size()) != d) {
            return Error{"the embeddings have different lengths"};
        }
        std::copy(vector.begin(), vector.end(), x[i].data_ptr<float>());
    }
    // Standardised features: the heads then learn at one rate whatever the backbone's scale.
    x = (x - x.mean(0)) / (x.std(0) + 1e-6);
    const torch::Tensor y = torch::tensor(labels, torch::kLong);
    const std::vector<int> fold = stratifiedFolds(labels, classes, folds, options.seed);

    torch::manual_seed(options.seed);
    torch::Tensor probabilities = torch::zeros({n, classes});
    for (int k = 0; k < folds; ++k) {
        std::vector<std::int64_t> trainRows;
        std::vector<std::int64_t> heldOutRows;
        for (std::int64_t i = 0; i < n; ++i) {
            (fold[static_cast<std::size_t>(i)] == k ? heldOutRows : trainRows).push_back(i);
        }
        if (heldOutRows.empty() || trainRows.empty()) continue;
        const torch::Tensor trainIndex = torch::tensor(trainRows, torch::kLong);
        const torch::Tensor heldIndex = torch::tensor(heldOutRows, torch::kLong);
        torch::nn::Linear head =
            fitHead(x.index_select(0, trainIndex), y.index_select(0, trainIndex), classes, options);
        torch::NoGradGuard noGrad;
        probabilities.index_copy_(0, heldIndex,
                                  torch::softmax(head(x.index_select(0, heldIndex)), 1));
    }
    std::vector<std::vector<double>> out(static_cast<std::size_t>(n),
                                         std::vector<double>(static_cast<std::size_t>(classes)));
    const auto accessor = probabilities.accessor<float, 2>();
    for (std::int64_t i = 0; i < n; ++i) {
        for (std::int64_t c = 0; c < classes; ++c) {
            out[static_cast<std::size_t>(i)][static_cast<std::size_t>(c)] = accessor[i][c];
        }
    }
    return out;
}

std::vector<SuspectedLabel> confidentLearningSuspects(
    const std::vector<std::vector<double>>& probabilities, const std::vector<std::int64_t>& labels,
    std::int64_t classes) {
    // t_j: the mean probability of class j over the images labeled j.
    std::vector<double> threshold(static_cast<std::size_t>(classes), 0);
    std::vector<std::int64_t> count(static_cast<std::size_t>(classes), 0);
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const auto label = static_cast<std::size_t>(labels[i]);
        threshold[label] += probabilities[i][label];
        ++count[label];
    }
    for (std::size_t c = 0; c < threshold.size(); ++c) {
        threshold[c] = count[c] > 0 ? threshold[c] / static_cast<double>(count[c]) : 1.0;
    }
    std::vector<SuspectedLabel> suspects;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const auto given = static_cast<std::size_t>(labels[i]);
        std::optional<std::size_t> confident;
        for (std::size_t c = 0; c < threshold.size(); ++c) {
            if (count[c] == 0 || probabilities[i][c] < threshold[c]) continue;
            if (!confident || probabilities[i][c] > probabilities[i][*confident]) confident = c;
        }
        if (!confident || *confident == given) continue;
        SuspectedLabel suspect;
        suspect.index = i;
        suspect.given = labels[i];
        suspect.suggested = static_cast<std::int64_t>(*confident);
        suspect.givenProbability = probabilities[i][given];
        suspect.suggestedProbability = probabilities[i][*confident];
        suspect.score = std::max(0.0, suspect.suggestedProbability - suspect.givenProbability);
        suspects.push_back(suspect);
    }
    std::stable_sort(
        suspects.begin(), suspects.end(),
        [](const SuspectedLabel& a, const SuspectedLabel& b) { return a.score > b.score; });
    return suspects;
}

}  // namespace fovea::core
