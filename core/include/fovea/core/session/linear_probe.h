#pragma once

// A linear head (multinomial logistic regression) on frozen embeddings: what label-issue
// detection fits per fold and what "Refresh" retrains between labeling rounds, in a fraction
// of a second for thousands of images. Free of LibTorch.

#include <cstdint>
#include <memory>
#include <vector>

#include "fovea/core/result.h"

namespace fovea::core {

struct LinearProbeOptions {
    std::uint64_t seed = 0;
    int steps = 200;  // full-batch Adam steps
    double learningRate = 0.05;
    double weightDecay = 1e-2;  // L2 on the head: fewer suspects on clean labels
};

class LinearProbe {
  public:
    // Fits a head on `embeddings` (equal lengths) with `labels` in 0..classes-1. The features
    // are centred on the training set's mean and scaled by its overall deviation, which
    // predict() reuses.
    // Errors: no examples, labels outside the classes, embeddings of different lengths.
    static Result<LinearProbe> fit(const std::vector<std::vector<float>>& embeddings,
                                   const std::vector<std::int64_t>& labels, std::int64_t classes,
                                   const LinearProbeOptions& options = {});

    LinearProbe(LinearProbe&&) noexcept;
    LinearProbe& operator=(LinearProbe&&) noexcept;
    ~LinearProbe();

    // Class probabilities per embedding ([embeddings][classes]); an empty embedding gets
    // uniform probabilities.
    std::vector<std::vector<double>> predict(
        const std::vector<std::vector<float>>& embeddings) const;

  private:
    struct Impl;
    explicit LinearProbe(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace fovea::core
