#include "fovea/core/session/linear_probe.h"

#include <torch/torch.h>

namespace fovea::core {

struct LinearProbe::Impl {
    torch::nn::Linear head{nullptr};
    torch::Tensor mean;
    torch::Tensor deviation;
    std::int64_t classes = 0;
    std::int64_t dim = 0;
};

namespace {

// Rows of `embeddings` as an [n, dim] tensor; empty rows are zeros.
torch::Tensor asMatrix(const std::vector<std::vector<float>>& embeddings, std::int64_t dim) {
    torch::Tensor x = torch::zeros({static_cast<std::int64_t>(embeddings.size()), dim});
    for (std::size_t i = 0; i < embeddings.size(); ++i) {
        if (static_cast<std::int64_t>(embeddings[i].size()) != dim) continue;
        std::copy(embeddings[i].begin(), embeddings[i].end(),
                  x[static_cast<std::int64_t>(i)].data_ptr<float>());
    }
    return x;
}

}  // namespace

LinearProbe::LinearProbe(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
LinearProbe::LinearProbe(LinearProbe&&) noexcept = default;
LinearProbe& LinearProbe::operator=(LinearProbe&&) noexcept = default;
LinearProbe::~LinearProbe() = default;

Result<LinearProbe> LinearProbe::fit(const std::vector<std::vector<float>>& embeddings,
                                     const std::vector<std::int64_t>& labels, std::int64_t classes,
                                     const LinearProbeOptions& options) {
    if (embeddings.empty() || embeddings.size() != labels.size()) {
        return Error{"a linear head needs one embedding per label"};
    }
    const auto dim = static_cast<std::int64_t>(embeddings.front().size());
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] < 0 || labels[i] >= classes) return Error{"a label is outside the classes"};
        if (static_cast<std::int64_t>(embeddings[i].size()) != dim) {
            return Error{"the embeddings have different lengths"};
        }
    }
    auto impl = std::make_unique<Impl>();
    impl->classes = classes;
    impl->dim = dim;
    torch::Tensor x = asMatrix(embeddings, dim);
    impl->mean = x.mean(0);
    // One scale for every feature, not one per feature: after a backbone's ReLUs many features
    // are zero for nearly every image, and dividing by their tiny spread would blow up the one
    // image where they are not (a held-out image then gets a probability of 1 for anything).
    impl->deviation = labels.size() > 1 ? (x - impl->mean).std() + 1e-6 : torch::ones({});
    x = (x - impl->mean) / impl->deviation;
    const torch::Tensor y = torch::tensor(labels, torch::kLong);
    torch::manual_seed(options.seed);
    impl->head = torch::nn::Linear(dim, classes);
    torch::optim::Adam optimizer(
        impl->head->parameters(),
        torch::optim::AdamOptions(options.learningRate).weight_decay(options.weightDecay));
    for (int step = 0; step < options.steps; ++step) {
        optimizer.zero_grad();
        torch::nn::functional::cross_entropy(impl->head(x), y).backward();
        optimizer.step();
    }
    return LinearProbe(std::move(impl));
}

std::vector<std::vector<double>> LinearProbe::predict(
    const std::vector<std::vector<float>>& embeddings) const {
    torch::NoGradGuard noGrad;
    const torch::Tensor x = (asMatrix(embeddings, m_impl->dim) - m_impl->mean) / m_impl->deviation;
    const torch::Tensor probabilities = torch::softmax(m_impl->head(x), 1).contiguous();
    const auto rows = probabilities.accessor<float, 2>();
    std::vector<std::vector<double>> out(embeddings.size());
    for (std::size_t i = 0; i < embeddings.size(); ++i) {
        if (static_cast<std::int64_t>(embeddings[i].size()) != m_impl->dim) {
            out[i].assign(static_cast<std::size_t>(m_impl->classes),
                          1.0 / static_cast<double>(m_impl->classes));
            continue;
        }
        for (std::int64_t c = 0; c < m_impl->classes; ++c) {
            out[i].push_back(rows[static_cast<std::int64_t>(i)][c]);
        }
    }
    return out;
}

}  // namespace fovea::core
