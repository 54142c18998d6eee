#include "fovea/core/session/label_issues.h"

#include <algorithm>
#include <cmath>
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

// A row of probabilities raised to 1/T and renormalised (a softmax of the logits over T).
std::vector<double> tempered(const std::vector<double>& row, double temperature) {
    std::vector<double> out(row.size());
    double top = -INFINITY;
    for (std::size_t c = 0; c < row.size(); ++c) {
        out[c] = std::log(std::max(row[c], 1e-300)) / temperature;
        top = std::max(top, out[c]);
    }
    double sum = 0;
    for (double& p : out) sum += p = std::exp(p - top);
    for (double& p : out) p /= sum;
    return out;
}

// Mean negative log-likelihood of the given labels under the tempered probabilities.
double labelLoss(const std::vector<std::vector<double>>& probabilities,
                 const std::vector<std::int64_t>& labels, double temperature) {
    double loss = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const double given =
            tempered(probabilities[i], temperature)[static_cast<std::size_t>(labels[i])];
        loss -= std::log(std::max(given, 1e-300));
    }
    return loss / static_cast<double>(std::max<std::size_t>(1, labels.size()));
}

// The temperature in [1/8, 8] that minimises labelLoss: golden-section search on its logarithm
// (the loss is unimodal in it), then every row rescaled by it.
void calibrateTemperature(std::vector<std::vector<double>>& probabilities,
                          const std::vector<std::int64_t>& labels) {
    const double ratio = (std::sqrt(5.0) - 1) / 2;
    double low = std::log(0.125);
    double high = std::log(8.0);
    const auto loss = [&](double logT) { return labelLoss(probabilities, labels, std::exp(logT)); };
    double a = high - ratio * (high - low);
    double b = low + ratio * (high - low);
    double lossA = loss(a);
    double lossB = loss(b);
    for (int step = 0; step < 40; ++step) {
        if (lossA < lossB) {
            high = b;
            b = a;
            lossB = lossA;
            a = high - ratio * (high - low);
            lossA = loss(a);
        } else {
            low = a;
            a = b;
            lossA = lossB;
            b = low + ratio * (high - low);
            lossB = loss(b);
        }
    }
    const double temperature = std::exp((low + high) / 2);
    for (auto& row : probabilities) row = tempered(row, temperature);
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
    const std::vector<int> fold = stratifiedFolds(labels, classes, folds, options.seed);
    std::vector<std::vector<double>> out(labels.size());
    for (int k = 0; k < folds; ++k) {
        std::vector<std::vector<float>> trainX;
        std::vector<std::int64_t> trainY;
        std::vector<std::size_t> heldOut;
        std::vector<std::vector<float>> heldOutX;
        for (std::size_t i = 0; i < labels.size(); ++i) {
            if (fold[i] == k) {
                heldOut.push_back(i);
                heldOutX.push_back(embeddings[i]);
            } else {
                trainX.push_back(embeddings[i]);
                trainY.push_back(labels[i]);
            }
        }
        if (heldOut.empty() || trainX.empty()) continue;
        auto probe = LinearProbe::fit(trainX, trainY, classes, options.probe);
        if (!probe) return probe.error();
        const auto predicted = probe.value().predict(heldOutX);
        for (std::size_t row = 0; row < heldOut.size(); ++row) out[heldOut[row]] = predicted[row];
    }
    for (auto& row : out) {
        if (row.empty()) row.assign(static_cast<std::size_t>(classes), 1.0 / double(classes));
    }
    calibrateTemperature(out, labels);
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
        // A class that clears its threshold but is less probable than the given one is a
        // look-alike, not a contradiction.
        if (probabilities[i][*confident] <= probabilities[i][given]) continue;
        SuspectedLabel suspect;
        suspect.index = i;
        suspect.given = labels[i];
        suspect.suggested = static_cast<std::int64_t>(*confident);
        suspect.givenProbability = probabilities[i][given];
        suspect.suggestedProbability = probabilities[i][*confident];
        suspect.score = suspect.suggestedProbability - suspect.givenProbability;
        suspects.push_back(suspect);
    }
    std::stable_sort(
        suspects.begin(), suspects.end(),
        [](const SuspectedLabel& a, const SuspectedLabel& b) { return a.score > b.score; });
    return suspects;
}

double labelAgreement(const std::vector<std::vector<double>>& probabilities,
                      const std::vector<std::int64_t>& labels) {
    if (labels.empty()) return 0;
    std::size_t agreeing = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        const auto& row = probabilities[i];
        const auto top = std::max_element(row.begin(), row.end()) - row.begin();
        if (top == labels[i]) ++agreeing;
    }
    return static_cast<double>(agreeing) / static_cast<double>(labels.size());
}

std::string labelAgreementNote(std::int64_t checked, double agreement) {
    if (checked <= 0) return {};
    const int percent = static_cast<int>(std::lround(agreement * 100));
    std::string note = "The check's model predicts " + std::to_string(percent) + "% of the " +
                       std::to_string(checked) + " labels it held out as given";
    // Below this a probe confuses look-alike classes often enough that many of its suspects
    // are right labels it cannot tell apart.
    constexpr double kTrustworthy = 0.9;
    if (agreement >= kTrustworthy) return note + ": its suspects are worth a look.";
    return note +
           ": where classes look alike, many suspects are its own mistakes; the highest "
           "scores are the likeliest errors.";
}

}  // namespace fovea::core
