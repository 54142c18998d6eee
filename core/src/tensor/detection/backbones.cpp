// The detection backbones' bodies: MobileNetV3-Large's features (torchvision/models/
// mobilenetv3.py) and ResNet-50 up to layer4 (torchvision/models/resnet.py), as
// torchvision/models/detection/backbone_utils.py cuts them for the feature pyramid, with their
// trainable_backbone_layers freezing; and our own composition, the Keras MobileNetV2 of the
// offline default weights cut the same way.
#include <string>

#include "backbone_layers.h"

namespace fovea::core::detection {
namespace {

using layers::Activation;
using layers::BackboneNorm2d;
using layers::convNormAct;
using layers::Sequence;

// Applies requires_grad(false) to every parameter of `module`.
void freezeParameters(torch::nn::Module& module) {
    for (auto& parameter : module.parameters()) parameter.set_requires_grad(false);
}

// ---- MobileNetV3-Large -------------------------------------------------------------------------

// torchvision's _make_divisible (from the TensorFlow MobileNet code).
int64_t makeDivisible(double value, int64_t divisor) {
    int64_t rounded =
        std::max<int64_t>(divisor, static_cast<int64_t>(value + divisor / 2.0) / divisor * divisor);
    if (static_cast<double>(rounded) < 0.9 * value) rounded += divisor;
    return rounded;
}

// torchvision.ops.SqueezeExcitation with ReLU and Hardsigmoid: "fc1", "fc2" (1x1 convs).
class SqueezeExcitationImpl : public torch::nn::Module {
  public:
    SqueezeExcitationImpl(int64_t channels, int64_t squeeze) {
        m_fc1 = register_module("fc1",
                                torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, squeeze, 1)));
        m_fc2 = register_module("fc2",
                                torch::nn::Conv2d(torch::nn::Conv2dOptions(squeeze, channels, 1)));
    }
    torch::Tensor forward(torch::Tensor input) {
        torch::Tensor scale = torch::adaptive_avg_pool2d(input, {1, 1});
        scale = torch::hardsigmoid(m_fc2(torch::relu(m_fc1(scale))));
        return scale * input;
    }

  private:
    torch::nn::Conv2d m_fc1{nullptr}, m_fc2{nullptr};
};
TORCH_MODULE(SqueezeExcitation);

// One row of the paper's Table 1 (torchvision's InvertedResidualConfig at width 1.0).
struct BottleneckSetting {
    int64_t in, kernel, expanded, out;
    bool squeezeExcite, hardswish;
    int64_t stride;
};

class InvertedResidualImpl : public torch::nn::Module {
  public:
    InvertedResidualImpl(const BottleneckSetting& s, const BackboneNormOptions& norm)
        : m_residual(s.stride == 1 && s.in == s.out) {
        const Activation activation = s.hardswish ? Activation::kHardswish : Activation::kReLU;
        m_block = Sequence();
        if (s.expanded != s.in) {
            m_block->push_back(convNormAct(s.in, s.expanded, 1, 1, 1, activation, norm));
        }
        m_block->push_back(
            convNormAct(s.expanded, s.expanded, s.kernel, s.stride, s.expanded, activation, norm));
        if (s.squeezeExcite) {
            m_block->push_back(SqueezeExcitation(
                s.expanded, makeDivisible(static_cast<double>(s.expanded / 4), 8)));
        }
        m_block->push_back(convNormAct(s.expanded, s.out, 1, 1, 1, Activation::kNone, norm));
        register_module("block", m_block);
    }
    torch::Tensor forward(torch::Tensor x) {
        return m_residual ? m_block->forward(x) + x : m_block->forward(x);
    }

  private:
    Sequence m_block{nullptr};
    bool m_residual;
};
TORCH_MODULE(InvertedResidual);

// backbone_utils.py _mobilenet_extractor(fpn=True) over a MobileNet's "features", registered as
// "0", "1", ...: stages start at the stem, at every strided block (_is_cn) and at the last
// layer; the pyramid takes the outputs of the last two stage starts (returned_layers =
// [num_stages - 2, num_stages - 1]).
class MobileNetBodyImpl : public BackboneBodyImpl {
  public:
    std::vector<torch::Tensor> forward(torch::Tensor x) override {
        std::vector<torch::Tensor> outputs;
        for (int64_t index = 0; index <= m_returned.back(); ++index) {
            x = m_features[static_cast<size_t>(index)].forward(x);
            if (index == m_returned.front() || index == m_returned.back()) outputs.push_back(x);
        }
        return outputs;
    }

    std::vector<int64_t> returnedChannels() const override { return m_returnedChannels; }

    // The last `trainableLayers` stages train, everything before them is frozen.
    void setTrainableLayers(int64_t trainableLayers) override {
        const auto stages = static_cast<int64_t>(m_stageStarts.size());
        TORCH_CHECK(trainableLayers >= 0 && trainableLayers <= stages,
                    "trainable layers must be in [0, ", stages, "], got ", trainableLayers);
        const int64_t freezeBefore =
            trainableLayers == 0 ? static_cast<int64_t>(m_features.size())
                                 : m_stageStarts[static_cast<size_t>(stages - trainableLayers)];
        for (int64_t index = 0; index < freezeBefore; ++index) {
            freezeParameters(*m_modules[static_cast<size_t>(index)]);
        }
    }

  protected:
    template <class ModuleHolder>
    void add(ModuleHolder module, bool strided = false) {
        if (strided) m_stageStarts.push_back(static_cast<int64_t>(m_features.size()));
        const std::string name = std::to_string(m_features.size());
        m_modules.push_back(register_module(name, module.ptr()));
        m_features.emplace_back(module);
    }

    // After the last add: the stage starts and the returned maps (with their channels).
    void finish(int64_t secondLastChannels, int64_t lastChannels) {
        m_stageStarts.insert(m_stageStarts.begin(), 0);
        m_stageStarts.push_back(static_cast<int64_t>(m_features.size()) - 1);
        m_returned = {m_stageStarts[m_stageStarts.size() - 2], m_stageStarts.back()};
        m_returnedChannels = {secondLastChannels, lastChannels};
        layers::initConvKaimingFanOut(*this);
    }

  private:
    std::vector<torch::nn::AnyModule> m_features;
    std::vector<std::shared_ptr<torch::nn::Module>> m_modules;
    std::vector<int64_t> m_stageStarts;
    std::vector<int64_t> m_returned;
    std::vector<int64_t> m_returnedChannels;
};

// Stages [0, 2, 4, 7, 13, 16]; the pyramid takes feature 13 (the last strided block, 160
// channels) and feature 16 (the final 1x1 convolution, 960 channels), both at stride 32.
class MobileNetV3LargeBodyImpl : public MobileNetBodyImpl {
  public:
    explicit MobileNetV3LargeBodyImpl(const BackboneNormOptions& norm) {
        const std::vector<BottleneckSetting> settings{
            {16, 3, 16, 16, false, false, 1},  {16, 3, 64, 24, false, false, 2},
            {24, 3, 72, 24, false, false, 1},  {24, 5, 72, 40, true, false, 2},
            {40, 5, 120, 40, true, false, 1},  {40, 5, 120, 40, true, false, 1},
            {40, 3, 240, 80, false, true, 2},  {80, 3, 200, 80, false, true, 1},
            {80, 3, 184, 80, false, true, 1},  {80, 3, 184, 80, false, true, 1},
            {80, 3, 480, 112, true, true, 1},  {112, 3, 672, 112, true, true, 1},
            {112, 5, 672, 160, true, true, 2}, {160, 5, 960, 160, true, true, 1},
            {160, 5, 960, 160, true, true, 1},
        };
        add(convNormAct(3, 16, 3, 2, 1, Activation::kHardswish, norm));
        for (const auto& setting : settings)
            add(InvertedResidual(setting, norm), setting.stride > 1);
        add(convNormAct(160, 960, 1, 1, 1, Activation::kHardswish, norm));
        finish(160, 960);
    }
};

// ---- MobileNetV2 as Keras builds it ------------------------------------------------------------

// torchvision's mobilenetv2.py InvertedResidual ("conv": [expand 1x1,] depthwise 3x3, project
// 1x1 conv, norm), ReLU6, with the Keras layout of build::mobileNetV2Keras (the zoo's
// "mobilenet_v2_keras"): stride-2 depthwise convolutions pad TensorFlow's "same" way.
class KerasInvertedResidualImpl : public torch::nn::Module {
  public:
    KerasInvertedResidualImpl(int64_t in, int64_t out, int64_t stride, int64_t expandRatio,
                              const BackboneNormOptions& norm)
        : m_residual(stride == 1 && in == out) {
        const int64_t hidden = in * expandRatio;
        m_conv = Sequence();
        if (expandRatio != 1) {
            m_conv->push_back(convNormAct(in, hidden, 1, 1, 1, Activation::kReLU6, norm));
        }
        m_conv->push_back(
            convNormAct(hidden, hidden, 3, stride, hidden, Activation::kReLU6, norm, stride > 1));
        m_conv->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(hidden, out, 1).bias(false)));
        m_conv->push_back(BackboneNorm2d(out, norm));
        register_module("conv", m_conv);
    }
    torch::Tensor forward(torch::Tensor x) {
        return m_residual ? x + m_conv->forward(x) : m_conv->forward(x);
    }

  private:
    Sequence m_conv{nullptr};
    bool m_residual;
};
TORCH_MODULE(KerasInvertedResidual);

// Features 0 (stem) .. 18 (the final 1x1 convolution to 1280 channels). Stages [0, 2, 4, 7, 14,
// 18], as _mobilenet_extractor finds them in torchvision's mobilenet_v2 (whose blocks are the
// same); the pyramid takes feature 14 (the first block at stride 32, 160 channels) and feature
// 18 (1280 channels, stride 32).
class MobileNetV2KerasBodyImpl : public MobileNetBodyImpl {
  public:
    explicit MobileNetV2KerasBodyImpl(const BackboneNormOptions& norm) {
        // t (expansion), c (channels), n (repeats), s (first stride): the paper's Table 2.
        const int64_t settings[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                        {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
        add(convNormAct(3, 32, 3, 2, 1, Activation::kReLU6, norm, /*tfSamePadding=*/true));
        int64_t in = 32;
        for (const auto& setting : settings) {
            for (int64_t repeat = 0; repeat < setting[2]; ++repeat) {
                const int64_t stride = repeat == 0 ? setting[3] : 1;
                add(KerasInvertedResidual(in, setting[1], stride, setting[0], norm), stride > 1);
                in = setting[1];
            }
        }
        add(convNormAct(in, 1280, 1, 1, 1, Activation::kReLU6, norm));
        finish(160, 1280);
    }
};

// ---- ResNet-50 ---------------------------------------------------------------------------------

torch::nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride) {
    return torch::nn::Conv2d(
        torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false));
}

class BottleneckImpl : public torch::nn::Module {
  public:
    static constexpr int64_t kExpansion = 4;
    BottleneckImpl(int64_t in, int64_t planes, int64_t stride, const BackboneNormOptions& norm) {
        m_conv1 = register_module("conv1", conv(in, planes, 1, 1));
        m_bn1 = register_module("bn1", BackboneNorm2d(planes, norm));
        m_conv2 = register_module("conv2", conv(planes, planes, 3, stride));
        m_bn2 = register_module("bn2", BackboneNorm2d(planes, norm));
        m_conv3 = register_module("conv3", conv(planes, planes * kExpansion, 1, 1));
        m_bn3 = register_module("bn3", BackboneNorm2d(planes * kExpansion, norm));
        if (stride != 1 || in != planes * kExpansion) {
            m_downsample =
                register_module("downsample", Sequence(conv(in, planes * kExpansion, 1, stride),
                                                       BackboneNorm2d(planes * kExpansion, norm)));
        }
    }
    torch::Tensor forward(torch::Tensor x) {
        torch::Tensor out = torch::relu(m_bn1(m_conv1(x)));
        out = torch::relu(m_bn2(m_conv2(out)));
        out = m_bn3(m_conv3(out));
        return torch::relu(out + (m_downsample ? m_downsample->forward(x) : x));
    }

  private:
    torch::nn::Conv2d m_conv1{nullptr}, m_conv2{nullptr}, m_conv3{nullptr};
    BackboneNorm2d m_bn1{nullptr}, m_bn2{nullptr}, m_bn3{nullptr};
    Sequence m_downsample{nullptr};
};
TORCH_MODULE(Bottleneck);

class ResNet50BodyImpl : public BackboneBodyImpl {
  public:
    explicit ResNet50BodyImpl(const BackboneNormOptions& norm) {
        m_conv1 = register_module("conv1", conv(3, 64, 7, 2));
        m_bn1 = register_module("bn1", BackboneNorm2d(64, norm));
        int64_t in = 64;
        const std::array<int64_t, 4> blocks{3, 4, 6, 3};
        const std::array<int64_t, 4> planes{64, 128, 256, 512};
        for (size_t stage = 0; stage < 4; ++stage) {
            Sequence sequence;
            for (int64_t index = 0; index < blocks[stage]; ++index) {
                sequence->push_back(
                    Bottleneck(in, planes[stage], (stage > 0 && index == 0) ? 2 : 1, norm));
                in = planes[stage] * BottleneckImpl::kExpansion;
            }
            m_layers[stage] = register_module("layer" + std::to_string(stage + 1), sequence);
        }
        layers::initConvKaimingFanOut(*this);
    }

    std::vector<torch::Tensor> forward(torch::Tensor x) override {
        x = torch::max_pool2d(torch::relu(m_bn1(m_conv1(x))), 3, 2, 1);
        std::vector<torch::Tensor> outputs;
        for (auto& layer : m_layers) {
            x = layer->forward(x);
            outputs.push_back(x);
        }
        return outputs;
    }

    std::vector<int64_t> returnedChannels() const override { return {256, 512, 1024, 2048}; }

    // backbone_utils.py _resnet_fpn_extractor: layer4, layer3, layer2, layer1, conv1 (and bn1
    // with all 5) train, counted from the end.
    void setTrainableLayers(int64_t trainableLayers) override {
        TORCH_CHECK(trainableLayers >= 0 && trainableLayers <= 5,
                    "trainable layers must be in [0, 5], got ", trainableLayers);
        std::vector<std::string> train{"layer4", "layer3", "layer2", "layer1", "conv1"};
        train.resize(static_cast<size_t>(trainableLayers));
        if (trainableLayers == 5) train.push_back("bn1");
        for (auto& item : named_parameters()) {
            bool trains = false;
            for (const auto& prefix : train) trains |= item.key().rfind(prefix, 0) == 0;
            if (!trains) item.value().set_requires_grad(false);
        }
    }

  private:
    torch::nn::Conv2d m_conv1{nullptr};
    BackboneNorm2d m_bn1{nullptr};
    std::array<Sequence, 4> m_layers{nullptr, nullptr, nullptr, nullptr};
};

}  // namespace

std::shared_ptr<BackboneBodyImpl> mobileNetV3LargeBody(const BackboneNormOptions& norm) {
    return std::make_shared<MobileNetV3LargeBodyImpl>(norm);
}

std::shared_ptr<BackboneBodyImpl> resNet50Body(const BackboneNormOptions& norm) {
    return std::make_shared<ResNet50BodyImpl>(norm);
}

std::shared_ptr<BackboneBodyImpl> mobileNetV2KerasBody(const BackboneNormOptions& norm) {
    return std::make_shared<MobileNetV2KerasBodyImpl>(norm);
}

}  // namespace fovea::core::detection
