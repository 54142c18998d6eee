#include "fovea/core/distributed/gradient_averager.h"

#include <torch/torch.h>

#include "fovea/core/distributed/process_group.h"

namespace fovea::core {

GradientAverager::GradientAverager(ProcessGroup& group, std::size_t bucketBytes)
    : m_group(group), m_bucketBytes(bucketBytes) {}

GradientAverager::~GradientAverager() { detach(); }

void GradientAverager::detach() {
    for (std::size_t i = 0; i < m_hooks.size(); ++i) m_parameters[i].remove_hook(m_hooks[i]);
    m_hooks.clear();
    m_parameters.clear();
    m_buckets.clear();
}

void GradientAverager::attach(const std::vector<torch::Tensor>& parameters) {
    detach();
    for (const torch::Tensor& parameter : parameters) {
        if (parameter.requires_grad()) m_parameters.push_back(parameter);
    }
    m_bucketOf.assign(m_parameters.size(), 0);
    m_arrived.assign(m_parameters.size(), false);
    // Backward computes the last layers' gradients first: the buckets follow that order.
    std::size_t bytes = 0;
    for (std::size_t i = m_parameters.size(); i-- > 0;) {
        const torch::Tensor& parameter = m_parameters[i];
        const bool sameKind =
            !m_buckets.empty() &&
            m_parameters[m_buckets.back().members.front()].scalar_type() ==
                parameter.scalar_type() &&
            m_parameters[m_buckets.back().members.front()].device() == parameter.device();
        if (m_buckets.empty() || !sameKind || bytes >= m_bucketBytes) {
            m_buckets.emplace_back();
            bytes = 0;
        }
        Bucket& bucket = m_buckets.back();
        bucket.offsets.push_back(bucket.members.empty()
                                     ? 0
                                     : bucket.offsets.back() +
                                           m_parameters[bucket.members.back()].numel());
        bucket.members.push_back(i);
        m_bucketOf[i] = m_buckets.size() - 1;
        bytes += static_cast<std::size_t>(parameter.numel() * parameter.element_size());
    }
    for (Bucket& bucket : m_buckets) {
        // On the GPU where NCCL sums it there; on the host for Gloo.
        const torch::Tensor& last = m_parameters[bucket.members.back()];
        const torch::Device device =
            m_group.collectsOn(last.device()) ? last.device() : torch::Device(torch::kCPU);
        bucket.flat = torch::zeros({bucket.offsets.back() + last.numel()},
                                   torch::TensorOptions().dtype(last.scalar_type()).device(device));
    }
    reset();
    for (std::size_t i = 0; i < m_parameters.size(); ++i) {
        m_hooks.push_back(m_parameters[i].register_hook(
            [this, i](const torch::Tensor& gradient) { onGradient(i, gradient); }));
    }
}

void GradientAverager::reset() {
    std::fill(m_arrived.begin(), m_arrived.end(), false);
    for (Bucket& bucket : m_buckets) {
        bucket.pending = bucket.members.size();
        bucket.wait = nullptr;
    }
    m_sendOrder.clear();
    m_reused = false;
}

void GradientAverager::onGradient(std::size_t parameter, const torch::Tensor& gradient) {
    const std::lock_guard lock(m_mutex);
    if (m_arrived[parameter]) {
        m_reused = true;  // its .grad will be the sum of both: averaged after the pass
        return;
    }
    m_arrived[parameter] = true;
    Bucket& bucket = m_buckets[m_bucketOf[parameter]];
    std::size_t slot = 0;
    while (bucket.members[slot] != parameter) ++slot;
    torch::NoGradGuard noGrad;
    bucket.flat.narrow(0, bucket.offsets[slot], gradient.numel())
        .copy_(gradient.reshape({-1}).to(bucket.flat.device(), bucket.flat.scalar_type()));
    if (--bucket.pending == 0) send(bucket);
}

void GradientAverager::send(Bucket& bucket) {
    bucket.wait = m_group.allreduceSumAsync(bucket.flat);
    m_sendOrder.push_back(static_cast<std::size_t>(&bucket - m_buckets.data()));
}

void GradientAverager::finish() {
    torch::NoGradGuard noGrad;
    // Buckets a parameter without a gradient kept from filling: sent now, in bucket order (the
    // same on every rank), with what .grad holds (zero where there is none).
    for (Bucket& bucket : m_buckets) {
        if (bucket.wait) continue;
        for (std::size_t slot = 0; slot < bucket.members.size(); ++slot) {
            const torch::Tensor& parameter = m_parameters[bucket.members[slot]];
            if (m_arrived[bucket.members[slot]]) continue;
            auto target = bucket.flat.narrow(0, bucket.offsets[slot], parameter.numel());
            if (parameter.grad().defined()) {
                target.copy_(parameter.grad().reshape({-1}).to(bucket.flat.device()));
            } else {
                target.zero_();
            }
        }
        send(bucket);
    }
    for (std::size_t index : m_sendOrder) m_buckets[index].wait();
    if (m_reused) {
        // The buckets held one use's gradient only: average the whole .grad instead.
        reset();
        average(m_parameters);
        return;
    }
    const double ranks = static_cast<double>(m_group.worldSize());
    for (Bucket& bucket : m_buckets) {
        bucket.flat.div_(ranks);
        for (std::size_t slot = 0; slot < bucket.members.size(); ++slot) {
            torch::Tensor& parameter = m_parameters[bucket.members[slot]];
            const torch::Tensor mean =
                bucket.flat.narrow(0, bucket.offsets[slot], parameter.numel())
                    .view(parameter.sizes());
            if (parameter.grad().defined()) {
                parameter.mutable_grad().copy_(mean);
            } else {
                parameter.mutable_grad() = mean.to(parameter.device()).clone();
            }
        }
    }
    reset();
}

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
