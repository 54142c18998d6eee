#include "fovea/core/distributed/gradient_averager.h"

#include <torch/torch.h>

#include "fovea/core/distributed/process_group.h"

namespace fovea::core {

GradientAverager::GradientAverager(ProcessGroup& group, std::size_t bucketBytes)
    : m_group(group), m_bucketBytes(bucketBytes) {}

void GradientAverager::average(const std::vector<torch::Tensor>& parameters) {
    std::vector<torch::Tensor> bucket;
    std::size_t bytes = 0;
    for (const torch::Tensor& parameter : parameters) {
        const torch::Tensor& gradient = parameter.grad();
        if (!parameter.requires_grad() || !gradient.defined()) continue;
        // One dtype and device per bucket: they are flattened into one tensor.
        if (!bucket.empty() && (gradient.scalar_type() != bucket.front().scalar_type() ||
                                gradient.device() != bucket.front().device())) {
            reduceBucket(bucket);
            bytes = 0;
        }
        bucket.push_back(gradient);
        bytes += static_cast<std::size_t>(gradient.numel() * gradient.element_size());
        if (bytes >= m_bucketBytes) {
            reduceBucket(bucket);
            bytes = 0;
        }
    }
    if (!bucket.empty()) reduceBucket(bucket);
}

void GradientAverager::reduceBucket(std::vector<torch::Tensor>& gradients) {
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> flat{torch::cat([&] {
        std::vector<torch::Tensor> views;
        views.reserve(gradients.size());
        for (const auto& g : gradients) views.push_back(g.reshape({-1}));
        return views;
    }())};
    m_group.allreduceSum(flat);
    flat[0].div_(static_cast<double>(m_group.worldSize()));
    std::int64_t offset = 0;
    for (auto& gradient : gradients) {
        const std::int64_t count = gradient.numel();
        gradient.copy_(flat[0].narrow(0, offset, count).view_as(gradient));
        offset += count;
    }
    gradients.clear();
}

}  // namespace fovea::core
