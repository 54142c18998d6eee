// torchvision/ops/feature_pyramid_network.py (FeaturePyramidNetwork, LastLevelMaxPool) and
// torchvision/models/detection/backbone_utils.py (BackboneWithFPN).
#include <torch/torch.h>

#include "backbone_layers.h"

namespace fovea::core::detection {

FeaturePyramidNetworkImpl::FeaturePyramidNetworkImpl(const std::vector<int64_t>& inChannels,
                                                     int64_t outChannels) {
    for (const int64_t in : inChannels) {
        TORCH_CHECK(in > 0, "FPN input channels must be positive");
        // Conv2dNormActivation without norm or activation: the convolution is element "0" and
        // has a bias.
        torch::nn::Conv2d inner(torch::nn::Conv2dOptions(in, outChannels, 1));
        torch::nn::Conv2d layer(torch::nn::Conv2dOptions(outChannels, outChannels, 3).padding(1));
        m_innerBlocks->push_back(layers::Sequence(inner));
        m_layerBlocks->push_back(layers::Sequence(layer));
        m_inner.push_back(inner);
        m_layer.push_back(layer);
    }
    register_module("inner_blocks", m_innerBlocks);
    register_module("layer_blocks", m_layerBlocks);
    torch::NoGradGuard noGrad;
    for (auto* convs : {&m_inner, &m_layer}) {
        for (auto& conv : *convs) {
            torch::nn::init::kaiming_uniform_(conv->weight, 1.0);
            torch::nn::init::zeros_(conv->bias);
        }
    }
}

FeatureMaps FeaturePyramidNetworkImpl::forward(const std::vector<torch::Tensor>& inputs) {
    TORCH_CHECK(inputs.size() == m_inner.size(), "the FPN takes ", m_inner.size(), " maps, got ",
                inputs.size());
    const size_t count = inputs.size();
    std::vector<torch::Tensor> results(count);
    torch::Tensor lastInner = m_inner[count - 1](inputs[count - 1]);
    results[count - 1] = m_layer[count - 1](lastInner);
    for (size_t index = count - 1; index-- > 0;) {
        const torch::Tensor lateral = m_inner[index](inputs[index]);
        const torch::Tensor topDown = torch::upsample_nearest2d(
            lastInner, {lateral.size(-2), lateral.size(-1)}, c10::nullopt, c10::nullopt);
        lastInner = lateral + topDown;
        results[index] = m_layer[index](lastInner);
    }
    FeatureMaps maps;
    for (size_t index = 0; index < count; ++index)
        maps.insert(std::to_string(index), results[index]);
    // LastLevelMaxPool: a kernel-1 stride-2 max pool of the coarsest output.
    maps.insert("pool", torch::max_pool2d(results.back(), 1, 2, 0));
    return maps;
}

BackboneWithFpnImpl::BackboneWithFpnImpl(std::shared_ptr<BackboneBodyImpl> body,
                                         int64_t outChannels)
    : m_body(std::move(body)), m_outChannels(outChannels) {
    register_module("body", m_body);
    m_fpn = register_module("fpn", FeaturePyramidNetwork(m_body->returnedChannels(), outChannels));
}

FeatureMaps BackboneWithFpnImpl::forward(const torch::Tensor& images) {
    return m_fpn->forward(m_body->forward(images));
}

}  // namespace fovea::core::detection
