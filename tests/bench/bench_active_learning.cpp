// Active learning against random order, as a person labeling a real pool would meet it: 2,000
// Fashion-MNIST training images (10 classes), embedded once by the offline backbone's blocks
// that kept their ImageNet values (the later ones, fine-tuned by nsfwjs for its own task,
// plateau near 77% here; these reach 80%); labeling
// starts from 2 labels per class and goes in rounds of 20, a linear head retrained on the
// embeddings of the labels so far after each round (what the workbench's Refresh does). Printed:
// the labels needed to reach 75% and 80% accuracy on 1,000 held-out test images in "Label next"
// order (uncertainty and diversity) and in random order, averaged over three seeds, and the
// ratio (goal: at most 0.7).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <random>
#include <vector>

#include "fashion_mnist_images.h"
#include "fovea/core/models/network.h"
#include "fovea/core/session/image_embeddings.h"
#include "fovea/core/session/labeling_order.h"
#include "fovea/core/session/linear_probe.h"
#include "fovea/core/session/prediction.h"
#include "fovea/core/session/trained_model.h"
#include "temp_folder.h"

namespace {

namespace core = fovea::core;
namespace fs = std::filesystem;

constexpr int kClasses = 10;
constexpr std::size_t kRound = 20;
// The target (80%; the embeddings plateau just above it on ten classes at this size),
// and a lower one reached early.
const std::vector<double> kTargets = {0.75, 0.80};
// Labeling stops here: half the pool, more than a person gives before training for real.
constexpr std::size_t kMaxLabels = 1000;
constexpr int kEmbeddingSize = 112;

struct Embedded {
    std::vector<std::vector<float>> vectors;
    std::vector<std::int64_t> labels;
};

Embedded embed(core::NetworkImpl& network, const std::vector<core::LabeledImage>& images) {
    std::vector<fs::path> files;
    for (const auto& image : images) files.push_back(image.path);
    // The blocks that kept their ImageNet values, as the workbench's Refresh embeds.
    const std::size_t blocks = core::generalFeatureBlocks(network, "default");
    auto embedded = core::embedImages(network, files, {}, {}, {}, nullptr, blocks);
    if (!embedded) {
        std::fprintf(stderr, "embedding failed: %s\n", embedded.error().message.c_str());
        std::exit(1);
    }
    Embedded out;
    out.vectors = std::move(embedded.value().vectors);
    for (const auto& image : images) out.labels.push_back(image.target);
    return out;
}

double accuracy(const core::LinearProbe& probe, const Embedded& test) {
    const auto probabilities = probe.predict(test.vectors);
    std::size_t right = 0;
    for (std::size_t i = 0; i < probabilities.size(); ++i) {
        const auto best = std::max_element(probabilities[i].begin(), probabilities[i].end());
        right += (best - probabilities[i].begin()) == test.labels[i] ? 1 : 0;
    }
    return static_cast<double>(right) / static_cast<double>(probabilities.size());
}

struct Outcome {
    std::vector<std::size_t> labelsFor;  // per target; kMaxLabels + 1 when not reached
    double best = 0;                     // the best held-out accuracy seen
};

// Labels given until the head reaches each target (kMaxLabels + 1 when it does not within
// kMaxLabels).
Outcome simulate(const Embedded& pool, const Embedded& test, bool active, std::uint64_t seed) {
    std::mt19937_64 random(seed);
    std::vector<bool> labeled(pool.labels.size(), false);
    std::vector<std::size_t> given;
    for (int c = 0; c < kClasses; ++c) {  // two labels per class to start
        std::vector<std::size_t> members;
        for (std::size_t i = 0; i < pool.labels.size(); ++i) {
            if (pool.labels[i] == c) members.push_back(i);
        }
        std::shuffle(members.begin(), members.end(), random);
        for (std::size_t k = 0; k < 2 && k < members.size(); ++k) {
            labeled[members[k]] = true;
            given.push_back(members[k]);
        }
    }
    std::vector<std::size_t> randomOrder(pool.labels.size());
    std::iota(randomOrder.begin(), randomOrder.end(), std::size_t{0});
    std::shuffle(randomOrder.begin(), randomOrder.end(), random);
    Outcome outcome;
    outcome.labelsFor.assign(kTargets.size(), kMaxLabels + 1);
    while (true) {
        std::vector<std::vector<float>> x;
        std::vector<std::int64_t> y;
        for (std::size_t i : given) {
            x.push_back(pool.vectors[i]);
            y.push_back(pool.labels[i]);
        }
        auto probe = core::LinearProbe::fit(x, y, kClasses);
        if (!probe) std::exit(1);
        const double reached = accuracy(probe.value(), test);
        outcome.best = std::max(outcome.best, reached);
        bool all = true;
        for (std::size_t t = 0; t < kTargets.size(); ++t) {
            if (reached >= kTargets[t])
                outcome.labelsFor[t] = std::min(outcome.labelsFor[t], given.size());
            all = all && outcome.labelsFor[t] <= kMaxLabels;
        }
        if (all || given.size() >= kMaxLabels) return outcome;
        std::vector<std::size_t> next;
        if (active) {
            std::vector<std::size_t> unlabeled;
            std::vector<std::vector<float>> candidates;
            for (std::size_t i = 0; i < pool.labels.size(); ++i) {
                if (labeled[i]) continue;
                unlabeled.push_back(i);
                candidates.push_back(pool.vectors[i]);
            }
            const auto probabilities = probe.value().predict(candidates);
            core::LabelingOrderOptions options;
            options.batch = kRound;
            options.diverseBatches = 1;
            const auto order = core::labelingOrder(probabilities, candidates, x, options);
            for (std::size_t k = 0; k < kRound && k < order.size(); ++k) {
                next.push_back(unlabeled[order[k]]);
            }
        } else {
            for (std::size_t i : randomOrder) {
                if (!labeled[i] && next.size() < kRound) next.push_back(i);
            }
        }
        for (std::size_t i : next) {
            labeled[i] = true;
            given.push_back(i);
        }
    }
}

}  // namespace

int main() {
    fovea::test::TempFolder folder("fovea-bench-active");
    core::FashionMnistFolderOptions poolOptions;
    poolOptions.part = core::FashionMnistPart::Train;
    poolOptions.imagesPerClass = 200;
    poolOptions.seed = 1;
    auto poolImages = fovea::test::writeFashionMnistImages(folder.path() / "pool", poolOptions);
    core::FashionMnistFolderOptions testOptions;
    testOptions.imagesPerClass = 100;
    testOptions.seed = 2;
    auto testImages = fovea::test::writeFashionMnistImages(folder.path() / "test", testOptions);
    if (!poolImages || !testImages) {
        std::fprintf(stderr, "%s\n",
                     (poolImages ? testImages : poolImages).error().message.c_str());
        return 1;
    }
    auto backbone = core::loadPretrainedModel("mobilenet_v2_keras", "default");
    if (!backbone) {
        std::fprintf(stderr, "%s\n", backbone.error().message.c_str());
        return 1;
    }
    core::NetworkImpl& network = *backbone.value().network;
    core::Preprocessing preprocessing = network.preprocessing();
    preprocessing.resizeShorterSide = kEmbeddingSize;
    preprocessing.cropSize = kEmbeddingSize;
    network.setPreprocessing(preprocessing);
    const Embedded pool = embed(network, poolImages.value());
    const Embedded test = embed(network, testImages.value());

    std::vector<double> activeMean(kTargets.size(), 0);
    std::vector<double> randomMean(kTargets.size(), 0);
    std::printf(
        "seed  label next: labels to 75%%, 80%% (best)   random: labels to 75%%, 80%% (best)\n");
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        const Outcome active = simulate(pool, test, true, seed);
        const Outcome chance = simulate(pool, test, false, seed);
        std::printf("%4llu  %5zu, %5zu (%.3f)                   %5zu, %5zu (%.3f)\n",
                    static_cast<unsigned long long>(seed), active.labelsFor[0], active.labelsFor[1],
                    active.best, chance.labelsFor[0], chance.labelsFor[1], chance.best);
        for (std::size_t t = 0; t < kTargets.size(); ++t) {
            activeMean[t] += static_cast<double>(active.labelsFor[t]) / 3;
            randomMean[t] += static_cast<double>(chance.labelsFor[t]) / 3;
        }
    }
    for (std::size_t t = 0; t < kTargets.size(); ++t) {
        std::printf(
            "labels to reach %.0f%% held-out accuracy (mean of 3 seeds; %zu: not within %zu): "
            "label next %.0f, random %.0f, ratio %.2f (goal <= 0.70)\n",
            100 * kTargets[t], kMaxLabels + 1, kMaxLabels, activeMean[t], randomMean[t],
            activeMean[t] / randomMean[t]);
    }
    return 0;
}
